// Credentials that keep a token fresh: each type only says which conversation
// refills its cache; caching, refresh timing and single flight are the core's.
package dev.credmint

import java.io.File
import java.io.IOException
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext

/** The scope Google's APIs accept for everything the account may do. */
const val CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"

/** An `allowedLocations` answer: location names (empty: unrestricted) and the `x-allowed-locations` value. */
data class AllowedLocations(val locations: List<String>, val encoded: String)

/** Where a credential's conversations go and what time it is. */
class Http(val transport: Transport = HttpUrlConnectionTransport(), val clock: Clock = Clock.SYSTEM)

/** Something that yields access tokens, cached and refreshed once however many callers ask. */
abstract class Credentials internal constructor(style: RefreshStyle, protected val http: Http) {
    private val cached = Cached(style)

    /** A valid access token (from the cache, or refreshed now). */
    suspend fun accessToken(): AccessToken = (cached.get(http.clock) { Token.Access(fetchAccessToken()) } as Token.Access).token

    /** [accessToken] for callers outside coroutines (never on Android's main thread). */
    fun accessTokenBlocking(): AccessToken = runBlocking { accessToken() }

    /** Forgets the cached token, after an API answered 401 to it. */
    fun invalidate() = cached.invalidate()

    internal abstract suspend fun fetchAccessToken(): AccessToken

    internal suspend fun run(conversation: Conversation, signer: Signer? = null): Output =
        conversation.use { drive(it, http.transport, http.clock, signer) }

    internal suspend fun accessTokenOf(conversation: Conversation, signer: Signer? = null): AccessToken =
        when (val output = run(conversation, signer)) {
            is Output.AccessToken -> output.token
            else -> throw unexpected(output)
        }

    override fun toString(): String = javaClass.simpleName
}

internal fun unexpected(output: Output) =
    CredmintException.InvalidArgument("invalid_argument", "unexpected ${output.javaClass.simpleName} answer")

/** ID tokens per audience, each cached and refreshed once. */
internal class IdTokens(private val clock: Clock, private val fetch: suspend (String) -> IdToken) {
    private val caches = ConcurrentHashMap<String, Cached>()

    suspend fun get(audience: String): IdToken {
        val cache = caches.computeIfAbsent(audience) { Cached(RefreshStyle.GOOGLE) }
        return (cache.get(clock) { Token.Id(fetch(audience)) } as Token.Id).token
    }
}

internal suspend fun Credentials.idTokenOf(conversation: Conversation, signer: Signer? = null): IdToken =
    when (val output = run(conversation, signer)) {
        is Output.IdToken -> output.token
        else -> throw unexpected(output)
    }

/**
 * A service account's own tokens (OAuth 2.0 JWT-bearer grant), signed by its
 * key file's key, or by a platform-held key through [signer].
 */
class ServiceAccountCredentials private constructor(
    private val assertionSigner: AssertionSigner,
    private val signer: Signer?,
    private val scopes: List<String>,
    private val subject: String?,
    private val tokenUri: String?,
    http: Http,
) : Credentials(RefreshStyle.GOOGLE, http) {
    /** Signs with [key] (checked and loaded by credmint). */
    constructor(
        key: ServiceAccountKey,
        scopes: List<String> = listOf(CLOUD_PLATFORM),
        subject: String? = null,
        tokenUri: String? = null,
        http: Http = Http(),
    ) : this(AssertionSigner.Key(key), null, scopes, subject, tokenUri, http)

    private val idTokens = IdTokens(http.clock) { audience ->
        idTokenOf(serviceAccountIdToken(assertionSigner, audience, tokenUri), signer)
    }

    override suspend fun fetchAccessToken(): AccessToken =
        accessTokenOf(serviceAccountToken(assertionSigner, scopes, subject, tokenUri), signer)

    /** An OIDC ID token for [audience] (Cloud Run, IAP), cached per audience. */
    suspend fun idToken(audience: String): IdToken = idTokens.get(audience)

    companion object {
        /** Signs assertions with a key the platform holds (Keystore, Keychain): [signer] is asked each time. */
        fun withSigner(
            clientEmail: String,
            keyId: String,
            signer: Signer,
            scopes: List<String> = listOf(CLOUD_PLATFORM),
            subject: String? = null,
            tokenUri: String? = null,
            http: Http = Http(),
        ) = ServiceAccountCredentials(AssertionSigner.External(clientEmail, keyId), signer, scopes, subject, tokenUri, http)
    }
}

