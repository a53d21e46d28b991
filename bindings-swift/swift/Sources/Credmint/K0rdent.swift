// k0rdent: a service account's credentials, every page, as an async sequence.

/// Every credential of `accountId`, page after page (the core follows the
/// cursor), `pageSize` at a time (`nil`: the core's default); `bearer` is a
/// tenant admin's token.
public func listCredentials(
    baseUrl: String, accountId: String, bearer: AccessToken, filter: CredentialFilter? = nil,
    pageSize: UInt32? = nil, http: Http = Http()
) -> AsyncThrowingStream<AccountCredential, Error> {
    AsyncThrowingStream { continuation in
        let task = Task {
            do {
                let conversation = try credentialPages(
                    baseUrl: baseUrl, accountId: accountId, bearer: bearer, filter: filter, pageSize: pageSize)
                while true {
                    // Each page ends the conversation once; polling again starts the next.
                    let output = try await drive(conversation, transport: http.transport, clock: http.clock)
                    guard case .page(let page) = output else { throw unexpected(output) }
                    guard let page else { break }
                    for credential in page.credentials { continuation.yield(credential) }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
    }
}
