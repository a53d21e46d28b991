// Credentials that keep a token fresh: each type only says which conversation
// refills its cache; caching, refresh timing and single flight are the core's.
package dev.credmint

import java.io.File
import java.io.IOException
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext

/** The scope Google's APIs accept for everything the account may do (the core asks for it when no scopes are given). */
const val CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"

/** An `allowedLocations` answer: location names (empty: unrestricted) and the `x-allowed-locations` value. */
data class AllowedLocations(val locations: List<String>, val encoded: String)

/** Where a credential's conversations go and what time it is. */
class Http(val transport: Transport = HttpUrlConnectionTransport(), val clock: Clock = Clock.SYSTEM)

/** Something that yields access tokens, cached and refreshed once however many callers ask. */
abstract class Credentials internal constructor(
    private val newCache: () -> TokenCache,
    protected val http: Http,
    private val shared: ((String?) -> SharedTokens)? = null,
) {
    // The access-token cache shares through the store at once, so a bad secret fails where it is given.
    private val cached = Cached(newCache, shared?.invoke(null))

    /** A valid access token (from the cache, or refreshed now). */
    suspend fun accessToken(): AccessToken = (cached.get(http.clock) { Token.Access(fetchAccessToken()) } as Token.Access).token

    /** [accessToken] for callers outside coroutines (never on Android's main thread). */
    fun accessTokenBlocking(): AccessToken = runBlocking { accessToken() }

    /** Forgets the cached token, after an API answered 401 to it. */
    fun invalidate() = cached.invalidate()

    internal abstract suspend fun fetchAccessToken(): AccessToken

    internal fun idTokens(fetch: suspend (String) -> IdToken) = IdTokens(http.clock, newCache, fetch, shared)

    internal suspend fun run(conversation: Conversation, signer: Signer? = null): Output =
        conversation.use { drive(it, http.transport, http.clock, signer) }

    internal suspend fun accessTokenOf(conversation: Conversation, signer: Signer? = null): AccessToken =
        when (val output = run(conversation, signer)) {
            is Output.AccessToken -> output.token
            else -> throw unexpected(output)
        }

    override fun toString(): String = javaClass.simpleName

    companion object {
        /**
         * Credentials from a credential document's JSON text, of any `type`
         * (`service_account`, `authorized_user`, `impersonated_service_account`,
         * `external_account`, `external_account_authorized_user`, `gce_metadata`,
         * `ibm_api_key`, `oauth_client_credentials`), with [options] over it.
         */
        fun fromJson(text: String, options: CredentialOptions = CredentialOptions(), http: Http = Http()): DocumentCredentials =
            DocumentCredentials.of(CoreCredentials.fromJson(text, options.json()), http, System::getenv)

        /** Credentials from a credential file (any type [fromJson] reads); [IOException] when it cannot be read. */
        fun fromFile(path: Path, options: CredentialOptions = CredentialOptions(), http: Http = Http()): DocumentCredentials =
            fromJson(String(readCredentialFile(path), Charsets.UTF_8), options, http)

        /** [fromFile] for a path string. */
        fun fromFile(path: String, options: CredentialOptions = CredentialOptions(), http: Http = Http()): DocumentCredentials =
            fromFile(Paths.get(path), options, http)
    }
}

internal fun unexpected(output: Output) =
    CredmintException.InvalidArgument("invalid_argument", "unexpected ${output.javaClass.simpleName} answer")

/** ID tokens per audience, each cached and refreshed once. */
internal class IdTokens(
    private val clock: Clock,
    private val newCache: () -> TokenCache,
    private val fetch: suspend (String) -> IdToken,
    private val shared: ((String?) -> SharedTokens)? = null,
) {
    private val caches = ConcurrentHashMap<String, Cached>()

    suspend fun get(audience: String): IdToken {
        val cache = caches.computeIfAbsent(audience) { Cached(newCache, shared?.invoke(it)) }
        return (cache.get(clock) { Token.Id(fetch(audience)) } as Token.Id).token
    }
}

internal suspend fun Credentials.idTokenOf(conversation: Conversation, signer: Signer? = null): IdToken =
    when (val output = run(conversation, signer)) {
        is Output.IdToken -> output.token
        else -> throw unexpected(output)
    }

/**
 * The core's credentials of one document, key or host-held key, or the error
 * the core refused them with (thrown at the first token, not at construction,
 * as the explicit classes always have).
 */
internal class CoreSource(make: () -> CoreCredentials) {
    private val made: Result<CoreCredentials> = try {
        Result.success(make())
    } catch (refused: CredmintException) {
        Result.failure(refused)
    }

    val core: CoreCredentials get() = made.getOrThrow()