/** Another service account's tokens and signatures, through IAM Service Account Credentials. */
class ImpersonatedCredentials(
    private val source: Credentials,
    private val target: String,
    private val scopes: List<String> = listOf(CLOUD_PLATFORM),
    private val delegates: List<String> = emptyList(),
    private val lifetimeSecs: Long = 3600,
    private val endpoint: String? = null,
    private val universeDomain: String = "googleapis.com",
    http: Http = Http(),
) : Credentials(RefreshStyle.GOOGLE, http) {
    private suspend fun call(method: IamMethod): Output =
        run(iamCall(method, source.accessToken(), target, delegates, endpoint, universeDomain))

    private val idTokens = IdTokens(http.clock) { audience ->
        when (val output = call(IamMethod.GenerateIdToken(audience, true))) {
            is Output.IdToken -> output.token
            else -> throw unexpected(output)
        }
    }

    override suspend fun fetchAccessToken(): AccessToken =
        when (val output = call(IamMethod.GenerateAccessToken(scopes, lifetimeSecs.toULong()))) {
            is Output.AccessToken -> output.token
            else -> throw unexpected(output)
        }

    /** An ID token for [audience] with `email` claims, cached per audience. */
    suspend fun idToken(audience: String): IdToken = idTokens.get(audience)

    /** `signBlob` as the target account. */
    suspend fun signBlob(payload: ByteArray): SignedBlob =
        when (val output = call(IamMethod.SignBlob(payload))) {
            is Output.SignedBlob -> output.blob
            else -> throw unexpected(output)
        }

    /** `signJwt` as the target account; [claimsJson] is a JSON object. */
    suspend fun signJwt(claimsJson: String): SignedJwt =
        when (val output = call(IamMethod.SignJwt(claimsJson))) {
            is Output.SignedJwt -> output.jwt
            else -> throw unexpected(output)
        }

    /** Where the target account's tokens may be used (`allowedLocations`). */
    suspend fun allowedLocations(): AllowedLocations =
        when (val output = call(IamMethod.AllowedLocations)) {
            is Output.AllowedLocations -> AllowedLocations(output.locations, output.encoded)
            else -> throw unexpected(output)
        }

    override fun toString(): String = "ImpersonatedCredentials($target)"
}

/** IBM Cloud IAM tokens for an API key. */
class IbmApiKeyCredentials(
    apiKey: String,
    private val url: String? = null,
    private val clientId: String? = null,
    private val clientSecret: String? = null,
    http: Http = Http(),
) : Credentials(RefreshStyle.IBM, http) {
    private val apiKey = apiKey.toCharArray()

    override suspend fun fetchAccessToken(): AccessToken =
        accessTokenOf(ibmToken(IbmGrant.API_KEY, String(apiKey), url, clientId, clientSecret))
}

/** OAuth 2.0 client-credentials tokens (k0rdent service-account credentials, any RFC 6749 server). */
class ClientCredentials(
    private val tokenUrl: String,
    private val clientId: String,
    clientSecret: String,
    private val scopes: List<String> = emptyList(),
    private val basicAuth: Boolean = true,
    http: Http = Http(),
) : Credentials(RefreshStyle.GOOGLE, http) {
    private val clientSecret = clientSecret.toCharArray()

    override suspend fun fetchAccessToken(): AccessToken =
        accessTokenOf(clientCredentials(tokenUrl, clientId, String(clientSecret), scopes, basicAuth))

    override fun toString(): String = "ClientCredentials($clientId)"
}

