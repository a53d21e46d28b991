// Verification with keyword arguments and the system clock.

/// Verifies an RS256 JWT against `keys` (JWKS, JWK, X.509 map or PEM); the claims
/// as JSON text. `leewaySecs` `nil` keeps the core's default.
public func verify(
    token: String, keys: String, audiences: [String] = [], issuers: [String] = [], leewaySecs: UInt64? = nil,
    maxLifetimeSecs: UInt64? = nil, now: Int64 = SystemClock().now()
) throws -> String {
    try verify(token: token, keys: keys, options: VerifyOptions(
        audiences: audiences, issuers: issuers, leewaySecs: leewaySecs, maxLifetimeSecs: maxLifetimeSecs, now: now))
}

/// A verifier of one issuer's tokens (one of the core's presets) with its own
/// remote key set, shared by every task that uses it: keys are fetched once
/// and kept as fresh as the server says. Every rule is the core's; this type
/// fetches. `keysUrl` fetches the keys elsewhere (the emulator).
public final class Verifier: @unchecked Sendable {
    private let native: TokenVerifier
    private let http: Http

    private init(_ preset: String, _ options: [String: Any?], http: Http) throws {
        native = try TokenVerifier(preset: preset, optionsJson: try jsonObject(options))
        self.http = http
    }

    /// Google ID tokens for one of `audiences`.
    public static func googleIdToken(audiences: [String], keysUrl: String? = nil, http: Http = Http()) throws -> Verifier {
        try Verifier("google_id_token", ["audience": audiences, "keys_url": keysUrl], http: http)
    }

    /// Firebase Auth ID tokens of `projectId`.
    public static func firebase(projectId: String, keysUrl: String? = nil, http: Http = Http()) throws -> Verifier {
        try Verifier("firebase", ["project_id": projectId, "keys_url": keysUrl], http: http)
    }

    /// JWTs the service account `email` signed, for one of `audiences`.
    public static func serviceAccount(
        email: String, audiences: [String], keysUrl: String? = nil, http: Http = Http()
    ) throws -> Verifier {
        try Verifier("service_account", ["email": email, "audience": audiences, "keys_url": keysUrl], http: http)
    }

    /// IBM Cloud IAM access tokens (one of `audiences` when given).
    public static func ibmIam(audiences: [String] = [], keysUrl: String? = nil, http: Http = Http()) throws -> Verifier {
        try Verifier("ibm_iam", ["audience": audiences, "keys_url": keysUrl], http: http)
    }

    /// Identity-Aware Proxy assertions for `audience`.
    public static func iap(audience: String, keysUrl: String? = nil, http: Http = Http()) throws -> Verifier {
        try Verifier("iap", ["audience": audience, "keys_url": keysUrl], http: http)
    }

    /// Tokens of the OpenID Connect `issuer` (keys by discovery) for one of `audiences`.
    public static func oidc(issuer: String, audiences: [String], http: Http = Http()) throws -> Verifier {
        try Verifier("oidc", ["issuer": issuer, "audience": audiences], http: http)
    }

    /// The verified claims as JSON text (the token's own, read strictly); a `CredmintError` otherwise.
    public func verify(_ token: String) async throws -> String {
        let output = try await drive(native.verify(token: token), transport: http.transport, clock: http.clock)
        guard case .claims(let json) = output else { throw unexpected(output) }
        return json
    }

    /// The fetched keys as JSON text, to persist; `nil` before a fetch.
    public func snapshot() -> String? { native.snapshot() }

    /// Restores a `snapshot`, checked like a fresh fetch.
    public func restore(_ snapshot: String) throws { try native.restore(snapshot: snapshot) }
}