    fun newCache(): TokenCache = TokenCache.forCredentials(core)
}

/**
 * Credentials read from a document (or found by [defaultCredentials]), of any
 * kind; what they are and every default is the core's.
 */
open class DocumentCredentials internal constructor(
    internal val core: CoreCredentials,
    private val signer: Signer?,
    http: Http,
    store: TokenStore? = null,
) : Credentials({ TokenCache.forCredentials(core) }, http, store?.let { s -> { audience -> SharedTokens(s, core, audience) } }) {
    private val idTokens = idTokens { audience -> idTokenOf(core.idToken(audience), signer) }

    /** The document's `type` (`gce_metadata` for the metadata server). */
    val kind: String get() = core.kind()

    /** The project billed for quota, if any. */
    val quotaProjectId: String? get() = core.quotaProjectId()

    /** The universe domain (`googleapis.com` unless the document says). */
    val universeDomain: String get() = core.universeDomain()

    /** The project the document names, if any. */
    val projectId: String? get() = core.projectId()

    /** The service account these credentials act as, where known. */
    val serviceAccountEmail: String? get() = core.serviceAccountEmail()

    override suspend fun fetchAccessToken(): AccessToken = accessTokenOf(core.accessToken(), signer)

    /** An OIDC ID token for [audience], cached per audience; `not_supported` for kinds that have none (a person's). */
    suspend fun idToken(audience: String): IdToken = idTokens.get(audience)

    /**
     * These credentials with their tokens shared through [store]: one refresh
     * per window for every process using the same store and secret. The store
     * is read only when this process's token is due; if it fails, this process
     * refreshes by itself. `invalid_argument` for a bad secret or options.
     */
    open fun withTokenStore(store: TokenStore): DocumentCredentials = DocumentCredentials(core, signer, http, store)

    override fun toString(): String = "${javaClass.simpleName}($kind${serviceAccountEmail?.let { ", $it" } ?: ""})"

    internal companion object {
        fun of(core: CoreCredentials, http: Http, environment: (String) -> String?): DocumentCredentials =
            if (core.kind() == "external_account") ExternalAccountCredentials(core, null, http, environment)
            else DocumentCredentials(core, null, http)
    }
}

/**
 * A service account's own tokens (OAuth 2.0 JWT-bearer grant), signed by its
 * key file's key, or by a platform-held key through [signer].
 */
class ServiceAccountCredentials private constructor(
    private val source: CoreSource,
    private val signer: Signer?,
    http: Http,
) : Credentials(source::newCache, http) {
    /** Signs with [key] (checked and loaded by credmint); `null`s keep the core's defaults. */
    constructor(
        key: ServiceAccountKey,
        scopes: List<String>? = null,
        subject: String? = null,
        tokenUri: String? = null,
        http: Http = Http(),
    ) : this(
        CoreSource { CoreCredentials.fromServiceAccountKey(key, false, CredentialOptions(scopes, tokenUri, subject = subject).json()) },
        null, http,
    )

    private val idTokens = idTokens { audience -> idTokenOf(source.core.idToken(audience), signer) }

    override suspend fun fetchAccessToken(): AccessToken = accessTokenOf(source.core.accessToken(), signer)

    /** An OIDC ID token for [audience] (Cloud Run, IAP), cached per audience. */
    suspend fun idToken(audience: String): IdToken = idTokens.get(audience)

    /** These credentials with tokens shared through [store] (see [DocumentCredentials.withTokenStore]). */
    fun withTokenStore(store: TokenStore): DocumentCredentials = DocumentCredentials(source.core, signer, http, store)

    companion object {
        /** Signs assertions with a key the platform holds (Keystore, Keychain): [signer] is asked each time. */
        fun withSigner(
            clientEmail: String,
            keyId: String,
            signer: Signer,
            scopes: List<String>? = null,
            subject: String? = null,
            tokenUri: String? = null,
            http: Http = Http(),
        ) = ServiceAccountCredentials(
            CoreSource { CoreCredentials.fromSigner(clientEmail, keyId, CredentialOptions(scopes, tokenUri, subject = subject).json()) },
            signer, http,
        )
    }
}

/**
 * Another service account's tokens and signatures, through IAM Service Account
 * Credentials, authorized by any [source]'s tokens; `null`s keep the core's defaults.
 */