/**
 * Workload identity federation (`"type": "external_account"`): a subject token
 * from the file or URL the configuration names, or from [subjectTokenSupplier],
 * exchanged at STS (then impersonated, if configured).
 */
class ExternalAccountCredentials(
    configJson: String,
    scopes: List<String> = emptyList(),
    private val subjectTokenSupplier: (suspend () -> String)? = null,
    http: Http = Http(),
    private val environment: (String) -> String? = System::getenv,
) : Credentials(RefreshStyle.GOOGLE, http) {
    private val account = ExternalAccount.fromJson(configJson, scopes)

    private suspend fun subjectToken(): String {
        subjectTokenSupplier?.let { return it() }
        val content = when (val source = account.subjectTokenSource()) {
            is SubjectTokenSource.File -> try {
                withContext(Dispatchers.IO) { File(source.path).readBytes() }
            } catch (failure: IOException) {
                throw CredmintException.InvalidArgument("invalid_argument", "cannot read the credential source file")
            }
            is SubjectTokenSource.Url -> fetchSource()
            is SubjectTokenSource.Executable -> return runExecutable()
            else -> throw CredmintException.InvalidArgument(
                "invalid_argument", "this credential source needs a subjectTokenSupplier",
            )
        }
        return account.subjectTokenFrom(content)
    }

    private suspend fun fetchSource(): ByteArray {
        val request = account.subjectTokenRequest()
            ?: throw CredmintException.InvalidArgument("invalid_argument", "the credential source is not a URL")
        val answer = try {
            exchange(http.transport, request)
        } catch (failure: IOException) {
            throw CredmintException.Transport("transport_error", "the credential source URL did not answer")
        }
        if (answer.status !in 200..299) {
            throw CredmintException.InvalidArgument("invalid_argument", "the credential source URL answered HTTP ${answer.status}")
        }
        return answer.body
    }

    /** Google's executable source: the cached output file if still valid, else the command. */
    private suspend fun runExecutable(): String = withContext(Dispatchers.IO) {
        val run = account.executableInvocation(environment(allowExecutablesVar()))
            ?: throw CredmintException.InvalidArgument("invalid_argument", "not an executable source")
        run.outputFile?.let { path ->
            try {
                return@withContext account.subjectTokenFromExecutable(File(path).readBytes(), http.clock.now())
            } catch (missing: IOException) {
                // no cached output: run the command
            } catch (refused: CredmintException) {
                // failed or expired: run the command
            }
        }
        val stdout = File.createTempFile("credmint-executable-", ".out")
        try {
            val process = try {
                ProcessBuilder(listOf(run.program) + run.args)
                    .apply { environment().putAll(run.env.chunked(2).associate { (name, value) -> name to value }) }
                    .redirectOutput(stdout)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start()
            } catch (failure: IOException) {
                throw CredmintException.InvalidArgument("invalid_argument", "the credential executable could not start")
            }
            if (!process.waitFor(run.timeoutMillis.toLong(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly()
                throw CredmintException.InvalidArgument(
                    "invalid_argument", "the credential executable did not finish within ${run.timeoutMillis} ms",
                )
            }
            if (process.exitValue() != 0) {
                throw CredmintException.InvalidArgument(
                    "invalid_argument", "the credential executable exited with status ${process.exitValue()}",
                )
            }
            val output = stdout.inputStream().use { it.readNBytes(maxResponseBody().toInt()) }
            account.subjectTokenFromExecutable(output, http.clock.now())
        } finally {
            stdout.delete()
        }
    }

    override suspend fun fetchAccessToken(): AccessToken = accessTokenOf(account.flow(subjectToken()))

    override fun toString(): String = "ExternalAccountCredentials(${account.audience()})"
}
