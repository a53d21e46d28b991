// Error mapping (every family carries the core's code, status, retryability)
// and redaction: no secret in any toString or exception message.
package dev.credmint

import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class ErrorsAndRedactionTest {
    private val keyText = Vectors.text(com.google.gson.JsonObject().apply { addProperty("file", "keys/sa_2048_pkcs8.json") })

    private fun ibmKey(apiKey: String) = CoreCredentials.fromJson("""{"type":"ibm_api_key","apikey":"$apiKey"}""")

    private fun thrown(call: () -> Unit): CredmintException =
        (runCatching(call).exceptionOrNull() as? CredmintException) ?: throw AssertionError("no CredmintException")

    @Test
    fun everyFamilyCarriesTheCoreCode() {
        val key = thrown { ServiceAccountKey.fromJson("""{"type":"service_account"}""") }
        assertTrue(key is CredmintException.Key)
        assertEquals("invalid_key", key.code)
        assertNull(key.status)
        assertFalse(key.retryable)

        val argument = thrown { ServiceAccountKey.fromJson(keyText).selfSignedJwt("a", listOf("s"), 0) }
        assertTrue(argument is CredmintException.InvalidArgument)
        assertEquals("invalid_argument", argument.code)

        val signed = ServiceAccountKey.fromJson(keyText).signJwt("""{"sub":"s","exp":1000}""", 100).signedJwt()
        val expired = thrown { verify(signed, ServiceAccountKey.fromJson(keyText).jwks(), now = 5000) }
        assertTrue(expired is CredmintException.Token)
        assertEquals("token_expired", expired.code)

        val transport = ibmKey("k").accessToken().use { conversation ->
            var now = 0L
            var failure: CredmintException? = null
            while (failure == null) {
                try {
                    when (val step = conversation.poll(now)) {
                        is Step.Send -> conversation.feedTransportError("connection refused")
                        is Step.Wait -> now = step.until
                        else -> throw AssertionError("unexpected $step")
                    }
                } catch (caught: CredmintException) {
                    failure = caught
                }
            }
            failure
        }
        assertEquals("transport_error", transport.code)
        assertTrue(transport.retryable)
    }

    @Test
    fun everyCodeRaisesItsFamily() {
        // tests/vectors/errors.json: the family and retryability of every code, decided by the core.
        val cases = Vectors.cases("errors.json")
        for (case in cases) {
            val code = case.str("code")!!
            val error = thrown { conformanceError(code) }
            assertEquals(code, error.code)
            assertEquals(code, case.str("family"), error.family)
            assertEquals(code, case["retryable"].asBoolean, error.retryable)
        }
    }

    @Test
    fun noSecretInAnyToStringOrMessage() {
        val key = ServiceAccountKey.fromJson(keyText)
        val pem = com.google.gson.JsonParser.parseString(keyText).asJsonObject["private_key"].asString
        val keyMaterial = pem.lines()[1]
        assertFalse(key.toString().contains(keyMaterial))
        assertTrue(key.toString().contains(key.clientEmail()))

        val token = AccessToken.bearer("ya29.secret-token-value", 0, 3600u)
        assertFalse(token.toString().contains("secret-token-value"))
        val jwt = key.signJwt("""{"sub":"s"}""", 100)
        assertFalse(jwt.toString().contains(jwt.signedJwt()))

        val broken = keyText.replace(keyMaterial, "SECRETSECRETSECRET" + keyMaterial.drop(18))
        val failure = thrown { ServiceAccountKey.fromJson(broken) }
        assertFalse(failure.message!!.contains("SECRETSECRET"))
        assertFalse(failure.toString().contains("SECRETSECRET"))

        val ibm = IbmApiKeyCredentials("api-key-secret-value")
        val client = ClientCredentials("https://auth.example/token", "id", "client-secret-value")
        val sa = ServiceAccountCredentials(key)
        val userFile = """{"type":"authorized_user","client_id":"c","client_secret":"user-secret-value","refresh_token":"1//refresh-secret-value"}"""
        val user = Credentials.fromJson(userFile)
        val shownUser = listOf(user.toString(), CoreCredentials.fromJson(userFile).toString())
        for (shown in listOf(ibm.toString(), client.toString(), sa.toString()) + shownUser) {
            assertFalse(shown, shown.contains("secret-value") || shown.contains(keyMaterial))
        }

        val document = ibmKey("api-key-secret-value")
        assertFalse(document.toString().contains("api-key-secret-value"))
        val request = document.accessToken().use { conversation ->
            (conversation.poll(0) as Step.Send).request
        }
        assertTrue(String(request.body()).contains("api-key-secret-value"))
        assertFalse(request.toString().contains("api-key-secret-value"))
        assertFalse(Step.Send(request).toString().contains("api-key-secret-value"))
    }
}
