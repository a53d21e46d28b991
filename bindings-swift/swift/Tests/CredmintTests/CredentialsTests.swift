// Credential documents and Application Default Credentials decisions through
// the FFI: the shared vectors (credentials.json, adc.json) byte for byte —
// requests with their time limits, outputs, error codes, what ADC errors
// mention — and the layer's document constructor.
import Foundation
import XCTest
@testable import Credmint

final class CredentialsTests: XCTestCase {
    private let now: Int64 = 1_700_000_000

    private func orNull(_ value: String?) -> Any {
        if let value { return value }
        return NSNull()
    }

    /// What went wrong, as the core said it.
    private func detail(_ error: CredmintError) -> String {
        switch error {
        case .Key(_, let detail), .Token(_, let detail), .InvalidArgument(_, let detail),
             .Signing(_, let detail), .Transport(_, let detail):
            return detail
        case .Remote(_, let detail, _, _, _, _, _, _):
            return detail
        }
    }

    /// Checks a request against a vector's expectation (every member it names).
    private func checkRequest(_ place: String, _ expect: [String: Any], _ request: HttpRequest) {
        XCTAssertEqual(request.method(), expect["method"] as? String, place)
        XCTAssertEqual(request.url(), expect["url"] as? String, place)
        XCTAssertEqual(request.headers(), Vectors.flattened(expect["headers"]), place)
        XCTAssertEqual(request.timeoutMillis(), (expect["timeout_millis"] as? NSNumber)?.uint64Value, place)
        let body = String(decoding: request.body(), as: UTF8.self)
        if let exact = expect["body"] as? String { XCTAssertEqual(body, exact, place) }
        if let prefix = expect["body_starts_with"] as? String { XCTAssertTrue(body.hasPrefix(prefix), "\(place): \(body)") }
    }

    /// Drives `conversation` through the script's steps; its output as the vectors render it.
    private func run(_ place: String, _ conversation: Conversation, _ script: [String: Any]) throws -> NSDictionary {
        for step in script["steps"] as? [[String: Any]] ?? [] {
            guard case .send(let request) = try conversation.poll(now: now) else {
                XCTFail("\(place): expected a request")
                return NSDictionary()
            }
            checkRequest(place, step["expect"] as? [String: Any] ?? [:], request)
            let answer = step["respond"] as? [String: Any] ?? [:]
            try conversation.feedResponse(
                status: UInt16(answer["status"] as? Int ?? 0), headers: Vectors.flattened(answer["headers"]),
                body: Data((answer["body"] as? String ?? "").utf8))
        }
        guard case .done(let output) = try conversation.poll(now: now) else {
            XCTFail("\(place): expected the end")
            return NSDictionary()
        }
        switch output {
        case .accessToken(let token):
            return NSDictionary(dictionary: [
                "token": token.token(), "obtained_at": token.obtainedAt(), "expires_at": token.expiresAt(),
            ])
        case .idToken(let token):
            return NSDictionary(dictionary: ["token": token.token(), "expires_at": token.expiresAt()])
        default:
            XCTFail("\(place): \(output)")
            return NSDictionary()
        }
    }

