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
                leewaySecs: rules["leeway"] as? UInt64 ?? 60, maxLifetimeSecs: rules["max_lifetime"] as? UInt64,
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
}
