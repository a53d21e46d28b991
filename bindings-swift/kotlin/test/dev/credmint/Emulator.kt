// `credmint serve` on loopback as a child process, for the end-to-end tests.
package dev.credmint

import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.io.File
import java.net.URI
import java.nio.file.Files
import java.util.concurrent.TimeUnit

class Emulator private constructor(private val process: Process, private val keys: File, val base: String) : AutoCloseable {
    fun keyFile(name: String): String = File(keys, "$name.json").readText()

    /** The path of a file `--keys-dir` wrote (`authorized_user.json`, …). */
    fun path(file: String): String = File(keys, file).path

    fun getJson(path: String): String = URI(base + path).toURL().readText()

    override fun close() {
        process.destroy()
        process.waitFor(10, TimeUnit.SECONDS)
        keys.parentFile.deleteRecursively()
    }

    companion object {
        const val CI = "ci-runner@demo-project.iam.gserviceaccount.com"
        const val DEPLOYER = "deployer@demo-project.iam.gserviceaccount.com"
        const val SIGNER = "storage-signer@demo-project.iam.gserviceaccount.com"
        const val PROVIDER = "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci-pool/providers/ci-oidc"
        const val APIKEY = "demo-ibm-apikey-0123456789"
        const val ADMIN_ID = "cred-admin"
        const val ADMIN_SECRET = "demo-admin-secret-0123456789"

        fun start(): Emulator {
            val dir = Files.createTempDirectory("credmint-kotlin-").toFile()
            val binary = System.getProperty("credmint.bin") ?: "target/debug/credmint"
            val process = ProcessBuilder(binary, "serve", "--port", "0", "--keys-dir", File(dir, "keys").path)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start()
            val base = process.inputStream.bufferedReader().readLine()
                ?: throw IllegalStateException("credmint serve did not start")
            return Emulator(process, File(dir, "keys"), base)
        }
    }
}

/** Claims of a verified token, parsed. */
fun claims(json: String): JsonObject = JsonParser.parseString(json).asJsonObject
