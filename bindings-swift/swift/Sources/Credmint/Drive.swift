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

/// Runs `conversation` to its next end (`done`) with `transport` and `clock`;
/// `signer` answers `sign` steps.
public func drive(
    _ conversation: Conversation, transport: Transport, clock: Clock, signer: Signer? = nil
) async throws -> Output {
    while true {
        switch try conversation.poll(now: clock.now()) {
        case .send(let request):
            let answer: HttpAnswer
            do {
                answer = try await transport.send(request)
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
        case .done(let output):
            return output
        }
    }
}
