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
