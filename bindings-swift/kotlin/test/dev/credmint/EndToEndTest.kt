// Every credential type end to end against `credmint serve` over loopback with
// HttpURLConnection: success and error paths, caching, single flight, the
// external-signer path (a JCA key, as Android Keystore provides), redaction.
package dev.credmint

import com.sun.net.httpserver.HttpServer
import dev.credmint.Emulator.Companion.ADMIN_ID
import dev.credmint.Emulator.Companion.ADMIN_SECRET
import dev.credmint.Emulator.Companion.APIKEY
import dev.credmint.Emulator.Companion.CI
import dev.credmint.Emulator.Companion.DEPLOYER
import dev.credmint.Emulator.Companion.PROVIDER
import dev.credmint.Emulator.Companion.SIGNER
import java.io.File
import java.net.InetSocketAddress
import java.security.KeyFactory
import java.security.spec.PKCS8EncodedKeySpec
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.BeforeClass
import org.junit.Test

class EndToEndTest {
    companion object {
        lateinit var emulator: Emulator

        @BeforeClass @JvmStatic
        fun start() {
            emulator = Emulator.start()
        }

        @AfterClass @JvmStatic
        fun stop() = emulator.close()
    }

    private fun now() = System.currentTimeMillis() / 1000

    private fun checkToken(token: AccessToken, lifetime: Long = 3600) {
        assertTrue(token.token().length > 10)
        val remaining = token.expiresAt() - now()
        assertTrue("$remaining", remaining in (lifetime - 30)..(lifetime + 1))
        assertFalse(token.toString().contains(token.token()))
    }

    private inline fun <reified E : CredmintException> failure(noinline call: suspend () -> Unit): E {
        val thrown = runCatching { runBlocking { call() } }.exceptionOrNull()
        assertTrue("expected ${E::class.simpleName}, got $thrown", thrown is E)
        return thrown as E
    }

    private fun serviceAccount(http: Http = Http()) =
        ServiceAccountCredentials(ServiceAccountKey.fromJson(emulator.keyFile(CI)), http = http)

    @Test
    fun serviceAccountTokensAreCachedAndRefreshedOnce() = runBlocking {
        val sent = AtomicInteger()
        val counting = Transport { request -> sent.incrementAndGet(); HttpUrlConnectionTransport().send(request) }
        val credentials = serviceAccount(Http(counting))
        val tokens = (1..16).map { async(kotlinx.coroutines.Dispatchers.Default) { credentials.accessToken() } }.awaitAll()
        assertEquals(1, tokens.map { it.token() }.toSet().size)
        assertEquals("one refresh for sixteen concurrent callers", 1, sent.get())
        checkToken(tokens[0])
        val idToken = credentials.idToken("https://svc.example")
        val verified = verify(idToken.token(), emulator.getJson("/oauth2/v3/certs"),
            audiences = listOf("https://svc.example"), issuers = listOf("https://accounts.google.com"))
        assertEquals(CI, claims(verified)["email"].asString)
        assertEquals(idToken.token(), credentials.idToken("https://svc.example").token())
    }

    @Test
    fun aPlatformHeldKeySignsThroughTheSignerInterface() = runBlocking {
        val key = ServiceAccountKey.fromJsonForKeystore(emulator.keyFile(CI))
        val der = key.pkcs8Der()
        val privateKey = KeyFactory.getInstance("RSA").generatePrivate(PKCS8EncodedKeySpec(der))
        der.fill(0)
        val calls = AtomicInteger()
        val jca = JcaSigner(privateKey)
        val signer = Signer { keyId, payload -> calls.incrementAndGet(); jca.sign(keyId, payload) }
        val credentials = ServiceAccountCredentials.withSigner(key.clientEmail(), key.keyId(), signer, tokenUri = key.tokenUri())
        checkToken(credentials.accessToken())
        assertEquals(1, calls.get())
        val garbage = ServiceAccountCredentials.withSigner(key.clientEmail(), key.keyId(), { _, _ -> ByteArray(256) }, tokenUri = key.tokenUri())
        assertEquals("credential_rejected", failure<CredmintException.Remote> { garbage.accessToken() }.code)
    }

