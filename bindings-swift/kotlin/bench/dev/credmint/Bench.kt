// `make bench-kotlin`: credmint through uniffi on the JVM against the JDK's own
// RSA (SHA256withRSA), one run, medians: what a call costs across the FFI.
package dev.credmint

import java.io.File
import java.security.KeyFactory
import java.security.Signature
import java.security.spec.PKCS8EncodedKeySpec
import java.util.Base64
import kotlinx.coroutines.runBlocking

private fun medianMicros(seconds: Double = 1.0, call: () -> Unit): Double {
    repeat(50) { call() }
    val samples = ArrayList<Double>()
    val deadline = System.nanoTime() + (seconds * 1e9).toLong()
    while (System.nanoTime() < deadline || samples.size < 20) {
        val started = System.nanoTime()
        call()
        samples.add((System.nanoTime() - started) / 1000.0)
    }
    samples.sort()
    return samples[samples.size / 2]
}

fun main() {
    val keyText = File("tests/vectors/keys/sa_2048_pkcs8.json").readText()
    val key = ServiceAccountKey.fromJson(keyText)
    val now = System.currentTimeMillis() / 1000
    val claims = """{"iss":"${key.clientEmail()}","scope":"$CLOUD_PLATFORM","aud":"https://oauth2.googleapis.com/token","iat":$now,"exp":${now + 3600}}"""
    val jdkKey = KeyFactory.getInstance("RSA").generatePrivate(PKCS8EncodedKeySpec(key.pkcs8Der()))
    val input = "eyJhbGciOiJSUzI1NiJ9.${Base64.getUrlEncoder().withoutPadding().encodeToString(claims.toByteArray())}".toByteArray()
    val idToken = key.signJwt("""{"iss":"https://accounts.google.com","aud":"https://svc.example","sub":"1","iat":$now,"exp":${now + 3600}}""", now).signedJwt()
    val keys = KeySet(key.jwks())
    val options = VerifyOptions(listOf("https://svc.example"), listOf("https://accounts.google.com"), 60u, null, now)
    val canned = Transport { HttpAnswer(200, listOf("content-type" to "application/json"), """{"access_token":"ya29.bench","expires_in":3599,"token_type":"Bearer"}""".toByteArray()) }
    val credentials = ServiceAccountCredentials(key, http = Http(canned))
    runBlocking { credentials.accessToken() }

    val rows = listOf(
        "parse a JSON key file" to medianMicros { ServiceAccountKey.fromJson(keyText).close() },
        "assertion, key loaded (signJwt)" to medianMicros { key.signJwt(claims, now).close() },
        "JDK SHA256withRSA over the same bytes" to medianMicros {
            Signature.getInstance("SHA256withRSA").run { initSign(jdkKey); update(input); sign() }
        },
        "verify ID token with claims (KeySet)" to medianMicros { keys.verify(idToken, options) },
        "cached accessToken()" to medianMicros { runBlocking { credentials.accessToken() } },
        "cached accessToken(), already in a coroutine" to runBlocking {
            val samples = ArrayList<Double>()
            repeat(50) { credentials.accessToken() }
            repeat(20_000) {
                val started = System.nanoTime()
                credentials.accessToken()
                samples.add((System.nanoTime() - started) / 1000.0)
            }
            samples.sort()
            samples[samples.size / 2]
        },
    )
    println("| JVM ${System.getProperty("java.version")}, Kotlin ${KotlinVersion.CURRENT} | median |")
    println("|---|---:|")
    for ((name, micros) in rows) println("| $name | ${"%.1f".format(micros)} µs |")
}
