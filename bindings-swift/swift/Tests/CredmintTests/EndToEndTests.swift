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

    func testEveryFileTheEmulatorWritesGivesAToken() async throws {
        let certs = try await emulator.getText("/oauth2/v3/certs")
        for kind in ["authorized_user", "impersonated_service_account", "external_account_authorized_user"] {
            let credentials = try Credentials.fromJson(text: try emulator.keyFile(kind))
            XCTAssertEqual(credentials.kind, kind)
            let token = try await credentials.accessToken()
            XCTAssertGreaterThan(token.expiresAt(), SystemClock().now(), kind)
            XCTAssertFalse(String(describing: credentials).contains(token.token()))
            if kind == "impersonated_service_account" {
                let idToken = try await credentials.idToken(audience: "https://svc.example")
                let claims = try verify(token: idToken.token(), keys: certs, audiences: ["https://svc.example"])
                XCTAssertTrue(claims.contains(credentials.serviceAccountEmail ?? "?"), claims)
            } else {
                do {
                    _ = try await credentials.idToken(audience: "https://svc.example")
                    XCTFail("\(kind): expected not_supported")
                } catch let error as CredmintError {
                    XCTAssertEqual(error.code, "not_supported")
                }
            }
        }
    }

    func testAMetadataServerDocument() async throws {
        let document = "{\"type\":\"gce_metadata\",\"metadata_base\":\"\(emulator.base)\"}"
        let credentials = try Credentials.fromJson(text: document)
        XCTAssertEqual(credentials.kind, "gce_metadata")
        let token = try await credentials.accessToken()
        XCTAssertFalse(token.token().isEmpty)
        let idToken = try await credentials.idToken(audience: "https://svc.example")
        let claims = try verify(token: idToken.token(), keys: try await emulator.getText("/oauth2/v3/certs"),
                                audiences: ["https://svc.example"])
        XCTAssertTrue(claims.contains(Emulator.ci), claims)
    }

    /// Never answers, and ignores the request's time limit (but not cancellation).
    struct DeafTransport: Transport {
        func send(_ request: HttpRequest) async throws -> HttpAnswer {
            try await Task.sleep(nanoseconds: 3_600_000_000_000)
            throw URLError(.timedOut)
        }
    }

    /// The conformance JWT-bearer conversation's spec: `attempts` of `limitMillis` each (its FlowOptions).
    private static func stalledGrantSpec(limitMillis: Int = 300, attempts: Int = 2) throws -> String {
        let keyText = try String(contentsOf: Vectors.dir.appendingPathComponent("keys/sa_2048_pkcs8.json"), encoding: .utf8)
        var key = try JSONSerialization.jsonObject(with: Data(keyText.utf8)) as? [String: Any] ?? [:]
        key["token_uri"] = "http://127.0.0.1:9/token"
        let spec: [String: Any] = [
            "kind": "jwt_bearer", "key": ["text": try Vectors.json(key)],
            "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
            "retry": ["max_attempts": attempts, "initial_delay_secs": 1, "max_delay_secs": 1, "max_retry_after_secs": 60],
            "request_timeout_millis": limitMillis,
        ]
        return try Vectors.json(spec)
    }

    func testAStalledRequestEndsInTransportErrorAtItsLimit() async throws {
        // Two attempts of 300 ms (the conformance flow's FlowOptions), 0 to 1 s of back-off between them.
        let conversation = try conformanceFlow(specJson: try Self.stalledGrantSpec())
        let started = Date()
        do {
            _ = try await drive(conversation, transport: DeafTransport(), clock: SystemClock())
            XCTFail("expected transport_error")
        } catch let error as CredmintError {
            XCTAssertEqual(error.code, "transport_error")
            XCTAssertTrue(error.retryable)
        }
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertTrue(elapsed >= 0.55 && elapsed < 3.5, "\(elapsed)")
    }

    /// Credentials whose every refresh is the stalled conversation `spec`, through a deaf transport.
    final class Stalled: Credentials {
        private let spec: String
        private let lock = NSLock()
        private var started = 0
        var refreshes: Int { lock.withLock { started } }

        init(spec: String) {
            self.spec = spec
            super.init(cache: { TokenCache(style: .google) }, http: Http(transport: DeafTransport()))
        }

        override func fetchAccessToken() async throws -> AccessToken {
            lock.withLock { started += 1 }
            return try await accessToken(of: try conformanceFlow(specJson: spec))
        }
    }

    func testACallerWaitingOnAStalledRefreshGetsItsErrorNoLaterThanTheRefresher() async throws {
        // One attempt of 1.5 s: longer than the slack below, so a second refresh by the waiter would show.
        let credentials = Stalled(spec: try Self.stalledGrantSpec(limitMillis: 1500, attempts: 1))
        let started = Date()
        let outcomes = await withTaskGroup(of: (Error?, TimeInterval).self) { group in
            for _ in 0..<2 {
                group.addTask {
                    do {
                        _ = try await credentials.accessToken()
                        return (nil, Date().timeIntervalSince(started))
                    } catch {
                        return (error, Date().timeIntervalSince(started))
                    }
                }
            }
            return await group.reduce(into: [(Error?, TimeInterval)]()) { $0.append($1) }
        }.sorted { $0.1 < $1.1 }
        let (refresher, waiter) = (outcomes[0], outcomes[1])
        XCTAssertEqual((refresher.0 as? CredmintError)?.code, "transport_error")
        XCTAssertEqual((waiter.0 as? CredmintError)?.code, "transport_error")
        XCTAssertEqual(credentials.refreshes, 1, "one refresh for both callers")
        XCTAssertTrue(refresher.1 >= 1.45 && refresher.1 < 2.5, "\(refresher.1)")
        // Before the core's RefreshFailed the waiter refreshed again: another 1.5 s.
        XCTAssertTrue(waiter.1 <= refresher.1 + 1.0, "\(waiter.1) vs \(refresher.1)")
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
