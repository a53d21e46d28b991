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

/**
 * A verifier of one issuer's tokens (one of the core's presets) with its own
 * remote key set, shared by every coroutine that uses this object: keys are
 * fetched once and kept as fresh as the server says; unknown `kid`s refetch
 * at most once per cooldown. Every rule is the core's; this class fetches.
 *
 * ```kotlin
 * val iap = Verifier.iap("/projects/123/global/backendServices/456")
 * val claims = iap.verify(request.getHeader("x-goog-iap-jwt-assertion"))
 * ```
 */
class Verifier private constructor(
    preset: String,
    options: String,
    private val http: Http,
) : AutoCloseable {
    private val native = TokenVerifier(preset, options)

    /** The verified claims as JSON text (the token's own, read strictly); a [CredmintException] otherwise. */
    suspend fun verify(token: String): String = native.verify(token).use { conversation ->
        when (val output = drive(conversation, http.transport, http.clock)) {
            is Output.Claims -> output.json
            else -> throw unexpected(output)
        }
    }

    /** The fetched keys as JSON text, to persist across processes; null before a fetch. */
    fun snapshot(): String? = native.snapshot()

    /** Restores a [snapshot], checked like a fresh fetch. */
    fun restore(snapshot: String) = native.restore(snapshot)

    override fun close() = native.close()

    override fun toString(): String = "Verifier"

    /** The presets; [keysUrl] fetches the keys elsewhere (the emulator), every rule stays. */
    companion object {
        private fun of(preset: String, http: Http, vararg options: Pair<String, Any?>) =
            Verifier(preset, jsonObject(*options), http)

        /** Google ID tokens for one of [audiences]. */
        fun googleIdToken(audiences: List<String>, keysUrl: String? = null, http: Http = Http()) =
            of("google_id_token", http, "audience" to audiences, "keys_url" to keysUrl)

        /** Firebase Auth ID tokens of [projectId]. */
        fun firebase(projectId: String, keysUrl: String? = null, http: Http = Http()) =
            of("firebase", http, "project_id" to projectId, "keys_url" to keysUrl)

        /** JWTs the service account [email] signed, for one of [audiences]. */
        fun serviceAccount(email: String, audiences: List<String>, keysUrl: String? = null, http: Http = Http()) =
            of("service_account", http, "email" to email, "audience" to audiences, "keys_url" to keysUrl)

        /** IBM Cloud IAM access tokens (one of [audiences] when given). */
        fun ibmIam(audiences: List<String> = emptyList(), keysUrl: String? = null, http: Http = Http()) =
            of("ibm_iam", http, "audience" to audiences, "keys_url" to keysUrl)

        /** Identity-Aware Proxy assertions for [audience]. */
        fun iap(audience: String, keysUrl: String? = null, http: Http = Http()) =
            of("iap", http, "audience" to audience, "keys_url" to keysUrl)

        /** Tokens of the OpenID Connect [issuer] (keys by discovery) for one of [audiences]. */
        fun oidc(issuer: String, audiences: List<String>, http: Http = Http()) =
            of("oidc", http, "issuer" to issuer, "audience" to audiences)
    }
}
