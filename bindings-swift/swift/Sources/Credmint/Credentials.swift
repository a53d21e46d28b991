// Credentials that keep a token fresh: each type only says which conversation
// refills its cache; caching, refresh timing and single flight are the core's.
import Foundation

/// The scope Google's APIs accept for everything the account may do.
public let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

/// Where a credential's conversations go and what time it is.
public struct Http: Sendable {
    public let transport: Transport
    public let clock: Clock

    public init(transport: Transport = URLSessionTransport(), clock: Clock = SystemClock()) {
        self.transport = transport
        self.clock = clock
    }
}

/// Single flight over the core's `TokenCache`: it decides, this acts and reports.
final class Cached: @unchecked Sendable {
    private let cache: TokenCache

    init(_ style: RefreshStyle) {
        cache = TokenCache(style: style)
    }

    func get(_ clock: Clock, refresh: () async throws -> Token) async throws -> Token {
        while true {
            switch cache.lookup(now: clock.now()) {
            case .fresh(let token):
                return token
            case .waitForRefresh:
                try await Task.sleep(nanoseconds: 20_000_000)
            case .mustRefresh:
                return try await refreshing(refresh)
            case .refreshInBackground(let token):
                do {
                    return try await refreshing(refresh)
                } catch is CredmintError {
                    return token // still valid; the next caller tries again
                }
            }
        }
    }

    private func refreshing(_ refresh: () async throws -> Token) async throws -> Token {
        let token: Token
        do {
            token = try await refresh()
        } catch {
            cache.fail()
            throw error
        }
        cache.complete(token: token)
        return token
    }

    func invalidate() { cache.invalidate() }
}

func unexpected(_ output: Output) -> CredmintError {
    CredmintError.InvalidArgument(code: "invalid_argument", detail: "unexpected \(output) answer")
}

/// Something that yields access tokens, cached and refreshed once however many callers ask.
public class Credentials: @unchecked Sendable, CustomStringConvertible {
    let http: Http
    private let cached: Cached

    init(style: RefreshStyle, http: Http) {
        self.http = http
        cached = Cached(style)
    }

    /// A valid access token (from the cache, or refreshed now).
    public func accessToken() async throws -> AccessToken {
        let token = try await cached.get(http.clock) { .access(token: try await self.fetchAccessToken()) }
        guard case .access(let accessToken) = token else { throw unexpectedToken() }
        return accessToken
    }

    /// Forgets the cached token, after an API answered 401 to it.
    public func invalidate() { cached.invalidate() }

    func fetchAccessToken() async throws -> AccessToken {
        throw CredmintError.InvalidArgument(code: "invalid_argument", detail: "abstract credential")
    }

    func run(_ conversation: Conversation, signer: Signer? = nil) async throws -> Output {
        try await drive(conversation, transport: http.transport, clock: http.clock, signer: signer)
    }

    func accessToken(of conversation: Conversation, signer: Signer? = nil) async throws -> AccessToken {
        let output = try await run(conversation, signer: signer)
        guard case .accessToken(let token) = output else { throw unexpected(output) }
        return token
    }

    func idToken(of conversation: Conversation, signer: Signer? = nil) async throws -> IdToken {
        let output = try await run(conversation, signer: signer)
        guard case .idToken(let token) = output else { throw unexpected(output) }
        return token
    }

    public var description: String { String(describing: type(of: self)) }
}

private func unexpectedToken() -> CredmintError {
    CredmintError.InvalidArgument(code: "invalid_argument", detail: "unexpected token kind")
}

/// ID tokens per audience, each cached and refreshed once.
final class IdTokens: @unchecked Sendable {
    private let clock: Clock
    private let fetch: (String) async throws -> IdToken
    private var caches: [String: Cached] = [:]
    private let lock = NSLock()

    init(clock: Clock, fetch: @escaping (String) async throws -> IdToken) {
        self.clock = clock
        self.fetch = fetch
    }

    func get(_ audience: String) async throws -> IdToken {
        let cache: Cached = lock.withLock {
            if let cache = caches[audience] { return cache }
            let cache = Cached(.google)
            caches[audience] = cache
            return cache
        }
        let token = try await cache.get(clock) { .id(token: try await self.fetch(audience)) }
        guard case .id(let idToken) = token else { throw unexpectedToken() }
        return idToken
    }
}