    @Test
    fun impersonationChainAndIamCalls() = runBlocking {
        val signer = ImpersonatedCredentials(serviceAccount(), SIGNER, delegates = listOf(DEPLOYER),
            lifetimeSecs = 900, endpoint = emulator.base)
        checkToken(signer.accessToken(), 900)
        val blob = signer.signBlob("payload".toByteArray())
        assertTrue(claims(emulator.getJson("/service_accounts/v1/metadata/x509/$SIGNER")).has(blob.keyId))
        val jwt = signer.signJwt("""{"iss":"$SIGNER","aud":"https://api.example"}""")
        val verified = verify(jwt.signedJwt(), emulator.getJson("/service_accounts/v1/jwk/$SIGNER"), audiences = listOf("https://api.example"))
        assertEquals(SIGNER, claims(verified)["iss"].asString)
        val idToken = signer.idToken("https://run.example")
        assertEquals(SIGNER, claims(verify(idToken.token(), emulator.getJson("/oauth2/v3/certs"), audiences = listOf("https://run.example")))["email"].asString)
        val locations = signer.allowedLocations()
        assertEquals(listOf("us-central1", "europe-west1"), locations.locations)
        assertEquals("0x11", locations.encoded)
    }

    @Test
    fun iamRefusalsAreTypedErrors() {
        val denied = failure<CredmintException.Remote> { ImpersonatedCredentials(serviceAccount(), SIGNER, endpoint = emulator.base).accessToken() }
        assertEquals("permission_denied", denied.code)
        assertEquals(403, denied.status)
        assertEquals("PERMISSION_DENIED", denied.remoteCode)
        assertEquals("IAM_PERMISSION_DENIED", denied.reason)
        assertEquals("iam.serviceAccounts.getAccessToken", denied.permission)
        assertFalse(denied.retryable)
        val tooLong = failure<CredmintException.Remote> {
            ImpersonatedCredentials(serviceAccount(), DEPLOYER, endpoint = emulator.base, lifetimeSecs = 7200).accessToken()
        }
        assertEquals("remote_error", tooLong.code)
        assertEquals(400, tooLong.status)
    }

    @Test
    fun ibmApiKey() = runBlocking {
        val ibm = IbmApiKeyCredentials(APIKEY, url = emulator.base)
        val token = ibm.accessToken()
        checkToken(token)
        assertNotNull(token.refreshToken())
        assertFalse(ibm.toString().contains(APIKEY))
        val wrong = failure<CredmintException.Remote> { IbmApiKeyCredentials("wrong", url = emulator.base).accessToken() }
        assertEquals("credential_rejected", wrong.code)
        assertEquals("BXNIM0415E", wrong.remoteCode)
    }

    @Test
    fun clientCredentialsAndK0rdentListing() = runBlocking {
        val admin = ClientCredentials("${emulator.base}/token", ADMIN_ID, ADMIN_SECRET)
        assertFalse(admin.toString().contains(ADMIN_SECRET))
        val bearer = admin.accessToken()
        val all = listCredentials(emulator.base, "sa-pipeline-prod", bearer, pageSize = 1).toList()
        assertEquals(listOf("cred-001" to "active", "cred-000" to "expired"), all.map { it.id to it.status })
        val active = listCredentials(emulator.base, "sa-pipeline-prod", bearer, filter = CredentialFilter.ACTIVE).toList()
        assertEquals(listOf("cred-001"), active.map { it.id })
        val pipeline = ClientCredentials("${emulator.base}/token", "cred-001", "demo-pipeline-secret-001").accessToken()
        val refused = failure<CredmintException.Remote> { listCredentials(emulator.base, "sa-pipeline-prod", pipeline).toList() }
        assertEquals("permission_denied", refused.code)
        val wrong = failure<CredmintException.Remote> { ClientCredentials("${emulator.base}/token", "cred-001", "x").accessToken() }
        assertEquals("credential_rejected", wrong.code)
        assertFalse(wrong.message.contains("demo-pipeline-secret-001"))
    }

