// Smoke test of the Kotlin jar on a plain classpath: an access token and an
// ID token from a key file served by the emulator, the ID token verified
// against its keys.
import dev.credmint.Credentials
import dev.credmint.Verifier
import kotlinx.coroutines.runBlocking

fun main() = runBlocking {
    val key = System.getenv("CREDMINT_KEY")
    val base = System.getenv("CREDMINT_BASE")
    val credentials = Credentials.fromFile(key)
    check(credentials.accessToken().token().startsWith("ya29.")) { "not an emulator access token" }
    val idToken = credentials.idToken("https://svc.example")
    val claims = Verifier.googleIdToken(listOf("https://svc.example"), "$base/oauth2/v3/certs").use { it.verify(idToken.token()) }
    check(claims.contains("ci-runner@demo-project.iam.gserviceaccount.com")) { claims }
    println("dist-test: Kotlin jar ok")
}