/// A service account's own tokens (OAuth 2.0 JWT-bearer grant), signed by its
/// key file's key, or by a platform-held key through a `Signer`.
public final class ServiceAccountCredentials: Credentials {
    private let assertionSigner: AssertionSigner
    private let signer: Signer?
    private let scopes: [String]
    private let subject: String?
    private let tokenUri: String?
    private lazy var idTokens = IdTokens(clock: self.http.clock) { [unowned self] audience in
        try await self.idToken(
            of: try serviceAccountIdToken(signer: self.assertionSigner, audience: audience, tokenUri: self.tokenUri),
            signer: self.signer)
    }

    /// Signs with `key` (checked and loaded by credmint).
    public convenience init(
        key: ServiceAccountKey, scopes: [String] = [cloudPlatformScope], subject: String? = nil,
        tokenUri: String? = nil, http: Http = Http()
    ) {
        self.init(assertionSigner: .key(key: key), signer: nil, scopes: scopes, subject: subject, tokenUri: tokenUri, http: http)
    }

    /// Signs assertions with a key the platform holds (Keychain): `signer` is asked each time.
    public convenience init(
        clientEmail: String, keyId: String, signer: Signer, scopes: [String] = [cloudPlatformScope],
        subject: String? = nil, tokenUri: String? = nil, http: Http = Http()
    ) {
        self.init(assertionSigner: .external(clientEmail: clientEmail, keyId: keyId), signer: signer,
                  scopes: scopes, subject: subject, tokenUri: tokenUri, http: http)
    }

    private init(
        assertionSigner: AssertionSigner, signer: Signer?, scopes: [String], subject: String?,
        tokenUri: String?, http: Http
    ) {
        self.assertionSigner = assertionSigner
        self.signer = signer
        self.scopes = scopes
        self.subject = subject
        self.tokenUri = tokenUri
        super.init(style: .google, http: http)
    }

    override func fetchAccessToken() async throws -> AccessToken {
        try await accessToken(
            of: try serviceAccountToken(signer: assertionSigner, scopes: scopes, subject: subject, tokenUri: tokenUri),
            signer: signer)
    }

    /// An OIDC ID token for `audience` (Cloud Run, IAP), cached per audience.
    public func idToken(audience: String) async throws -> IdToken {
        try await idTokens.get(audience)
    }
}

/// An `allowedLocations` answer.
public struct AllowedLocations: Equatable, Sendable {
    /// Location names; empty when unrestricted.
    public let locations: [String]
    /// The `x-allowed-locations` header value.
    public let encoded: String
}

/// Another service account's tokens and signatures, through IAM Service Account Credentials.
public final class ImpersonatedCredentials: Credentials {
    private let source: Credentials
    private let target: String
    private let scopes: [String]
    private let delegates: [String]
    private let lifetimeSecs: UInt64
    private let endpoint: String?
    private let universeDomain: String
    private lazy var idTokens = IdTokens(clock: self.http.clock) { [unowned self] audience in
        let output = try await self.call(.generateIdToken(audience: audience, includeEmail: true))
        guard case .idToken(let token) = output else { throw unexpected(output) }
        return token
    }

    public init(
        source: Credentials, target: String, scopes: [String] = [cloudPlatformScope], delegates: [String] = [],
        lifetimeSecs: UInt64 = 3600, endpoint: String? = nil, universeDomain: String = "googleapis.com",
        http: Http = Http()
    ) {
        self.source = source
        self.target = target
        self.scopes = scopes
        self.delegates = delegates
        self.lifetimeSecs = lifetimeSecs
        self.endpoint = endpoint
        self.universeDomain = universeDomain
        super.init(style: .google, http: http)
    }

    private func call(_ method: IamMethod) async throws -> Output {
        let conversation = try iamCall(
            method: method, source: try await source.accessToken(), target: target, delegates: delegates,
            endpoint: endpoint, universeDomain: universeDomain)
        return try await run(conversation)
    }

    override func fetchAccessToken() async throws -> AccessToken {
        let output = try await call(.generateAccessToken(scopes: scopes, lifetimeSecs: lifetimeSecs))
        guard case .accessToken(let token) = output else { throw unexpected(output) }
        return token
    }

    /// An ID token for `audience` with `email` claims, cached per audience.
    public func idToken(audience: String) async throws -> IdToken {
        try await idTokens.get(audience)
    }

    /// `signBlob` as the target account.
    public func signBlob(_ payload: Data) async throws -> SignedBlob {
        let output = try await call(.signBlob(payload: payload))
        guard case .signedBlob(let blob) = output else { throw unexpected(output) }
        return blob
    }

