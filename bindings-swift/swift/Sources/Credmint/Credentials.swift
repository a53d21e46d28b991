// Credentials that keep a token fresh: each type only says which conversation
// refills its cache; caching, refresh timing and single flight are the core's.
import Foundation

/// The scope Google's APIs accept for everything the account may do (the core asks for it when no scopes are given).
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
/// Callers that waited for a refresh that failed get its error, not a refresh of their own.
/// A cache the core could not make (credentials it refused) fails every call with its error.
final class Cached: @unchecked Sendable {
    private let made: Result<TokenCache, Error>
    private let lock = NSLock()
    private var lastFailure: Error? // of the last refresh that failed, for its waiters; under `lock`

    private let shared: SharedTokens?

    init(_ newCache: () throws -> TokenCache, shared: SharedTokens? = nil) {
        made = Result(catching: newCache)
        self.shared = shared
    }

    func get(_ clock: Clock, refresh: () async throws -> Token) async throws -> Token {
        let cache = try made.get()
        var waitedFor: UInt64? // the refresh this caller waits for, once told to wait
        while true {
            let now = clock.now()
            let lookup = waitedFor.map { cache.lookupAfterWait(now: now, generation: $0) } ?? cache.lookup(now: now)
            switch lookup {
            case .fresh(let token):
                return token
            case .waitForRefresh(let generation):
                waitedFor = generation
                try await Task.sleep(nanoseconds: 20_000_000)
            case .refreshFailed:
                // Kept before the core heard of the failure (`refreshing`), so it is there.
                throw lock.withLock { lastFailure } ?? CredmintError.InvalidArgument(
                    code: "invalid_argument", detail: "a failed refresh without its error")
            case .mustRefresh:
                return try await refreshing(cache, clock, nil, refresh)
            case .refreshInBackground(let token):
                do {
                    return try await refreshing(cache, clock, token, refresh)
                } catch is CredmintError {
                    return token // still valid; the next caller tries again
                }
            }
        }
    }

    private func refreshing(
        _ cache: TokenCache, _ clock: Clock, _ current: Token?, _ refresh: () async throws -> Token
    ) async throws -> Token {
        let token: Token
        let until: Int64?
        do {
            if let shared {
                let (sharedToken, refreshAt) = try await shared.refresh(clock, current: current, refresh)
                token = sharedToken
                until = refreshAt
            } else {
                token = try await refresh()
                until = nil
            }
        } catch {
            lock.withLock { lastFailure = error }
            cache.fail()
            throw error
        }
        if let until {
            cache.completeUntil(token: token, refreshAt: until)
        } else {
            cache.complete(token: token)
        }
        return token
    }

    func invalidate() {
        if case .success(let cache) = made { cache.invalidate() }
    }
}

func unexpected(_ output: Output) -> CredmintError {
    CredmintError.InvalidArgument(code: "invalid_argument", detail: "unexpected \(output) answer")
}

/// Something that yields access tokens, cached and refreshed once however many callers ask.
public class Credentials: @unchecked Sendable, CustomStringConvertible {
    let http: Http
    private let newCache: () throws -> TokenCache
    private let cached: Cached

    private let shared: ((String?) throws -> SharedTokens)?

    /// `accessShared`: the access-token cache's shared store, made (and checked) by the caller;
    /// `shared`: how ID-token caches make theirs, per audience.
    init(
        cache newCache: @escaping () throws -> TokenCache, http: Http,
        accessShared: SharedTokens? = nil, shared: ((String?) throws -> SharedTokens)? = nil
    ) {
        self.http = http
        self.newCache = newCache
        self.shared = shared
        cached = Cached(newCache, shared: accessShared)
    }