    func testCredentialDocumentVectors() throws {
        let cases = try Vectors.cases("credentials.json")
        for testCase in cases {
            let name = testCase["name"] as? String ?? "?"
            let document = testCase["document"] as? String ?? ""
            let options = try testCase["options"].map { try Vectors.json($0) }
            if let expected = testCase["error"] as? String {
                XCTAssertEqual(code { _ = try CoreCredentials.fromJson(text: document, optionsJson: options) }, expected, name)
                continue
            }
            let creds = try CoreCredentials.fromJson(text: document, optionsJson: options)
            let facts: [String: Any] = [
                "kind": creds.kind(), "refresh_policy": orNull(creds.refreshPolicy()),
                "universe_domain": creds.universeDomain(), "project_id": orNull(creds.projectId()),
                "quota_project_id": orNull(creds.quotaProjectId()),
                "service_account_email": orNull(creds.serviceAccountEmail()),
            ]
            XCTAssertEqual(NSDictionary(dictionary: facts), testCase["expect"] as? NSDictionary, name)
            for which in ["access_token", "id_token"] {
                guard let script = testCase[which] as? [String: Any] else { continue }
                do {
                    let conversation: Conversation
                    if which == "access_token" {
                        conversation = try creds.accessToken(subjectToken: nil)
                    } else {
                        conversation = try creds.idToken(audience: script["audience"] as? String ?? "")
                    }
                    let got = try run(name, conversation, script)
                    XCTAssertEqual(got, script["done"] as? NSDictionary, name)
                } catch let error as CredmintError {
                    XCTAssertEqual(error.code, script["error"] as? String, "\(name): \(detail(error))")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(cases.count, 30)
    }

    func testApplicationDefaultCredentialsVectors() throws {
        let cases = try Vectors.cases("adc.json")
        for testCase in cases {
            let name = testCase["name"] as? String ?? "?"
            let files = testCase["files"] as? [String: Any] ?? [:]
            var exchanges = (testCase["exchanges"] as? [[String: Any]] ?? []).makeIterator()
            var filesRead: [String] = []
            var clock = now
            var waited = false
            var found: (credentials: CoreCredentials, source: String, path: String?, projectId: String?)?
            let adc = try defaultCredentials(env: testCase["env"] as? [String: String] ?? [:], windows: testCase["windows"] as? Bool ?? false)
            do {
                loop: while true {
                    switch try adc.poll(now: clock) {
                    case .readFile(let path, _):
                        filesRead.append(path)
                        if let text = files[path] as? String {
                            try adc.feedHost(answer: .file(contents: Data(text.utf8)))
                        } else if let unreadable = files[path] as? [String: Any] {
                            try adc.feedHost(answer: .fileUnreadable(reason: unreadable["error"] as? String ?? ""))
                        } else {
                            try adc.feedHost(answer: .fileMissing)
                        }
                    case .send(let request):
                        guard let exchange = exchanges.next() else {
                            XCTFail("\(name): unexpected request \(request)")
                            return
                        }
                        checkRequest(name, exchange["expect"] as? [String: Any] ?? [:], request)
                        if let reason = exchange["transport_error"] as? String {
                            try adc.feedTransportError(reason: reason)
                        } else {
                            let answer = exchange["respond"] as? [String: Any] ?? [:]
                            try adc.feedResponse(
                                status: UInt16(answer["status"] as? Int ?? 0), headers: Vectors.flattened(answer["headers"]),
                                body: Data((answer["body"] as? String ?? "").utf8))
                        }
                    case .wait(let until):
                        XCTAssertGreaterThan(until, clock, "\(name): wait into the past")
                        waited = true
                        clock = until
                    case .done(.defaultCredentials(let credentials, let source, let path, let projectId)):
                        found = (credentials, source, path, projectId)
                        break loop
                    default:
                        XCTFail("\(name): an unexpected step")
                        return
                    }
                }
            } catch let error as CredmintError {
                let expected = testCase["error"] as? [String: Any] ?? [:]
                XCTAssertEqual(error.code, expected["code"] as? String, "\(name): \(detail(error))")
                for word in expected["mentions"] as? [String] ?? [] {
                    XCTAssertTrue(detail(error).contains(word), "\(name): \(detail(error)) lacks \(word)")
                }
            }
            let leftover = exchanges.next()
            XCTAssertNil(leftover, "\(name): requests left unsent")
            guard let found else { continue }
            var got: [String: Any] = [
                "source": found.source, "path": orNull(found.path), "kind": found.credentials.kind(),
                "project_id": orNull(found.projectId), "quota_project_id": orNull(found.credentials.quotaProjectId()),
                "files_read": filesRead,
            ]
            if waited { got["waited"] = true }
            XCTAssertEqual(NSDictionary(dictionary: got), testCase["expect"] as? NSDictionary, name)
        }
        XCTAssertGreaterThanOrEqual(cases.count, 15)
    }

    func testOptionsReachTheCoreAsItsJson() throws {
        let reference: [String: Any] = ["file": "keys/sa_2048_pkcs8.json"]
        let key = try Vectors.text(reference)
        let options = CredentialOptions(scopes: ["openid", "a\"b\\c\n"], quotaProjectId: "p-1")
        let creds = try Credentials.fromJson(text: key, options: options)
        XCTAssertEqual(creds.kind, "service_account")
        XCTAssertEqual(creds.quotaProjectId, "p-1")
        XCTAssertEqual(creds.projectId, "credmint-vectors")
        XCTAssertEqual(creds.universeDomain, "googleapis.com")
        XCTAssertEqual(code { _ = try CoreCredentials.fromJson(text: key, optionsJson: "{\"token_urx\":\"https://x.example\"}") },
                       "invalid_argument")
        XCTAssertEqual(code { _ = try Credentials.fromJson(text: "{\"type\":\"kerberos\"}") }, "invalid_key")
    }
}
