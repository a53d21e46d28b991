// The core's ready verifiers from Kotlin against `credmint serve`: IAP's ES256
// assertions across a key rotation, Google ID tokens with one fetch for
// sixteen concurrent verifications, a snapshot seeding another verifier.
package dev.credmint

import dev.credmint.Emulator.Companion.CI
import java.net.HttpURLConnection
import java.net.URI
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.BeforeClass
import org.junit.Test

class VerifierTest {
    companion object {
        lateinit var emulator: Emulator
        const val IAP_AUDIENCE = "/projects/123/global/backendServices/456"

        @BeforeClass @JvmStatic
        fun start() {
            emulator = Emulator.start()
        }

        @AfterClass @JvmStatic
        fun stop() = emulator.close()
    }

    private fun iapAssertion(email: String = "user@example.com"): String {
        val connection = URI(emulator.base + "/_emulator/iap/assertion").toURL().openConnection() as HttpURLConnection
        connection.requestMethod = "POST"
        connection.doOutput = true
        connection.setRequestProperty("content-type", "application/json")
        connection.outputStream.use { it.write("""{"audience":"$IAP_AUDIENCE","email":"$email"}""".toByteArray()) }
        return claims(connection.inputStream.readBytes().decodeToString())["assertion"].asString
    }

    private fun counting(sent: AtomicInteger) =
        Http(Transport { request -> sent.incrementAndGet(); HttpUrlConnectionTransport().send(request) })

    @Test
    fun iapAssertionsVerifyAndASnapshotSeedsAnotherVerifier() = runBlocking {
        val keysUrl = emulator.base + "/iap/verify/public_key-jwk"
        val sent = AtomicInteger()
        val verifier = Verifier.iap(IAP_AUDIENCE, keysUrl, counting(sent))
        val verified = claims(verifier.verify(iapAssertion()))
        assertEquals("https://cloud.google.com/iap", verified["iss"].asString)
        assertEquals("user@example.com", verified["email"].asString)
        assertEquals(1, sent.get())
        val snapshot = verifier.snapshot()!!
        val again = AtomicInteger()
        Verifier.iap(IAP_AUDIENCE, keysUrl, counting(again)).use { other ->
            other.restore(snapshot)
            assertEquals("user@example.com", claims(other.verify(iapAssertion()))["email"].asString)
        }
        assertEquals("the snapshot was enough", 0, again.get())
        val wrong = assertThrows(CredmintException.Token::class.java) {
            runBlocking { Verifier.iap("/projects/9/apps/other", keysUrl).verify(iapAssertion()) }
        }
        assertEquals("audience_mismatch", wrong.code)
    }

    @Test
    fun sixteenConcurrentVerificationsOnAColdVerifierFetchOnce() = runBlocking {
        val key = ServiceAccountKey.fromJson(emulator.keyFile(CI))
        val idToken = ServiceAccountCredentials(key).idToken("https://svc.example").token()
        val sent = AtomicInteger()
        val verifier = Verifier.googleIdToken(listOf("https://svc.example"), emulator.base + "/oauth2/v3/certs", counting(sent))
        val all = (1..16).map { async(kotlinx.coroutines.Dispatchers.Default) { verifier.verify(idToken) } }.awaitAll()
        assertEquals(setOf(CI), all.map { claims(it)["email"].asString }.toSet())
        assertEquals(1, sent.get())
    }

    @Test
    fun badOptionsAreTypedErrors() {
        val iap = assertThrows(CredmintException.InvalidArgument::class.java) { Verifier.iap("svc") }
        assertEquals("invalid_argument", iap.code)
        assertThrows(CredmintException.InvalidArgument::class.java) { Verifier.googleIdToken(emptyList()) }
    }
}