    @Test
    fun workloadIdentityFederationFromSupplierUrlAndFile() = runBlocking {
        val provider = ServiceAccountKey.fromJson(emulator.keyFile("idp-0"))
        val subject = provider.signJwt("""{"iss":"https://ci.example.com","sub":"repo:acme/app","aud":"$PROVIDER","iat":${now()}}""", now()).signedJwt()
        val config = { source: String -> """{"type":"external_account","audience":"$PROVIDER",
            "subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"${emulator.base}/v1/token",
            "service_account_impersonation_url":"${emulator.base}/v1/projects/-/serviceAccounts/$SIGNER:generateAccessToken",
            "credential_source":$source}""" }
        val fileSource = """{"file":"/nonexistent","format":{"type":"text"}}"""
        checkToken(ExternalAccountCredentials(config(fileSource), subjectTokenSupplier = { subject }).accessToken())

        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.createContext("/token") { exchange ->
            val ok = exchange.requestHeaders.getFirst("Metadata") == "True"
            val body = if (ok) """{"id_token":"$subject"}""".toByteArray() else ByteArray(0)
            exchange.sendResponseHeaders(if (ok) 200 else 400, body.size.toLong().coerceAtLeast(-1))
            exchange.responseBody.use { it.write(body) }
        }
        server.start()
        try {
            val url = """{"url":"http://127.0.0.1:${server.address.port}/token","headers":{"Metadata":"True"},
                "format":{"type":"json","subject_token_field_name":"id_token"}}"""
            checkToken(ExternalAccountCredentials(config(url)).accessToken())
        } finally {
            server.stop(0)
        }

        val file = File.createTempFile("credmint-subject-", ".txt")
        try {
            file.writeText(subject)
            val fromFile = config("""{"file":"${file.path}","format":{"type":"text"}}""")
            checkToken(ExternalAccountCredentials(fromFile).accessToken())
            val document = Credentials.fromJson(fromFile)
            assertTrue("$document", document is ExternalAccountCredentials && document.kind == "external_account")
            checkToken(document.accessToken())
            // Past the core's limit a file is refused whole (read to one byte more), never cut to a prefix.
            file.writeText(subject + " ".repeat(maxResponseBody().toInt()))
            val oversized = failure<CredmintException.InvalidArgument> { ExternalAccountCredentials(fromFile).accessToken() }
            assertTrue(oversized.message, oversized.message.contains("limit"))
        } finally {
            file.delete()
        }
        val missing = failure<CredmintException.InvalidArgument> { ExternalAccountCredentials(config(fileSource)).accessToken() }
        assertEquals("credentials_not_found", missing.code)
        assertTrue(missing.message, missing.message.contains("/nonexistent"))
    }

