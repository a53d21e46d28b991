// Secrets under fault, on the JVM: a hostile token server that echoes each
// request back inside its error, redirects to another host, or answers with a
// binary or a 12 MiB body. No secret (refresh token, client secret, API key,
// assertion, private key) may appear in any exception's message, toString or
// field; no redirect is followed; every failure is a typed CredmintException.
package dev.credmint

import com.google.gson.JsonObject
import com.google.gson.JsonParser
import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.util.Base64
import java.util.Collections
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class HostileServerTest {
    private val refresh = "1//0g-hostile-refresh-token-ABC123"
    private val userSecret = "GOCSPX-hostile-client-secret-XYZ"
    private val apiKey = "hostile-ibm-api-key-0123456789"
    private val oauthSecret = "hostile-oauth-client-secret-456"

    // Every JWT-bearer assertion starts with this header; an echoed assertion would show it.
    private val assertionMarker = "eyJhbGciOiJSUzI1NiIs"

    /** A loopback server whose every answer `behaviour` makes from the request's body and Authorization. */
    private class Server(behaviour: (HttpExchange, String) -> Unit) : AutoCloseable {
        val requests: MutableList<String> = Collections.synchronizedList(mutableListOf())
        private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
            createContext("/") { exchange ->
                exchange.use {
                    val said = String(it.requestBody.readBytes()) + " " + (it.requestHeaders.getFirst("authorization") ?: "")
                    requests.add(it.requestURI.path)
                    behaviour(it, said)
                }
            }
            start()
        }
        val url = "http://127.0.0.1:${server.address.port}"

        override fun close() = server.stop(0)
    }

    private fun answer(exchange: HttpExchange, status: Int, body: ByteArray, vararg headers: Pair<String, String>) {
        headers.forEach { (name, value) -> exchange.responseHeaders.add(name, value) }
        exchange.sendResponseHeaders(status, if (body.isEmpty()) -1 else body.size.toLong())
        if (body.isNotEmpty()) exchange.responseBody.use { it.write(body) }
    }

    private val echoOAuth: (HttpExchange, String) -> Unit = { exchange, said ->
        val error = JsonObject().apply {
            addProperty("error", "invalid_grant")
            addProperty("error_description", said)
            addProperty("errorCode", "BXNIM0415E")
            addProperty("errorMessage", said)
        }
        answer(exchange, 400, error.toString().toByteArray(), "content-type" to "application/json")
    }

    private val echoGoogle: (HttpExchange, String) -> Unit = { exchange, said ->
        val status = JsonObject().apply {
            addProperty("code", 403)
            addProperty("message", said)
            addProperty("status", "PERMISSION_DENIED")
        }
        val error = JsonObject().apply { add("error", status) }
        answer(exchange, 403, error.toString().toByteArray(), "content-type" to "application/json")
    }

    private val binary: (HttpExchange, String) -> Unit = { exchange, said ->
        val body = ByteArray(1024) { it.toByte() } + said.toByteArray()
        answer(exchange, 400, body, "content-type" to "application/octet-stream")
    }

    private val keyText = Vectors.text(JsonObject().apply { addProperty("file", "keys/google_service_account.json") })
    private val keyLines = JsonParser.parseString(keyText).asJsonObject["private_key"].asString
        .lines().filter { it.isNotBlank() && !it.startsWith("-----") }

    /** (name, credentials, secrets) of every kind that sends a secret to `url`. */
    private fun documents(url: String): List<Triple<String, DocumentCredentials, List<String>>> {
        val user = """{"type":"authorized_user","client_id":"hostile.apps.googleusercontent.com",""" +
            """"client_secret":"$userSecret","refresh_token":"$refresh"}"""
        val ibm = """{"type":"ibm_api_key","apikey":"$apiKey"}"""
        val client = """{"type":"oauth_client_credentials","token_url":"$url/oauth/token","client_id":"hostile-client",""" +
            """"client_secret":"$oauthSecret","scopes":["credentials.read"]}"""
        return listOf(
            Triple("authorized_user", Credentials.fromJson(user, CredentialOptions(tokenUri = "$url/token")), listOf(refresh, userSecret)),
            Triple("ibm_api_key", Credentials.fromJson(ibm, CredentialOptions(tokenUri = url)), listOf(apiKey)),
            Triple("oauth_client_credentials", Credentials.fromJson(client), listOf(oauthSecret)),
            Triple("service_account", Credentials.fromJson(keyText, CredentialOptions(tokenUri = "$url/token")), keyLines),
        )
    }

    private fun failure(credentials: Credentials): CredmintException =
        (runCatching { credentials.accessTokenBlocking() }.exceptionOrNull() as? CredmintException)
            ?: throw AssertionError("no CredmintException")

    /** Everything a caller could print of a failure. */
    private fun shown(error: CredmintException): String {
        val fields = when (error) {
            is CredmintException.Remote -> listOf(error.detail, error.remoteCode, error.reason, error.permission)
            is CredmintException.Key -> listOf(error.detail)
            is CredmintException.Token -> listOf(error.detail)
            is CredmintException.InvalidArgument -> listOf(error.detail)
            is CredmintException.Signing -> listOf(error.detail)
            is CredmintException.Transport -> listOf(error.detail)
        }
        val cause = error.cause?.let { listOf(it.toString(), it.message) } ?: emptyList()
        return (listOf(error.toString(), error.message, error.stackTraceToString()) + fields + cause).joinToString("\n")
    }

    private fun assertNoSecret(name: String, shown: String, secrets: List<String>) {
        for (secret in secrets + assertionMarker) {
            assertFalse("$name: a secret in $shown", shown.contains(secret))
            // Form-encoded echoes carry the secret percent-encoded, and Basic carries it in base64.
            assertFalse("$name: an encoded secret in $shown", shown.contains(java.net.URLEncoder.encode(secret, "UTF-8")))
        }
    }

    @Test
    fun aHostileErrorBodyNeverCarriesASecret() {
        for ((kind, behaviour) in listOf("echo-oauth" to echoOAuth, "echo-google" to echoGoogle, "binary" to binary)) {
            Server(behaviour).use { server ->
                for ((name, credentials, secrets) in documents(server.url)) {
                    val error = failure(credentials)
                    assertTrue("$kind $name: ${error.code}", error.code in setOf("credential_rejected", "permission_denied", "remote_error"))
                    if (kind == "echo-oauth") {
                        // The echo reached the message (every kind reads this envelope), scrubbed.
                        assertTrue("$kind $name: ${error.message}", error.message!!.contains("[redacted]"))
                    }
                    assertNoSecret("$kind $name", shown(error), secrets)
                }
                assertEquals(4, server.requests.size)
            }
        }
    }

    @Test
    fun aRedirectIsNotFollowedWithCredentials() {
        Server { exchange, _ -> answer(exchange, 200, "{}".toByteArray()) }.use { elsewhere ->
            Server { exchange, _ -> answer(exchange, 307, ByteArray(0), "location" to "${elsewhere.url}/steal") }.use { redirector ->
                for ((name, credentials, secrets) in documents(redirector.url)) {
                    val error = failure(credentials)
                    assertEquals(name, "invalid_response", error.code)
                    assertTrue(name, error.message!!.contains("redirect"))
                    assertNoSecret(name, shown(error), secrets)
                }
                assertEquals("a redirect was followed", emptyList<String>(), elsewhere.requests.toList())
                assertEquals(4, redirector.requests.size)
            }
        }
    }

    @Test
    fun aHugeAnswerIsRefusedNotReadWhole() {
        val huge = "{\"access_token\": \"".toByteArray() + ByteArray(12 * 1024 * 1024) { 'A'.code.toByte() } + "\"}".toByteArray()
        Server { exchange, _ -> answer(exchange, 200, huge, "content-type" to "application/json") }.use { server ->
            for ((name, credentials, _) in documents(server.url)) {
                val error = failure(credentials)
                assertEquals(name, "invalid_response", error.code)
                assertFalse(name, error.message!!.contains("AAAAAAAAAAAAAAAA"))
            }
        }
    }

    @Test
    fun theSecretsReallyReachedTheServer() {
        // The property above is only worth something if the server saw the secrets it echoed.
        val seen = Collections.synchronizedList(mutableListOf<String>())
        Server { exchange, said -> seen.add(said); echoOAuth(exchange, said) }.use { server ->
            for ((_, credentials, _) in documents(server.url)) runCatching { credentials.accessTokenBlocking() }
        }
        val all = seen.joinToString("\n")
        assertTrue(all.contains(java.net.URLEncoder.encode(refresh, "UTF-8")))
        assertTrue(all.contains(apiKey))
        assertTrue(all.contains(assertionMarker))
        val basic = Base64.getEncoder().encodeToString("hostile-client:$oauthSecret".toByteArray())
        assertTrue(all.contains(oauthSecret) || all.contains(basic))
    }
}
