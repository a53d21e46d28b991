// Drives a core conversation: send its requests, wait its back-offs, have the
// host sign what it asks, until it is done. The state machine is the core's.
import Foundation
#if canImport(Security)
import Security
#endif

/// Signs RS256 payloads with a key the platform holds (Keychain, Secure Enclave
/// is EC-only, so an RSA Keychain key): the conversation asks through a `sign` step.
public protocol Signer: Sendable {
    func sign(keyId: String, payload: Data) async throws -> Data
}

#if canImport(Security)
/// A `Signer` over a Keychain `SecKey` (RSA, PKCS#1 v1.5 with SHA-256).
public struct SecKeySigner: Signer, @unchecked Sendable {
    private let key: SecKey

    public init(key: SecKey) {
        self.key = key
    }

    public func sign(keyId: String, payload: Data) async throws -> Data {
        var error: Unmanaged<CFError>?
        guard let signature = SecKeyCreateSignature(
            key, .rsaSignatureMessagePKCS1v15SHA256, payload as CFData, &error
        ) else {
            throw CredmintError.Signing(code: "signing_failed", detail: "the Keychain refused to sign")
        }
        return signature as Data
    }
}
#endif

/// The request's time limit passed before its answer was complete.
struct TimeLimitExceeded: Error, CustomStringConvertible {
    let millis: UInt64
    var description: String { "no complete answer within \(millis) ms" }
}

/// `request` sent by `transport`, given up once its time limit (the core's,
/// `timeoutMillis()`) has passed: the call is cancelled (URLSession stops the
/// task), and the limit reported as `TimeLimitExceeded`.
func exchange(_ transport: Transport, _ request: HttpRequest) async throws -> HttpAnswer {
    let millis = request.timeoutMillis()
    return try await withThrowingTaskGroup(of: HttpAnswer?.self) { group in
        group.addTask { try await transport.send(request) }
        group.addTask {
            try await Task.sleep(nanoseconds: millis.multipliedReportingOverflow(by: 1_000_000).partialValue)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let answer = first else {
            throw TimeLimitExceeded(millis: millis)
        }
        return answer
    }
}

/// Runs `conversation` to its next end (`done`) with `transport` and `clock`;
/// `signer` answers `sign` steps; each request is abandoned at its time limit
/// and reported as a transport failure. Files and variables are this
/// process's; commands are not run (iOS runs none): an executable credential
/// source needs a `subjectTokenSupplier`.
public func drive(
    _ conversation: Conversation, transport: Transport, clock: Clock, signer: Signer? = nil
) async throws -> Output {
    while true {
        switch try conversation.poll(now: clock.now()) {
        case .send(let request):
            let answer: HttpAnswer
            do {
                answer = try await exchange(transport, request)
            } catch let limit as TimeLimitExceeded {
                try conversation.feedTransportError(reason: limit.description)
                continue
            } catch {
                try conversation.feedTransportError(reason: "\(type(of: error)): \(error.localizedDescription)")
                continue
            }
            let headers = answer.headers.flatMap { [$0.0, $0.1] }
            try conversation.feedResponse(status: UInt16(clamping: answer.status), headers: headers, body: answer.body)
        case .wait(let until):
            let seconds = max(0, until - clock.now())
            try await Task.sleep(nanoseconds: UInt64(seconds) * 1_000_000_000)
        case .sign(let keyId, let payload):
            guard let signer else {
                throw CredmintError.Signing(code: "signing_failed", detail: "this conversation needs a Signer")
            }
            try conversation.feedSignature(signature: try await signer.sign(keyId: keyId, payload: payload))
        case .readFile(let path, let maxBytes):
            try conversation.feedHost(answer: readFile(path, maxBytes))
        case .readEnv(let name):
            try conversation.feedHost(answer: .env(value: ProcessInfo.processInfo.environment[name]))
        case .run:
            try conversation.feedHost(answer: .notStarted(reason: "credmint runs no commands on Apple platforms"))
        case .done(let output):
            return output
        }
    }
}

/// A `readFile` step's answer: the bytes (at most `maxBytes`), missing, or unreadable.
func readFile(_ path: String, _ maxBytes: UInt64) -> HostAnswer {
    guard FileManager.default.fileExists(atPath: path) else { return .fileMissing }
    guard let data = readAtMost(path, Int(clamping: maxBytes)) else {
        return .fileUnreadable(reason: "cannot be read")
    }
    return .file(contents: data)
}