    @Test
    fun workloadIdentityFederationFromAnExecutable() = runBlocking {
        val provider = ServiceAccountKey.fromJson(emulator.keyFile("idp-0"))
        val subject = provider.signJwt("""{"iss":"https://ci.example.com","sub":"job-10","aud":"$PROVIDER","iat":${now()}}""", now()).signedJwt()
        val type = "urn:ietf:params:oauth:token-type:jwt"
        val output = """{"version":1,"success":true,"token_type":"$type","id_token":"$subject","expiration_time":${now() + 600}}"""
        val dir = java.nio.file.Files.createTempDirectory("credmint-exe-").toFile()
        try {
            val script = File(dir, "token.sh")
            script.writeText("#!/bin/sh\necho \"\$GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE \$1\" > ${dir}/env.txt\ncat <<'EOF'\n$output\nEOF\n")
            script.setExecutable(true)
            val config = { command: String, extra: String -> """{"type":"external_account","audience":"$PROVIDER",
                "subject_token_type":"$type","token_url":"${emulator.base}/v1/token",
                "credential_source":{"executable":{"command":"$command"$extra}}}""" }
            val allowed = { name: String -> if (name == "GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES") "1" else null }
            val disabled = failure<CredmintException.InvalidArgument> {
                ExternalAccountCredentials(config("$script arg1", ""), environment = { null }).accessToken()
            }
            assertTrue(disabled.message.contains("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES"))
            checkToken(ExternalAccountCredentials(config("$script arg1", ""), environment = allowed).accessToken())
            assertEquals("$PROVIDER arg1", File(dir, "env.txt").readText().trim())
            val cached = File(dir, "cached.json").apply { writeText(output) }
            checkToken(ExternalAccountCredentials(config("/bin/false", ""","output_file":"${cached.path}""""), environment = allowed).accessToken())
            val exited = failure<CredmintException.InvalidArgument> {
                ExternalAccountCredentials(config("/bin/false", ""), environment = allowed).accessToken()
            }
            assertTrue(exited.message, exited.message.contains("exited with status 1"))
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    fun defaultCredentialsFromTheMetadataServer() = runBlocking {
        val empty = java.nio.file.Files.createTempDirectory("credmint-gcloud-").toFile()
        try {
            val environment = mapOf("CLOUDSDK_CONFIG" to empty.path, "GCE_METADATA_HOST" to emulator.base.removePrefix("http://"))
            val started = System.nanoTime()
            val (credentials, projectId, source) = defaultCredentials(environment = environment)
            val token = credentials.accessToken()
            println("Kotlin: ADC to the first metadata token against the emulator: ${"%.1f".format((System.nanoTime() - started) / 1e6)} ms")
            assertEquals("gce_metadata", credentials.kind)
            assertEquals("demo-project", projectId)
            assertEquals("metadata_server", source)
            assertTrue(token.token().isNotEmpty() && token.expiresAt() > now())
            val idToken = credentials.idToken("https://svc.example")
            val verified = verify(idToken.token(), emulator.getJson("/oauth2/v3/certs"), audiences = listOf("https://svc.example"))
            assertEquals(CI, claims(verified)["email"].asString)
        } finally {
            empty.deleteRecursively()
        }
    }

    @Test
    fun aMetadataServerDocument() = runBlocking {
        val credentials = Credentials.fromJson("""{"type":"gce_metadata","metadata_base":"${emulator.base}"}""")
        assertEquals("gce_metadata", credentials.kind)
        assertTrue(credentials.accessToken().expiresAt() > now())
        val idToken = credentials.idToken("https://svc.example")
        val verified = verify(idToken.token(), emulator.getJson("/oauth2/v3/certs"), audiences = listOf("https://svc.example"))
        assertEquals(CI, claims(verified)["email"].asString)
    }

    @Test
    fun aMissingFileNamedByTheEnvironmentIsCredentialsNotFound() {
        val missing = File(emulator.path("nope.json")).path
        val failure = failure<CredmintException.InvalidArgument> {
            defaultCredentials(environment = mapOf("GOOGLE_APPLICATION_CREDENTIALS" to missing))
        }
        assertEquals("credentials_not_found", failure.code)
        assertTrue(failure.detail, failure.detail.contains("GOOGLE_APPLICATION_CREDENTIALS") && failure.detail.contains(missing))
    }

    @Test
    fun everyFileTheEmulatorWritesGivesATokenThroughDefaultCredentials() = runBlocking {
        for ((file, kind) in listOf(
            "authorized_user.json" to "authorized_user",
            "impersonated_service_account.json" to "impersonated_service_account",
            "external_account_authorized_user.json" to "external_account_authorized_user",
        )) {
            val (credentials, _, source) = defaultCredentials(environment = mapOf("GOOGLE_APPLICATION_CREDENTIALS" to emulator.path(file)))
            assertEquals("environment_variable", source)
            assertEquals(file, kind, credentials.kind)
            val token = credentials.accessToken()
            assertTrue(file, token.token().isNotEmpty() && token.expiresAt() > now())
            val fromFile = Credentials.fromFile(emulator.path(file))
            assertEquals(kind, fromFile.kind)
            assertTrue(file, fromFile.accessToken().token().isNotEmpty())
            if (kind == "impersonated_service_account") {
                val idToken = credentials.idToken("https://svc.example")
                val verified = verify(idToken.token(), emulator.getJson("/oauth2/v3/certs"), audiences = listOf("https://svc.example"))
                assertEquals(credentials.serviceAccountEmail, claims(verified)["email"].asString)
            } else {
                assertEquals("not_supported", failure<CredmintException.InvalidArgument> { credentials.idToken("https://svc.example") }.code)
            }
        }
    }

    /** The JWT-bearer conversation to [tokenUri], [attempts] of [limitMillis] each (the flow's options). */
    private fun stalledGrant(tokenUri: String, limitMillis: Int = 300, attempts: Int = 2): Conversation {
        val key = com.google.gson.JsonParser.parseString(File(Vectors.dir, "keys/sa_2048_pkcs8.json").readText()).asJsonObject
        key.addProperty("token_uri", tokenUri)
        val spec = com.google.gson.JsonObject().apply {
            addProperty("kind", "jwt_bearer")
            add("key", com.google.gson.JsonObject().apply { addProperty("text", key.toString()) })
            add("scopes", com.google.gson.JsonArray().apply { add(CLOUD_PLATFORM) })
            add("retry", com.google.gson.JsonParser.parseString(
                """{"max_attempts":$attempts,"initial_delay_secs":1,"max_delay_secs":1,"max_retry_after_secs":60}""",
            ))
            addProperty("request_timeout_millis", limitMillis)
        }
        return conformanceFlow(spec.toString())
    }

    private fun assertStalledEndsInTransportError(transport: Transport, tokenUri: String) {
        val started = System.nanoTime()
        val failure = failure<CredmintException.Transport> {
            stalledGrant(tokenUri).use { drive(it, transport, Clock.SYSTEM) }
        }
        val elapsed = (System.nanoTime() - started) / 1e9
        assertEquals("transport_error", failure.code)
        assertTrue(failure.retryable)
        // 2 × 300 ms, and 0 to 1 s of back-off (whole seconds), plus slack for a busy machine.
        assertTrue("$elapsed", elapsed >= 0.55 && elapsed < 3.0)
    }

    /** Runs [block] with the token URI of a loopback server that accepts connections (kept in `held`) and never answers. */
    private inline fun <T> withStalledServer(block: (tokenUri: String, held: List<java.net.Socket>) -> T): T {
        val server = java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())
        val held = java.util.Collections.synchronizedList(mutableListOf<java.net.Socket>())
        val accepting = Thread {
            try {
                while (true) held.add(server.accept()) // accepted, never answered
            } catch (closed: java.io.IOException) {
                // the test is over
            }
        }.apply { isDaemon = true; start() }
        try {
            return block("http://127.0.0.1:${server.localPort}/token", held)
        } finally {
            server.close()
            held.forEach { it.close() }
            accepting.join(1000)
        }
    }

    @Test
    fun aStalledEndpointEndsInTransportErrorWithinTheLimit() = withStalledServer { tokenUri, held ->
        assertStalledEndsInTransportError(HttpUrlConnectionTransport(), tokenUri)
        assertEquals("both attempts reached the server", 2, held.size)
        // A transport that ignores the limit is abandoned at it all the same.
        val deaf = Transport { Thread.sleep(60_000); throw java.io.IOException("unreachable") }
        assertStalledEndsInTransportError(deaf, tokenUri)
    }

    /** Credentials whose every refresh is the stalled grant: one attempt of [limitMillis]. */
    private inner class Stalled(private val tokenUri: String, private val limitMillis: Int) :
        Credentials({ TokenCache(RefreshStyle.GOOGLE) }, Http()) {
        val refreshes = AtomicInteger()

        override suspend fun fetchAccessToken(): AccessToken {
            refreshes.incrementAndGet()
            return accessTokenOf(stalledGrant(tokenUri, limitMillis, attempts = 1))
        }
    }

    @Test
    fun aCallerWaitingOnAStalledRefreshGetsItsErrorNoLaterThanTheRefresher() = withStalledServer { tokenUri, _ ->
        // 1.5 s: longer than the slack below, so a second refresh by the waiter would show.
        val limit = 1500
        val credentials = Stalled(tokenUri, limit)
        val started = System.nanoTime()
        val outcomes = runBlocking {
            (1..2).map {
                async(kotlinx.coroutines.Dispatchers.Default) {
                    val failure = runCatching { credentials.accessToken() }.exceptionOrNull()
                    failure to (System.nanoTime() - started) / 1e9
                }
            }.awaitAll()
        }.sortedBy { it.second }
        val (refresher, waiter) = outcomes
        assertTrue("${refresher.first}", refresher.first is CredmintException.Transport)
        assertSame("the waiter gets the refresh's own error", refresher.first, waiter.first)
        assertEquals("one refresh for both callers", 1, credentials.refreshes.get())
        assertTrue("${refresher.second}", refresher.second >= limit / 1000.0 - 0.05 && refresher.second < limit / 1000.0 + 1.0)
        // Before the core's RefreshFailed the waiter refreshed again: another 1.5 s.
        assertTrue("${waiter.second} vs ${refresher.second}", waiter.second <= refresher.second + 1.0)
    }

    @Test
    fun anHtmlGatewayErrorAndARefusedConnectionAreTypedErrors() {
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.createContext("/") { exchange ->
            val body = "<html><body>Bad Gateway</body></html>".toByteArray()
            exchange.responseHeaders.add("content-type", "text/html")
            exchange.sendResponseHeaders(502, body.size.toLong())
            exchange.responseBody.use { it.write(body) }
        }
        server.start()
        val key = ServiceAccountKey.fromJson(emulator.keyFile(CI))
        try {
            val gateway = failure<CredmintException.Remote> {
                ServiceAccountCredentials(key, tokenUri = "http://127.0.0.1:${server.address.port}/token").accessToken()
            }
            assertEquals("server_error", gateway.code)
            assertEquals(502, gateway.status)
            assertTrue(gateway.retryable)
        } finally {
            server.stop(0)
        }
        val refused = failure<CredmintException.Transport> {
            ServiceAccountCredentials(key, tokenUri = "http://127.0.0.1:9/token").accessToken()
        }
        assertEquals("transport_error", refused.code)
        assertTrue(refused.retryable)
    }
}