    /// `signJwt` as the target account; `claimsJson` is a JSON object.
    public func signJwt(claimsJson: String) async throws -> SignedJwt {
        let output = try await call(.signJwt(claimsJson: claimsJson))
        guard case .signedJwt(let jwt) = output else { throw unexpected(output) }
        return jwt
    }

    /// Where the target account's tokens may be used (`allowedLocations`).
    public func allowedLocations() async throws -> AllowedLocations {
        let output = try await call(.allowedLocations)
        guard case .allowedLocations(let locations, let encoded) = output else { throw unexpected(output) }
        return AllowedLocations(locations: locations, encoded: encoded)
    }

    public override var description: String { "ImpersonatedCredentials(\(target))" }
}

/// IBM Cloud IAM tokens for an API key.
public final class IbmApiKeyCredentials: Credentials {
    private let apiKey: String
    private let url: String?
    private let clientId: String?
    private let clientSecret: String?

    public init(apiKey: String, url: String? = nil, clientId: String? = nil, clientSecret: String? = nil, http: Http = Http()) {
        self.apiKey = apiKey
        self.url = url
        self.clientId = clientId
        self.clientSecret = clientSecret
        super.init(style: .ibm, http: http)
    }

    override func fetchAccessToken() async throws -> AccessToken {
        try await accessToken(
            of: try ibmToken(grant: .apiKey, secret: apiKey, url: url, clientId: clientId, clientSecret: clientSecret))
    }
}

/// OAuth 2.0 client-credentials tokens (k0rdent service-account credentials, any RFC 6749 server).
public final class ClientCredentials: Credentials {
    private let tokenUrl: String
    private let clientId: String
    private let clientSecret: String
    private let scopes: [String]
    private let basicAuth: Bool

    public init(
        tokenUrl: String, clientId: String, clientSecret: String, scopes: [String] = [], basicAuth: Bool = true,
        http: Http = Http()
    ) {
        self.tokenUrl = tokenUrl
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.scopes = scopes
        self.basicAuth = basicAuth
        super.init(style: .google, http: http)
    }

    override func fetchAccessToken() async throws -> AccessToken {
        try await accessToken(
            of: try clientCredentials(
                tokenUrl: tokenUrl, clientId: clientId, clientSecret: clientSecret, scopes: scopes, basicAuth: basicAuth))
    }

    public override var description: String { "ClientCredentials(\(clientId))" }
}

/// Workload identity federation (`"type": "external_account"`): a subject token
/// from the file or URL the configuration names, or from `subjectTokenSupplier`,
/// exchanged at STS (then impersonated, if configured).
public final class ExternalAccountCredentials: Credentials {
    private let account: ExternalAccount
    private let subjectTokenSupplier: (@Sendable () async throws -> String)?

    public init(
        configJson: String, scopes: [String] = [], subjectTokenSupplier: (@Sendable () async throws -> String)? = nil,
        http: Http = Http()
    ) throws {
        account = try ExternalAccount.fromJson(text: configJson, scopes: scopes)
        self.subjectTokenSupplier = subjectTokenSupplier
        super.init(style: .google, http: http)
    }

    private func subjectToken() async throws -> String {
        if let supplier = subjectTokenSupplier { return try await supplier() }
        let content: Data
        switch account.subjectTokenSource() {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CredmintError.InvalidArgument(code: "invalid_argument", detail: "cannot read the credential source file")
            }
            content = data
        case .url:
            guard let request = account.subjectTokenRequest() else {
                throw CredmintError.InvalidArgument(code: "invalid_argument", detail: "the credential source is not a URL")
            }
            let answer: HttpAnswer
            do {
                answer = try await exchange(http.transport, request)
            } catch {
                throw CredmintError.Transport(code: "transport_error", detail: "the credential source URL did not answer")
            }
            guard (200..<300).contains(answer.status) else {
                throw CredmintError.InvalidArgument(
                    code: "invalid_argument", detail: "the credential source URL answered HTTP \(answer.status)")
            }
            content = answer.body
        default:
            throw CredmintError.InvalidArgument(code: "invalid_argument", detail: "this credential source needs a subjectTokenSupplier")
        }
        return try account.subjectTokenFrom(content: content)
    }

    override func fetchAccessToken() async throws -> AccessToken {
        try await accessToken(of: try account.flow(subjectToken: try await subjectToken()))
    }

    public override var description: String { "ExternalAccountCredentials(\(account.audience()))" }
}
