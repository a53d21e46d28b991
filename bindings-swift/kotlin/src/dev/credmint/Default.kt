// Application Default Credentials: the core decides the order, the paths and
// the metadata server detection; this answers its questions (environment
// variables, files, HTTP) and hands back the credentials it found.
package dev.credmint

import java.io.IOException
import java.nio.file.FileSystemException
import java.nio.file.Files
import java.nio.file.InvalidPathException
import java.nio.file.NoSuchFileException
import java.nio.file.Paths
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext

/**
 * What [defaultCredentials] found: the credentials, the project the
 * environment, the file or the metadata server names, and where they came
 * from (`environment_variable`, `well_known_file` or `metadata_server`).
 */
data class DefaultCredentials(val credentials: DocumentCredentials, val projectId: String?, val source: String)

/**
 * Application Default Credentials, found as Google's libraries find them: the
 * file `GOOGLE_APPLICATION_CREDENTIALS` names, gcloud's well-known file, then
 * the metadata server. `credentials_not_found` when there is nothing to find.
 * [options] apply to what is found; [environment] is the process's, replaced
 * only by tests.
 *
 * ```kotlin
 * val (credentials, projectId) = defaultCredentials()
 * val token = credentials.accessToken()
 * ```
 */
suspend fun defaultCredentials(
    options: CredentialOptions = CredentialOptions(),
    http: Http = Http(),
    environment: Map<String, String> = System.getenv(),
): DefaultCredentials {
    val windows = System.getProperty("os.name").orEmpty().startsWith("Windows")
    val variables = adcVariables().mapNotNull { name -> environment[name]?.let { name to it } }.toMap()
    val adc = AdcConversation(variables, windows, options.json())
    try {
        while (true) {
            when (val step = adc.poll(http.clock.now())) {
                is AdcStep.ReadFile -> read(adc, step.path)
                is AdcStep.Send -> deliver(http.transport, step.request, adc::feedResponse, adc::feedTransportError)
                is AdcStep.Wait -> delay(((step.until - http.clock.now()) * 1000).coerceAtLeast(0))
                is AdcStep.Done -> return DefaultCredentials(
                    DocumentCredentials.of(step.credentials, http, environment::get), step.projectId, step.source,
                )
            }
        }
    } finally {
        adc.close()
    }
}

/**
 * A credential file's bytes, at most one more than the core reads, so that
 * the core refuses an oversized file instead of the host reading it whole.
 */
internal fun readCredentialFile(path: java.nio.file.Path): ByteArray =
    readAtMost(path, maxCredentialFileSize().toInt() + 1)

/** At most `most` bytes of a file (callers ask for one more than the core accepts). */
internal fun readAtMost(path: java.nio.file.Path, most: Int): ByteArray =
    Files.newInputStream(path).use { it.readNBytes(most) }

/** Answers a `ReadFile` step: the bytes, "missing", or why the file could not be read. */
private suspend fun read(adc: AdcConversation, path: String) {
    val contents = try {
        withContext(Dispatchers.IO) { readCredentialFile(Paths.get(path)) }
    } catch (missing: NoSuchFileException) {
        return adc.feedFileMissing()
    } catch (failure: IOException) {
        val reason = if (failure is FileSystemException) failure.reason else failure.message
        return adc.feedFileError(reason ?: failure.javaClass.simpleName)
    } catch (invalid: InvalidPathException) {
        return adc.feedFileError(invalid.reason ?: "not a path")
    }
    adc.feedFile(contents)
}
