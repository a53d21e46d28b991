// Sugar over the generated API: verification with keyword arguments and the system clock.
package dev.credmint

/**
 * Verifies an RS256 JWT against [keys] (JWKS, JWK, X.509 map or PEM); the claims
 * as JSON text. [leewaySecs] `null` keeps the core's default.
 */
fun verify(
    token: String,
    keys: String,
    audiences: List<String> = emptyList(),
    issuers: List<String> = emptyList(),
    leewaySecs: Long? = null,
    maxLifetimeSecs: Long? = null,
    now: Long = Clock.SYSTEM.now(),
): String = verify(
    token, keys, VerifyOptions(audiences, issuers, leewaySecs?.toULong(), maxLifetimeSecs?.toULong(), now),
)
