// Credential documents and Application Default Credentials through the FFI:
// the shared vectors (credentials.json, adc.json) byte for byte — requests
// with their time limits, outputs, error codes and what ADC errors mention —
// and the layer's own glue (options as the core's JSON, ADC's file answers).
package dev.credmint

import com.google.gson.JsonArray
import com.google.gson.JsonElement
import com.google.gson.JsonNull
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import com.google.gson.JsonPrimitive
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class CredentialsTest {
    private val now = 1_700_000_000L

    private fun pairs(element: JsonElement?): List<String> =
        element?.takeUnless { it.isJsonNull }?.asJsonArray?.flatMap { pair -> pair.asJsonArray.map { it.asString } } ?: emptyList()

    private fun json(value: String?): JsonElement = value?.let { JsonPrimitive(it) } ?: JsonNull.INSTANCE

    /** Checks a request against a vector's expectation (every member it names), then closes it. */
    private fun checkRequest(where: String, expect: JsonObject, request: HttpRequest) = request.use {
        assertEquals(where, expect.str("method"), it.method())
        assertEquals(where, expect.str("url"), it.url())
        assertEquals(where, pairs(expect["headers"]), it.headers())
        assertEquals(where, expect["timeout_millis"].asLong.toULong(), it.timeoutMillis())
        val body = String(it.body())
        expect.str("body")?.let { exact -> assertEquals(where, exact, body) }
        expect.str("body_starts_with")?.let { prefix -> assertTrue("$where: $body", body.startsWith(prefix)) }
    }

    /** Drives [conversation] through the script's steps; its output rendered as the vectors do. */
    private fun run(where: String, conversation: Conversation, script: JsonObject): JsonObject = conversation.use {
        for (step in script["steps"].asJsonArray.map { it.asJsonObject }) {
            val send = it.poll(now) as? Step.Send ?: throw AssertionError("$where: expected a request")
            checkRequest(where, step.obj("expect")!!, send.request)
            val answer = step.obj("respond")!!
            it.feedResponse(answer["status"].asInt.toUShort(), pairs(answer["headers"]), answer.str("body")!!.toByteArray())
        }
        val done = it.poll(now) as? Step.Done ?: throw AssertionError("$where: expected the end")
        JsonObject().apply {
            when (val output = done.output) {
                is Output.AccessToken -> {
                    addProperty("token", output.token.token())
                    addProperty("obtained_at", output.token.obtainedAt())
                    addProperty("expires_at", output.token.expiresAt())
                }
                is Output.IdToken -> {
                    addProperty("token", output.token.token())
                    addProperty("expires_at", output.token.expiresAt())
                }
                else -> throw AssertionError("$where: $output")
            }
        }
    }

    private fun outcome(where: String, script: JsonObject, call: () -> JsonObject) {
        try {
            val got = call()
            assertEquals(where, script["done"] ?: throw AssertionError("$where: expected ${script.str("error")}"), got)
        } catch (failure: CredmintException) {
            assertEquals("$where: ${failure.message}", script.str("error"), failure.code)
        }
    }

    @Test
    fun credentialDocumentVectors() {
        val cases = Vectors.cases("credentials.json")
        for (case in cases) {
            val name = case.str("name")!!
            val options = case.obj("options")?.toString()
            case.str("error")?.let { code ->
                assertEquals(name, code, codeOf { CoreCredentials.fromJson(case.str("document")!!, options) })
                continue
            }
            CoreCredentials.fromJson(case.str("document")!!, options).use { creds ->
                val facts = JsonObject().apply {
                    add("kind", json(creds.kind()))
                    add("refresh_policy", json(creds.refreshPolicy()))
                    add("universe_domain", json(creds.universeDomain()))
                    add("project_id", json(creds.projectId()))
                    add("quota_project_id", json(creds.quotaProjectId()))
                    add("service_account_email", json(creds.serviceAccountEmail()))
                }
                assertEquals(name, case.obj("expect"), facts)
                case.obj("access_token")?.let { script -> outcome(name, script) { run(name, creds.accessToken(), script) } }
                case.obj("id_token")?.let { script ->
                    outcome(name, script) { run(name, creds.idToken(script.str("audience")!!), script) }
                }
            }
        }
        assertTrue("ran ${cases.size}", cases.size >= 30)
    }

    /** One ADC vector answered from its files and exchanges; what was read and whether it waited. */
    private inner class AdcReplay(private val name: String, case: JsonObject) {
        private val files = case.obj("files")!!
        val exchanges = case["exchanges"].asJsonArray.map { it.asJsonObject }.iterator()
        val filesRead = JsonArray()
        var waited = false

        fun drive(adc: Conversation): Output.DefaultCredentials {
            var clock = now
            while (true) {
                when (val step = adc.poll(clock)) {
                    is Step.ReadFile -> {
                        filesRead.add(step.path)
                        val content = files[step.path]
                        adc.feedHost(when {
                            content == null -> HostAnswer.FileMissing
                            content.isJsonPrimitive -> HostAnswer.File(content.asString.toByteArray())
                            else -> HostAnswer.FileUnreadable(content.asJsonObject.str("error")!!)
                        })
                    }
                    is Step.Send -> {
                        if (!exchanges.hasNext()) throw AssertionError("$name: unexpected request ${step.request}")
                        val exchange = exchanges.next()
                        checkRequest(name, exchange.obj("expect")!!, step.request)
                        val reason = exchange.str("transport_error")
                        if (reason != null) {
                            adc.feedTransportError(reason)
                        } else {
                            val answer = exchange.obj("respond")!!
                            adc.feedResponse(answer["status"].asInt.toUShort(), pairs(answer["headers"]), answer.str("body")!!.toByteArray())
                        }
                    }
                    is Step.Wait -> {
                        assertTrue("$name: wait into the past", step.until > clock)
                        waited = true
                        clock = step.until
                    }
                    is Step.Done -> return step.output as? Output.DefaultCredentials
                        ?: throw AssertionError("$name: ADC ended with ${step.output}")
                    else -> throw AssertionError("$name: ADC asked for $step")
                }
            }
        }
    }

    @Test
    fun anOversizedCredentialFileIsRefusedWithoutBeingReadWhole() {
        val file = Files.createTempFile("credmint-big-", ".json")
        try {
            // A valid-looking document padded past the core's limit (and far past what is read).
            val padding = " ".repeat(maxCredentialFileSize().toInt() * 4)
            Files.write(file, """{"type": "gce_metadata"$padding}""".toByteArray())
            val refused = try {
                Credentials.fromFile(file)
                null
            } catch (failure: CredmintException) {
                failure
            }
            assertTrue("$refused", refused is CredmintException.Key)
            assertEquals("invalid_key", (refused as CredmintException.Key).code)
            assertEquals(65536UL, maxCredentialFileSize())
        } finally {
            Files.delete(file)
        }
    }

    @Test
    fun applicationDefaultCredentialsVectors() {
        val cases = Vectors.cases("adc.json")
        for (case in cases) {
            val name = case.str("name")!!
            val env = case.obj("env")!!.entrySet().associate { (variable, value) -> variable to value.asString }
            val replay = AdcReplay(name, case)
            val adc = defaultCredentials(env, case["windows"].asBoolean, null)
            val done = try {
                replay.drive(adc)
            } catch (failure: CredmintException) {
                val error = case.obj("error") ?: throw AssertionError("$name: ${failure.message}")
                assertEquals(name, error.str("code"), failure.code)
                for (word in error["mentions"].asJsonArray.map { it.asString }) {
                    assertTrue("$name: ${failure.detail} lacks $word", failure.detail.contains(word))
                }
                null
            } finally {
                adc.close()
            }
            assertFalse("$name: requests left unsent", replay.exchanges.hasNext())
            if (done == null) continue
            val got = done.credentials.use { creds ->
                JsonObject().apply {
                    add("source", json(done.source))
                    add("path", json(done.path))
                    add("kind", json(creds.kind()))
                    add("project_id", json(done.projectId))
                    add("quota_project_id", json(creds.quotaProjectId()))
                    add("files_read", replay.filesRead)
                    if (replay.waited) addProperty("waited", true)
                }
            }
            assertEquals(name, case.obj("expect") ?: throw AssertionError("$name: expected ${case.obj("error")}"), got)
        }
        assertTrue("ran ${cases.size}", cases.size >= 15)
    }

    @Test
    fun optionsReachTheCoreAsItsJson() {
        val key = Vectors.text(JsonObject().apply { addProperty("file", "keys/sa_2048_pkcs8.json") })
        val quoted = "a\"b\\c\n\u0001"
        val creds = Credentials.fromJson(key, CredentialOptions(quotaProjectId = "p-1", scopes = listOf("openid", quoted)))
        assertEquals("service_account", creds.kind)
        assertEquals("p-1", creds.quotaProjectId)
        assertEquals("credmint-vectors", creds.projectId)
        assertEquals(JsonParser.parseString(key).asJsonObject.str("client_email"), creds.serviceAccountEmail)
        assertEquals("googleapis.com", creds.universeDomain)
        val typo = codeOf { CoreCredentials.fromJson(key, """{"token_urx":"https://x.example"}""") }
        assertEquals("invalid_argument", typo)
        assertEquals("invalid_key", codeOf { Credentials.fromJson("""{"type":"kerberos"}""") })
        val path = Files.createTempFile("credmint-key-", ".json")
        try {
            Files.write(path, key.toByteArray())
            assertEquals("service_account", Credentials.fromFile(path.toString()).kind)
        } finally {
            Files.delete(path)
        }
    }

    @Test
    fun defaultCredentialsAnswersFilesFromTheFileSystem() = runBlocking {
        val dir = Files.createTempDirectory("credmint-adc-")
        try {
            val key = Vectors.text(JsonObject().apply { addProperty("file", "keys/sa_2048_pkcs8.json") })
            val file = dir.resolve("sa.json").also { Files.write(it, key.toByteArray()) }
            val found = defaultCredentials(
                environment = mapOf("GOOGLE_APPLICATION_CREDENTIALS" to file.toString(), "GOOGLE_CLOUD_QUOTA_PROJECT" to "env-quota"),
            )
            assertEquals("environment_variable", found.source)
            assertEquals("credmint-vectors", found.projectId)
            assertEquals("service_account", found.credentials.kind)
            assertEquals("env-quota", found.credentials.quotaProjectId)

            val user = """{"type":"authorized_user","client_id":"c","client_secret":"hunter2","refresh_token":"1//r3fresh"}"""
            Files.write(dir.resolve("application_default_credentials.json"), user.toByteArray())
            val gcloud = defaultCredentials(environment = mapOf("CLOUDSDK_CONFIG" to dir.toString()))
            assertEquals("well_known_file", gcloud.source)
            assertEquals("authorized_user", gcloud.credentials.kind)
            assertFalse(gcloud.toString().contains("hunter2") || gcloud.toString().contains("r3fresh"))
            val none = runCatching { gcloud.credentials.idToken("https://svc.example") }.exceptionOrNull()
            assertTrue("$none", none is CredmintException.InvalidArgument)
            assertEquals("not_supported", (none as CredmintException).code)

            // A directory where a file should be: unreadable, and the core says so.
            val unreadable = runCatching { defaultCredentials(environment = mapOf("GOOGLE_APPLICATION_CREDENTIALS" to dir.toString())) }
            val failure = unreadable.exceptionOrNull() as CredmintException
            assertEquals("credentials_not_found", failure.code)
            assertTrue(failure.detail, failure.detail.contains("cannot be read"))
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    @Test
    fun noMetadataServerFailsFast() = runBlocking {
        val port = java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { it.localPort } // closed: refused
        val dir = Files.createTempDirectory("credmint-adc-")
        try {
            val started = System.nanoTime()
            val failure = runCatching {
                defaultCredentials(environment = mapOf(
                    "CLOUDSDK_CONFIG" to dir.toString(), "GCE_METADATA_HOST" to "127.0.0.1:$port",
                    "METADATA_SERVER_DETECTION" to "ping-only",
                ))
            }.exceptionOrNull() as CredmintException
            val elapsed = (System.nanoTime() - started) / 1e6
            println("Kotlin: no metadata server (loopback refused) to credentials_not_found: ${"%.1f".format(elapsed)} ms")
            assertEquals("credentials_not_found", failure.code)
            assertTrue(failure.detail, failure.detail.contains("2 attempts"))
            assertTrue("$elapsed ms", elapsed < 1000)
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    @Test
    fun explicitCredentialsTheCoreRefusesFailAtTheFirstToken() {
        val key = ServiceAccountKey.fromJson(Vectors.text(JsonObject().apply { addProperty("file", "keys/sa_2048_pkcs8.json") }))
        val credentials = ServiceAccountCredentials(key, tokenUri = "not a url")
        credentials.invalidate() // nothing cached, nothing to fail
        val failure = runCatching { credentials.accessTokenBlocking() }.exceptionOrNull()
        assertTrue("$failure", failure is CredmintException.InvalidArgument)
        assertNull(runCatching { ClientCredentials("https://auth.example/token", "id", "secret", basicAuth = false) }.exceptionOrNull())
    }
}

/** What went wrong, as the core said it (every family has it). */
val CredmintException.detail: String
    get() = when (this) {
        is CredmintException.Key -> detail
        is CredmintException.Token -> detail
        is CredmintException.InvalidArgument -> detail
        is CredmintException.Signing -> detail
        is CredmintException.Transport -> detail
        is CredmintException.Remote -> detail
    }
