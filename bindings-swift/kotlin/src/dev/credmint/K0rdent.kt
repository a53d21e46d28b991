// k0rdent: a service account's credentials, every page, as a cold Flow.
package dev.credmint

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * Every credential of [accountId], page after page (the core follows the cursor),
 * [pageSize] at a time (`null`: the core's default); [bearer] is a tenant admin's
 * token. Collect it again to list again.
 */
fun listCredentials(
    baseUrl: String,
    accountId: String,
    bearer: AccessToken,
    filter: CredentialFilter? = null,
    pageSize: Int? = null,
    http: Http = Http(),
): Flow<AccountCredential> = flow {
    val conversation = credentialPages(baseUrl, accountId, bearer, filter, pageSize?.toUInt())
    conversation.use {
        while (true) {
            // Each page is one conversation end; polling again starts the next page.
            val output = drive(conversation, http.transport, http.clock)
            val page = (output as? Output.Page ?: throw unexpected(output)).page ?: break
            page.credentials.forEach { emit(it) }
        }
    }
}
