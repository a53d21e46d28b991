// Every credential type end to end against `credmint serve` over loopback with
// URLSession: success and error paths, single flight, redaction.
import Foundation
import XCTest
@testable import Credmint

final class EndToEndTests: XCTestCase {
    private static var emulator: Emulator!

    override class func setUp() {
        emulator = try? Emulator()
    }

    override class func tearDown() {
        emulator = nil
    }

    private var emulator: Emulator { Self.emulator }

    private func serviceAccount(http: Http = Http()) throws -> ServiceAccountCredentials {
        ServiceAccountCredentials(key: try ServiceAccountKey.fromJson(text: try emulator.keyFile(Emulator.ci)), http: http)
    }

    private func checkToken(_ token: AccessToken, lifetime: Int64 = 3600) {
        let remaining = token.expiresAt() - SystemClock().now()
        XCTAssertTrue(remaining > lifetime - 30 && remaining <= lifetime + 1, "\(remaining)")
        XCTAssertFalse(String(describing: token).contains(token.token()))
    }

    final class CountingTransport: Transport, @unchecked Sendable {
        private let inner = URLSessionTransport()
        private let lock = NSLock()
        private(set) var sent = 0

        func send(_ request: HttpRequest) async throws -> HttpAnswer {
            lock.withLock { sent += 1 }
            return try await inner.send(request)
        }
    }

    func testServiceAccountTokensAreCachedAndRefreshedOnce() async throws {
        let counting = CountingTransport()
        let credentials = try serviceAccount(http: Http(transport: counting))
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<16 { group.addTask { try await credentials.accessToken().token() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(tokens.count, 1)
        XCTAssertEqual(counting.sent, 1)
        checkToken(try await credentials.accessToken())
        let idToken = try await credentials.idToken(audience: "https://svc.example")
        let claims = try verify(token: idToken.token(), keys: try await emulator.getText("/oauth2/v3/certs"),
                                audiences: ["https://svc.example"], issuers: ["https://accounts.google.com"])
        XCTAssertTrue(claims.contains(Emulator.ci))
    }

    func testImpersonationAndRefusals() async throws {
        let signer = ImpersonatedCredentials(source: try serviceAccount(), target: Emulator.signer,
                                             delegates: [Emulator.deployer], lifetimeSecs: 900, endpoint: emulator.base)
        checkToken(try await signer.accessToken(), lifetime: 900)
        let locations = try await signer.allowedLocations()
        XCTAssertEqual(locations.encoded, "0x11")
        do {
            _ = try await ImpersonatedCredentials(source: try serviceAccount(), target: Emulator.signer, endpoint: emulator.base).accessToken()
            XCTFail("expected permission_denied")
        } catch let error as CredmintError {
            XCTAssertEqual(error.code, "permission_denied")
            XCTAssertEqual(error.status, 403)
            XCTAssertFalse(error.retryable)
        }
    }

    func testIbmClientCredentialsAndListing() async throws {
        let ibm = IbmApiKeyCredentials(apiKey: Emulator.apiKey, url: emulator.base)
        checkToken(try await ibm.accessToken())
        XCTAssertFalse(String(describing: ibm).contains(Emulator.apiKey))
        let admin = ClientCredentials(tokenUrl: emulator.base + "/token", clientId: "cred-admin", clientSecret: "demo-admin-secret-0123456789")
        var ids: [String] = []
        for try await credential in listCredentials(baseUrl: emulator.base, accountId: "sa-pipeline-prod",
                                                    bearer: try await admin.accessToken(), pageSize: 1) {
            ids.append(credential.id)
        }
        XCTAssertEqual(ids, ["cred-001", "cred-000"])
        do {
            _ = try await ClientCredentials(tokenUrl: emulator.base + "/token", clientId: "cred-001", clientSecret: "x").accessToken()
            XCTFail("expected credential_rejected")
        } catch let error as CredmintError {
            XCTAssertEqual(error.code, "credential_rejected")
        }
    }

    func testARefusedConnectionIsATransportError() async throws {
        let key = try ServiceAccountKey.fromJson(text: try emulator.keyFile(Emulator.ci))
        do {
            _ = try await ServiceAccountCredentials(key: key, tokenUri: "http://127.0.0.1:9/token").accessToken()
            XCTFail("expected transport_error")
        } catch let error as CredmintError {
            XCTAssertEqual(error.code, "transport_error")
            XCTAssertTrue(error.retryable)
        }
    }
}