    /// Credentials from a credential document's JSON text, of any `type`
    /// (`service_account`, `authorized_user`, `impersonated_service_account`,
    /// `external_account`, `external_account_authorized_user`, `gce_metadata`,
    /// `ibm_api_key`, `oauth_client_credentials`), with `options` over it.
    public static func fromJson(
        text: String, options: CredentialOptions = CredentialOptions(), http: Http = Http()
    ) throws -> DocumentCredentials {
        try DocumentCredentials.of(try CoreCredentials.fromJson(text: text, optionsJson: try options.json()), http: http)
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

    /// ID tokens per audience, each in a cache of the kind this credential's tokens use.
    func makeIdTokens(_ fetch: @escaping (String) async throws -> IdToken) -> IdTokens {
        IdTokens(clock: http.clock, newCache: newCache, fetch: fetch, shared: shared)
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
    private let newCache: () throws -> TokenCache
    private let fetch: (String) async throws -> IdToken
    private var caches: [String: Cached] = [:]
    private let lock = NSLock()

    private let shared: ((String?) throws -> SharedTokens)?

    init(
        clock: Clock, newCache: @escaping () throws -> TokenCache, fetch: @escaping (String) async throws -> IdToken,
        shared: ((String?) throws -> SharedTokens)? = nil
    ) {
        self.clock = clock
        self.newCache = newCache
        self.fetch = fetch
        self.shared = shared
    }

    func get(_ audience: String) async throws -> IdToken {
        let cache: Cached = try lock.withLock {
            if let cache = caches[audience] { return cache }
            let cache = Cached(newCache, shared: try shared?(audience))
            caches[audience] = cache
            return cache
        }
        let token = try await cache.get(clock) { .id(token: try await self.fetch(audience)) }
        guard case .id(let idToken) = token else { throw unexpectedToken() }
        return idToken
    }
}

/// The core's credentials of one key or document, or why the core refused
/// them: thrown at the first token, as the explicit classes always have.
final class CoreSource: @unchecked Sendable {
    private let made: Result<CoreCredentials, Error>

    init(_ make: () throws -> CoreCredentials) {
        made = Result(catching: make)
    }

    func core() throws -> CoreCredentials { try made.get() }

    func newCache() throws -> TokenCache { TokenCache.forCredentials(credentials: try made.get()) }
}

/// Credentials read from a document, of any kind; what they are and every
/// default is the core's.
public class DocumentCredentials: Credentials {
    let core: CoreCredentials
    private let signer: Signer?
    private lazy var idTokens = self.makeIdTokens { [unowned self] audience in
        try await self.idToken(of: try self.core.idToken(audience: audience), signer: self.signer)
    }

    init(core: CoreCredentials, signer: Signer? = nil, http: Http, accessShared: SharedTokens? = nil, store: TokenStore? = nil) {
        self.core = core
        self.signer = signer
        let shared = store.map { store in { (audience: String?) in try SharedTokens(store: store, core: core, audience: audience) } }
        super.init(cache: { TokenCache.forCredentials(credentials: core) }, http: http, accessShared: accessShared, shared: shared)
    }

    /// These credentials with their tokens shared through `store`: one refresh
    /// per window for every process using the same store and secret. The store
    /// is read only when this process's token is due; if it fails, this process
    /// refreshes by itself. `invalid_argument` for a bad secret or options.
    public func withTokenStore(_ store: TokenStore) throws -> DocumentCredentials {
        try DocumentCredentials.sharing(core, signer: signer, http: http, store: store)
    }

    static func sharing(_ core: CoreCredentials, signer: Signer?, http: Http, store: TokenStore) throws -> DocumentCredentials {
        if core.kind() == "external_account" {
            throw CredmintError.InvalidArgument(
                code: "not_supported", detail: "external_account credentials cannot share tokens through a store yet")
        }
        let access = try SharedTokens(store: store, core: core, audience: nil)
        return DocumentCredentials(core: core, signer: signer, http: http, accessShared: access, store: store)
    }

    static func of(_ core: CoreCredentials, http: Http) throws -> DocumentCredentials {
        if core.kind() == "external_account" {
            return try ExternalAccountCredentials(core: core, subjectTokenSupplier: nil, http: http)
        }
        return DocumentCredentials(core: core, http: http)
    }

    /// The document's `type` (`gce_metadata` for the metadata server).
    public var kind: String { core.kind() }
    /// The project billed for quota, if any.
    public var quotaProjectId: String? { core.quotaProjectId() }
    /// The universe domain (`googleapis.com` unless the document says).
    public var universeDomain: String { core.universeDomain() }
    /// The project the document names, if any.
    public var projectId: String? { core.projectId() }
    /// The service account these credentials act as, where known.
    public var serviceAccountEmail: String? { core.serviceAccountEmail() }

    override func fetchAccessToken() async throws -> AccessToken {
        try await accessToken(of: try core.accessToken(subjectToken: nil), signer: signer)
    }

    /// An OIDC ID token for `audience`, cached per audience; `not_supported`
    /// for kinds that have none (a person's credentials).
    public func idToken(audience: String) async throws -> IdToken {
        try await idTokens.get(audience)
    }

    public override var description: String {
        let account = serviceAccountEmail.map { ", " + $0 } ?? ""
        return "\(type(of: self))(\(kind)\(account))"
    }
}

/// A service account's own tokens (OAuth 2.0 JWT-bearer grant), signed by its
/// key file's key, or by a platform-held key through a `Signer`; `nil`s keep
/// the core's defaults.
public final class ServiceAccountCredentials: Credentials {
    private let source: CoreSource
    private let signer: Signer?
    private lazy var idTokens = self.makeIdTokens { [unowned self] audience in
        try await self.idToken(of: try self.source.core().idToken(audience: audience), signer: self.signer)
    }

    /// Signs with `key` (checked and loaded by credmint).
    public convenience init(
        key: ServiceAccountKey, scopes: [String]? = nil, subject: String? = nil, tokenUri: String? = nil,
        http: Http = Http()
    ) {
        let options = CredentialOptions(scopes: scopes, tokenUri: tokenUri, subject: subject)
        let source = CoreSource {
            try CoreCredentials.fromServiceAccountKey(key: key, externalSigner: false, optionsJson: try options.json())
        }
        self.init(source: source, signer: nil, http: http)
    }

    /// Signs assertions with a key the platform holds (Keychain): `signer` is asked each time.
    public convenience init(
        clientEmail: String, keyId: String, signer: Signer, scopes: [String]? = nil,
        subject: String? = nil, tokenUri: String? = nil, http: Http = Http()
    ) {
        let options = CredentialOptions(scopes: scopes, tokenUri: tokenUri, subject: subject)
        let source = CoreSource {
            try CoreCredentials.fromSigner(clientEmail: clientEmail, keyId: keyId, optionsJson: try options.json())
        }
        self.init(source: source, signer: signer, http: http)
    }

    private init(source: CoreSource, signer: Signer?, http: Http) {
        self.source = source
        self.signer = signer
        super.init(cache: source.newCache, http: http)
    }

    override func fetchAccessToken() async throws -> AccessToken {
        try await accessToken(of: try source.core().accessToken(subjectToken: nil), signer: signer)
    }

    /// An OIDC ID token for `audience` (Cloud Run, IAP), cached per audience.
    public func idToken(audience: String) async throws -> IdToken {
        try await idTokens.get(audience)
    }

    /// These credentials with tokens shared through `store` (see `DocumentCredentials.withTokenStore`).
    public func withTokenStore(_ store: TokenStore) throws -> DocumentCredentials {
        try DocumentCredentials.sharing(try source.core(), signer: signer, http: http, store: store)
    }
}

/// An `allowedLocations` answer.
public struct AllowedLocations: Equatable, Sendable {
    /// Location names; empty when unrestricted.
    public let locations: [String]
    /// The `x-allowed-locations` header value.
    public let encoded: String
}

/// Another service account's tokens and signatures, through IAM Service Account
/// Credentials, authorized by any `source`'s tokens; `nil`s keep the core's defaults.
public final class ImpersonatedCredentials: Credentials {
    private let source: Credentials
    private let target: String
    private let scopes: [String]?
    private let delegates: [String]
    private let lifetimeSecs: UInt64?
    private let endpoint: String?
    private let universeDomain: String?
    private lazy var idTokens = self.makeIdTokens { [unowned self] audience in
        let output = try await self.call(.generateIdToken(audience: audience, includeEmail: true))
        guard case .idToken(let token) = output else { throw unexpected(output) }
        return token
    }

    public init(
        source: Credentials, target: String, scopes: [String]? = nil, delegates: [String] = [],
        lifetimeSecs: UInt64? = nil, endpoint: String? = nil, universeDomain: String? = nil,
        http: Http = Http()
    ) {
        self.source = source
        self.target = target
        self.scopes = scopes
        self.delegates = delegates
        self.lifetimeSecs = lifetimeSecs
        self.endpoint = endpoint
        self.universeDomain = universeDomain
        super.init(cache: { TokenCache.forIamCalls() }, http: http)
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

/// IBM Cloud IAM tokens for an API key (at `url`, else IBM's), as an `ibm_api_key` document says.
public final class IbmApiKeyCredentials: Credentials {
    private let source: CoreSource

    public init(apiKey: String, url: String? = nil, clientId: String? = nil, clientSecret: String? = nil, http: Http = Http()) {
        let source = CoreSource {
            try CoreCredentials.fromJson(text: try jsonObject([
                "type": "ibm_api_key", "apikey": apiKey, "url": url, "client_id": clientId, "client_secret": clientSecret,
            ]))
        }
        self.source = source
        super.init(cache: source.newCache, http: http)
    }

    override func fetchAccessToken() async throws -> AccessToken {
        try await accessToken(of: try source.core().accessToken(subjectToken: nil))
    }

    /// These credentials with tokens shared through `store` (see `DocumentCredentials.withTokenStore`).
    public func withTokenStore(_ store: TokenStore) throws -> DocumentCredentials {
        try DocumentCredentials.sharing(try source.core(), signer: nil, http: http, store: store)
    }
}

/// OAuth 2.0 client-credentials tokens (k0rdent service-account credentials, any
/// RFC 6749 server), as an `oauth_client_credentials` document says; `basicAuth`
/// `false` sends the secret in the form body, `nil` keeps the core's default.
public final class ClientCredentials: Credentials {
    private let source: CoreSource
    private let clientId: String

    public init(
        tokenUrl: String, clientId: String, clientSecret: String, scopes: [String]? = nil, basicAuth: Bool? = nil,
        http: Http = Http()
    ) {
        let source = CoreSource {
            try CoreCredentials.fromJson(text: try jsonObject([
                "type": "oauth_client_credentials", "token_url": tokenUrl, "client_id": clientId,
                "client_secret": clientSecret, "scopes": scopes, "client_auth": basicAuth.map { $0 ? "basic" : "form" },
            ]))
        }
        self.source = source
        self.clientId = clientId
        super.init(cache: source.newCache, http: http)
    }

    override func fetchAccessToken() async throws -> AccessToken {
        try await accessToken(of: try source.core().accessToken(subjectToken: nil))
    }

    /// These credentials with tokens shared through `store` (see `DocumentCredentials.withTokenStore`).
    public func withTokenStore(_ store: TokenStore) throws -> DocumentCredentials {
        try DocumentCredentials.sharing(try source.core(), signer: nil, http: http, store: store)
    }

    public override var description: String { "ClientCredentials(\(clientId))" }
}

/// Workload identity federation (`"type": "external_account"`): a subject token
/// sourced by the core as the configuration says (a file, a URL, AWS; commands
/// are not run here), or from `subjectTokenSupplier`, exchanged at STS (then
/// impersonated, if configured).
public final class ExternalAccountCredentials: DocumentCredentials {
    private let subjectTokenSupplier: (@Sendable () async throws -> String)?

    /// Reads the configuration's JSON text; `scopes` (`nil`: the core's default) apply when not impersonating.
    public convenience init(
        configJson: String, scopes: [String]? = nil, subjectTokenSupplier: (@Sendable () async throws -> String)? = nil,
        http: Http = Http()
    ) throws {
        let core = try CoreCredentials.fromJson(text: configJson, optionsJson: try CredentialOptions(scopes: scopes).json())
        try self.init(core: core, subjectTokenSupplier: subjectTokenSupplier, http: http)
    }

    init(core: CoreCredentials, subjectTokenSupplier: (@Sendable () async throws -> String)?, http: Http) throws {
        guard core.kind() == "external_account" else {
            throw CredmintError.InvalidArgument(
                code: "invalid_argument", detail: "ExternalAccountCredentials need an external_account document, not \(core.kind())")
        }
        self.subjectTokenSupplier = subjectTokenSupplier
        super.init(core: core, signer: nil, http: http)
    }

    override func fetchAccessToken() async throws -> AccessToken {
        let supplied = try await subjectTokenSupplier?()
        return try await accessToken(of: try core.accessToken(subjectToken: supplied))
    }
}

/// At most `most` bytes of the file at `path` (callers ask for one more than the
/// core accepts, so an oversized file is refused without being read whole), or
/// nil when it cannot be read.
func readAtMost(_ path: String, _ most: Int) -> Data? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    do {
        return try handle.read(upToCount: most) ?? Data()
    } catch {
        return nil
    }
}
