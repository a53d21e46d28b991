// The shared vectors through the Swift layer: the same keys, byte-identical
// signatures, the same verification errors and every scripted conversation.
import Foundation
import XCTest
@testable import Credmint

final class VectorsTests: XCTestCase {
    private func isServiceAccount(_ testCase: [String: Any]) -> Bool {
        ((testCase["key"] as? [String: Any])?["format"] as? String ?? "service_account") == "service_account"
    }

    func testKeys() throws {
        for testCase in try Vectors.cases("keys.json") where testCase["op"] as? String == "load_signing_key" {
            guard isServiceAccount(testCase) else { continue }
            let expect = testCase["expect"] as? [String: Any] ?? [:]
            let text = try Vectors.text(testCase["key"])
            if let error = expect["error"] as? String {
                XCTAssertEqual(code { _ = try ServiceAccountKey.fromJson(text: text) }, error, "\(testCase["name"]!)")
                continue
            }
            let key = try ServiceAccountKey.fromJson(text: text)
            XCTAssertEqual(key.keyId(), expect["key_id"] as? String)
            XCTAssertEqual(key.clientEmail(), expect["client_email"] as? String)
        }
    }

    func testSignaturesAreByteIdentical() throws {
        var ran = 0
        for testCase in try Vectors.cases("sign.json") where isServiceAccount(testCase) {
            let expect = testCase["expect"] as? [String: Any] ?? [:]
            switch testCase["op"] as? String {
            case "sign_blob":
                let key = try ServiceAccountKey.fromJson(text: try Vectors.text(testCase["key"]))
                let payload = Data(base64Encoded: testCase["payload_b64"] as? String ?? "")!
                if let error = expect["error"] as? String {
                    XCTAssertEqual(code { _ = try key.signBlob(data: payload) }, error)
                } else {
                    XCTAssertEqual(try key.signBlob(data: payload).signedBlob.base64EncodedString(), expect["signed_blob"] as? String)
                }
            case "sign_jwt":
                let key = try ServiceAccountKey.fromJson(text: try Vectors.text(testCase["key"]))
                let call = { try key.signJwt(claimsJson: testCase["claims_json"] as? String ?? "", now: testCase["now"] as? Int64 ?? 0) }
                if let error = expect["error"] as? String {
                    XCTAssertEqual(code { _ = try call() }, error)
                } else {
                    XCTAssertEqual(try call().signedJwt(), expect["signed_jwt"] as? String, "\(testCase["name"]!)")
                }
            default:
                continue
            }
            ran += 1
        }
        XCTAssertGreaterThanOrEqual(ran, 10)
    }

    func testVerification() throws {
        var ran = 0
        for testCase in try Vectors.cases("verify.json") {
            let rules = testCase["validation"] as? [String: Any] ?? [:]
            guard Set(rules.keys).isSubset(of: ["audiences", "issuers", "leeway", "max_lifetime"]) else { continue }
            let expect = testCase["expect"] as? [String: Any] ?? [:]
            let options = VerifyOptions(
                audiences: rules["audiences"] as? [String] ?? [], issuers: rules["issuers"] as? [String] ?? [],
                leewaySecs: rules["leeway"] as? UInt64, maxLifetimeSecs: rules["max_lifetime"] as? UInt64,
                now: testCase["now"] as? Int64 ?? 0)
            let keys = try Vectors.text(testCase["keys"])
            let call = { try verify(token: testCase["token"] as? String ?? "", keys: keys, options: options) }
            if let error = expect["error"] as? String {
                XCTAssertEqual(code { _ = try call() }, error, "\(testCase["name"]!)")
            } else {
                let claims = try JSONSerialization.jsonObject(with: Data(try call().utf8)) as? NSDictionary
                XCTAssertEqual(claims, expect["claims"] as? NSDictionary, "\(testCase["name"]!)")
            }
            ran += 1
        }
        XCTAssertGreaterThanOrEqual(ran, 100)
    }

    func testEveryConversationStepByStep() throws {
        let cases = try Vectors.cases("flows.json")
        for testCase in cases {
            let name = testCase["name"] as? String ?? "?"
            let spec = try Vectors.json(try Vectors.inlined(testCase["flow"] ?? [String: Any]()))
            if let expected = testCase["construct_error"] as? String {
                XCTAssertEqual(code { _ = try conformanceFlow(specJson: spec) }, expected, name)
                continue
            }
            try replay(name, try conformanceFlow(specJson: spec), testCase["steps"] as? [[String: Any]] ?? [])
        }
        XCTAssertGreaterThanOrEqual(cases.count, 90)
    }

    /// Polls at each step's `now` and checks what comes out: the exact request
    /// (its time limit included), sign request, wait, result, or error (its
    /// code, status and retryability), feeding back what the step says.
    private func replay(_ name: String, _ conversation: Conversation, _ steps: [[String: Any]]) throws {
        for (index, step) in steps.enumerated() {
            let expect = step["expect"] as? [String: Any] ?? [:]
            let place = "\(name), step \(index)"
            let now = (step["now"] as? NSNumber)?.int64Value ?? 0
            if let error = expect["error"] as? [String: Any] {
                do {
                    _ = try conversation.poll(now: now)
                    XCTFail("\(place): expected an error")
                } catch let failure as CredmintError {
                    XCTAssertEqual(failure.code, error["code"] as? String, place)
                    if let retryable = error["retryable"] as? Bool { XCTAssertEqual(failure.retryable, retryable, place) }
                    if let status = error["status"] as? Int { XCTAssertEqual(failure.status, status, place) }
                }
                continue
            }
            switch try conversation.poll(now: now) {
            case .send(let request):
                let want = expect["send"] as? [String: Any] ?? [:]
                XCTAssertEqual(request.method(), want["method"] as? String, place)
                XCTAssertEqual(request.url(), want["url"] as? String, place)
                XCTAssertEqual(request.headers(), Vectors.flattened(want["headers"]), place)
                XCTAssertEqual(String(decoding: request.body(), as: UTF8.self), want["body"] as? String, place)
                XCTAssertEqual(request.timeoutMillis(), (want["timeout_millis"] as? NSNumber)?.uint64Value, place)
                if let answer = step["respond"] as? [String: Any] {
                    try conversation.feedResponse(
                        status: UInt16(answer["status"] as? Int ?? 0), headers: Vectors.flattened(answer["headers"]),
                        body: Data((answer["body"] as? String ?? "").utf8))
                } else if let reason = step["transport_error"] as? String {
                    try conversation.feedTransportError(reason: reason)
                }
            case .sign(let keyId, let payload):
                let want = expect["sign"] as? [String: Any] ?? [:]
                XCTAssertEqual(keyId, want["key_id"] as? String, place)
                XCTAssertEqual(String(decoding: payload, as: UTF8.self), want["payload"] as? String, place)
                try conversation.feedSignature(signature: Vectors.fromBase64Url(step["signature_b64url"] as? String ?? ""))
            case .wait(let until):
                XCTAssertEqual(until, (expect["wait"] as? NSNumber)?.int64Value, place)
            case .done(let output):
                guard case .json(let json) = output else { return XCTFail("\(place): \(output)") }
                let got = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? NSObject
                XCTAssertEqual(got, expect["done"] as? NSObject, place)
            }
        }
    }
}
