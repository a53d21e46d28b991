// The fields every family of the generated CredmintError has (the core's
// stable code, its family, HTTP status, retryability) as properties.

extension CredmintError {
    /// The core's stable error code (`invalid_key`, `token_expired`, `permission_denied`, …).
    public var code: String {
        switch self {
        case .Key(let code, _), .Token(let code, _), .InvalidArgument(let code, _),
             .Signing(let code, _), .Transport(let code, _):
            return code
        case .Remote(let code, _, _, _, _, _, _, _):
            return code
        }
    }

    /// The core's family of the error (`key`, `token`, `invalid_argument`, `signing`,
    /// `transport`, `remote`): its case.
    public var family: String {
        switch self {
        case .Key: return "key"
        case .Token: return "token"
        case .InvalidArgument: return "invalid_argument"
        case .Signing: return "signing"
        case .Transport: return "transport"
        case .Remote: return "remote"
        }
    }

    /// The HTTP status of a server's answer, when there was one.
    public var status: Int? {
        if case .Remote(_, _, let status, _, _, _, _, _) = self, let status { return Int(status) }
        return nil
    }

    /// Whether the same call may succeed later.
    public var retryable: Bool {
        switch self {
        case .Transport: return true
        case .Remote(_, _, _, let retryable, _, _, _, _): return retryable
        default: return false
        }
    }
}
