// Application Default Credentials: the core decides the order, the paths and
// the metadata server detection; this answers its questions (environment
// variables, files, HTTP) and hands back the credentials it found.
package dev.credmint

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
    val found = defaultCredentials(variables, windows, options.json()).use {
        drive(it, http.transport, http.clock, environment = environment::get)
    }
    if (found !is Output.DefaultCredentials) throw unexpected(found)
    return DefaultCredentials(DocumentCredentials.of(found.credentials, http, environment::get), found.projectId, found.source)
}

/**
 * A credential file's bytes, at most one more than the core reads, so that
 * the core refuses an oversized file instead of the host reading it whole.
 */
internal fun readCredentialFile(path: java.nio.file.Path): ByteArray =
    readAtMost(path, maxCredentialFileSize().toInt() + 1)