class ImpersonatedCredentials(
    private val source: Credentials,
    private val target: String,
    private val scopes: List<String>? = null,
    private val delegates: List<String> = emptyList(),
    private val lifetimeSecs: Long? = null,
    private val endpoint: String? = null,
    private val universeDomain: String? = null,
    http: Http = Http(),
) : Credentials({ TokenCache.forIamCalls() }, http) {
    private suspend fun call(method: IamMethod): Output =
        run(iamCall(method, source.accessToken(), target, delegates, endpoint, universeDomain))

    private val idTokens = idTokens { audience ->
        when (val output = call(IamMethod.GenerateIdToken(audience, true))) {
            is Output.IdToken -> output.token
            else -> throw unexpected(output)
        }
    }

    override suspend fun fetchAccessToken(): AccessToken =
        when (val output = call(IamMethod.GenerateAccessToken(scopes, lifetimeSecs?.toULong()))) {
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

/** IBM Cloud IAM tokens for an API key (at [url], else IBM's), as an `ibm_api_key` document says. */
class IbmApiKeyCredentials private constructor(private val source: CoreSource, http: Http) :
    Credentials(source::newCache, http) {
    constructor(
        apiKey: String,
        url: String? = null,
        clientId: String? = null,
        clientSecret: String? = null,
        http: Http = Http(),
    ) : this(
        CoreSource {
            val document = jsonObject(
                "type" to "ibm_api_key", "apikey" to apiKey, "url" to url,
                "client_id" to clientId, "client_secret" to clientSecret,
            )
            CoreCredentials.fromJson(document, null)
        },
        http,
    )

    override suspend fun fetchAccessToken(): AccessToken = accessTokenOf(source.core.accessToken())

    /** These credentials with tokens shared through [store] (see [DocumentCredentials.withTokenStore]). */
    fun withTokenStore(store: TokenStore): DocumentCredentials = DocumentCredentials(source.core, null, http, store)
}

/**
 * OAuth 2.0 client-credentials tokens (k0rdent service-account credentials, any
 * RFC 6749 server), as an `oauth_client_credentials` document says; [basicAuth]
 * `false` sends the secret in the form body, `null` keeps the core's default.
 */
class ClientCredentials private constructor(private val source: CoreSource, private val clientId: String, http: Http) :
    Credentials(source::newCache, http) {
    constructor(
        tokenUrl: String,
        clientId: String,
        clientSecret: String,
        scopes: List<String>? = null,
        basicAuth: Boolean? = null,
        http: Http = Http(),
    ) : this(
        CoreSource {
            val document = jsonObject(
                "type" to "oauth_client_credentials", "token_url" to tokenUrl, "client_id" to clientId,
                "client_secret" to clientSecret, "scopes" to scopes,
                "client_auth" to basicAuth?.let { if (it) "basic" else "form" },
            )
            CoreCredentials.fromJson(document, null)
        },
        clientId, http,
    )

    override suspend fun fetchAccessToken(): AccessToken = accessTokenOf(source.core.accessToken())

    /** These credentials with tokens shared through [store] (see [DocumentCredentials.withTokenStore]). */
    fun withTokenStore(store: TokenStore): DocumentCredentials = DocumentCredentials(source.core, null, http, store)

    override fun toString(): String = "ClientCredentials($clientId)"
}

/**
 * Workload identity federation (`"type": "external_account"`): a subject token
 * sourced by the core as the configuration says (a file, a URL, a command,
 * AWS), or from [subjectTokenSupplier], exchanged at STS (then impersonated,
 * if configured). [environment] answers the core's variable lookups.
 */
class ExternalAccountCredentials internal constructor(
    core: CoreCredentials,
    private val subjectTokenSupplier: (suspend () -> String)?,
    http: Http,
    private val environment: (String) -> String?,
) : DocumentCredentials(core, null, http) {
    /** Reads the configuration's JSON text; [scopes] (`null`: the core's default) apply when not impersonating. */
    constructor(
        configJson: String,
        scopes: List<String>? = null,
        subjectTokenSupplier: (suspend () -> String)? = null,
        http: Http = Http(),
        environment: (String) -> String? = System::getenv,
    ) : this(CoreCredentials.fromJson(configJson, CredentialOptions(scopes).json()), subjectTokenSupplier, http, environment)

    /** Not for federated credentials yet: their subject token is this host's to fetch. */
    override fun withTokenStore(store: TokenStore): DocumentCredentials = throw CredmintException.InvalidArgument(
        "not_supported", "external_account credentials cannot share tokens through a store yet",
    )

    init {
        if (core.kind() != "external_account") throw CredmintException.InvalidArgument(
            "invalid_argument", "ExternalAccountCredentials need an external_account document, not ${core.kind()}",
        )
    }

    override suspend fun fetchAccessToken(): AccessToken {
        val conversation = core.accessToken(subjectTokenSupplier?.invoke())
        return when (val output = conversation.use { drive(it, http.transport, http.clock, environment = environment) }) {
            is Output.AccessToken -> output.token
            else -> throw unexpected(output)
        }
    }
}
