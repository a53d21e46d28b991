// The overrides every credential type accepts, written as the JSON the core
// reads (CredentialOptions); the core checks them and owns every default.
import Foundation

/// What a caller may change about credentials, whatever their type: `nil`
/// keeps the core's default, and fields a type has no use for are ignored.
///
/// ```swift
/// let creds = try Credentials.fromJson(text: json, options: CredentialOptions(scopes: ["openid"]))
/// ```
public struct CredentialOptions: Equatable, Sendable {
    /// Scopes to ask for instead of the type's default.
    public var scopes: [String]?
    /// The token endpoint (a key's `token_uri`, a user's refresh endpoint, STS, IBM IAM, an OAuth client's).
    public var tokenUri: String?
    /// The IAM Credentials endpoint impersonation calls go to.
    public var iamEndpoint: String?
    /// The metadata server (`http://host:port`).
    public var metadataBase: String?
    /// Lifetime of impersonated access tokens, seconds.
    public var lifetimeSecs: UInt64?
    /// The impersonation delegation chain, replacing the document's.
    public var delegates: [String]?
    /// The quota project, replacing the document's.
    public var quotaProjectId: String?
    /// The user a service account acts for (domain-wide delegation).
    public var subject: String?
    /// Seed of the retry jitter (reproducible schedules in tests).
    public var jitterSeed: UInt64?

    public init(
        scopes: [String]? = nil, tokenUri: String? = nil, iamEndpoint: String? = nil, metadataBase: String? = nil,
        lifetimeSecs: UInt64? = nil, delegates: [String]? = nil, quotaProjectId: String? = nil,
        subject: String? = nil, jitterSeed: UInt64? = nil
    ) {
        self.scopes = scopes
        self.tokenUri = tokenUri
        self.iamEndpoint = iamEndpoint
        self.metadataBase = metadataBase
        self.lifetimeSecs = lifetimeSecs
        self.delegates = delegates
        self.quotaProjectId = quotaProjectId
        self.subject = subject
        self.jitterSeed = jitterSeed
    }

    /// The core's JSON form, or nil when nothing is overridden.
    func json() throws -> String? {
        let members: [String: Any?] = [
            "scopes": scopes, "token_uri": tokenUri, "iam_endpoint": iamEndpoint, "metadata_base": metadataBase,
            "lifetime_secs": lifetimeSecs, "delegates": delegates, "quota_project_id": quotaProjectId,
            "subject": subject, "jitter_seed": jitterSeed,
        ]
        guard members.values.contains(where: { $0 != nil }) else { return nil }
        return try jsonObject(members)
    }
}

/// A JSON object of the members that are not nil (strings, lists of strings, numbers).
func jsonObject(_ members: [String: Any?]) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: members.compactMapValues { $0 }, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}
