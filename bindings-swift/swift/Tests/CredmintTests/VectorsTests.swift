// The shared vectors through the Swift layer: the same keys, byte-identical
// signatures, the same verification errors, every scripted conversation and
// every cache decision.
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

    func testEveryCodeRaisesItsFamily() throws {
        for testCase in try Vectors.cases("errors.json") {
            let code = testCase["code"] as? String ?? "?"
            XCTAssertThrowsError(try conformanceError(code: code), code) { thrown in
                guard let error = thrown as? CredmintError else { return XCTFail("\(code): not a CredmintError") }
                XCTAssertEqual(error.code, code)
                XCTAssertEqual(error.family, testCase["family"] as? String, code)
                XCTAssertEqual(error.retryable, testCase["retryable"] as? Bool, code)
            }
        }
    }

    func testCacheDecisions() throws {
        let cases = try Vectors.cases("cache.json")
        for testCase in cases {
            let name = testCase["name"] as? String ?? "?"
            let number = { (value: Any?) in (value as? NSNumber)?.int64Value ?? 0 }
            let cache = TokenCache(
                style: testCase["policy"] as? String == "ibm" ? .ibm : .google,
                maxJitterSecs: (testCase["max_jitter_secs"] as? NSNumber)?.uint64Value,
                jitterSeed: (testCase["jitter_seed"] as? NSNumber)?.uint64Value)
            var generation: UInt64 = 0
            for op in testCase["ops"] as? [[String: Any]] ?? [] {
                let place = "\(name): \(op)"
                let check = { (lookup: CacheLookup) in
                    let shown: NSObject
                    switch lookup {
                    case .fresh(let token):
                        shown = ["fresh": Self.expiry(token)] as NSDictionary
                    case .refreshInBackground(let token):
                        shown = ["refresh_in_background": Self.expiry(token)] as NSDictionary
                    case .mustRefresh:
                        shown = "must_refresh" as NSString
                    case .waitForRefresh(let waitedFor):
                        XCTAssertEqual(waitedFor, cache.refreshGeneration(), place)
                        shown = "wait_for_refresh" as NSString
                    case .refreshFailed:
                        shown = "refresh_failed" as NSString
                    }
                    XCTAssertEqual(shown, op["expect"] as? NSObject, place)
                }
                switch op["op"] as? String {
                case "get":
                    check(cache.lookup(now: number(op["now"])))
                case "get_after_wait":
                    check(cache.lookupAfterWait(now: number(op["now"]), generation: generation))
                case "note_generation":
                    generation = cache.refreshGeneration()
                case "complete":
                    let obtained = number(op["obtained_at"])
                    let token = try AccessToken.bearer(
                        token: "t", now: obtained, ttlSecs: UInt64(number(op["expires_at"]) - obtained))
                    cache.complete(token: .access(token: token))
                case "fail":
                    cache.fail()
                case "invalidate":
                    cache.invalidate()
                case "refresh_at":
                    XCTAssertEqual(cache.refreshAt(), (op["expect"] as? NSNumber)?.int64Value, place)
                default:
                    XCTFail("unknown op \(place)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(cases.count, 2)
    }

    private static func expiry(_ token: Token) -> Int64 {
        switch token {
        case .access(let token): return token.expiresAt()
        case .id(let token): return token.expiresAt()
        }
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
            case .readFile(let path, let maxBytes):
                let want = expect["read_file"] as? [String: Any] ?? [:]
                XCTAssertEqual(path, want["path"] as? String, place)
                XCTAssertEqual(maxBytes, (want["max_bytes"] as? NSNumber)?.uint64Value, place)
                try conversation.feedHost(answer: hostAnswer(step["host"]))
            case .readEnv(let name):
                XCTAssertEqual(name, expect["read_env"] as? String, place)
                try conversation.feedHost(answer: hostAnswer(step["host"]))
            case .run(let run):
                let want = expect["run"] as? [String: Any] ?? [:]
                XCTAssertEqual(run.program, want["program"] as? String, place)
                XCTAssertEqual(run.args, want["args"] as? [String], place)
                let env = (want["env"] as? [[String]] ?? []).reduce(into: [String: String]()) { $0[$1[0]] = $1[1] }
                XCTAssertEqual(run.env, env, place)
                XCTAssertEqual(run.timeoutMillis, (want["timeout_millis"] as? NSNumber)?.uint64Value, place)
                try conversation.feedHost(answer: hostAnswer(step["host"]))
            case .done(let output):
                guard case .json(let json) = output else { return XCTFail("\(place): \(output)") }
                let got = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? NSObject
                XCTAssertEqual(got, expect["done"] as? NSObject, place)
            }
        }
    }

    /// The vector's answer to a host step (`{"file": text}`, `{"env": value}`, `{"exited": …}`, …).
    private func hostAnswer(_ answer: Any?) -> HostAnswer {
        let (kind, value) = (answer as? [String: Any] ?? [:]).first ?? ("", NSNull())
        switch kind {
        case "file": return .file(contents: Data((value as? String ?? "").utf8))
        case "missing": return .fileMissing
        case "unreadable": return .fileUnreadable(reason: value as? String ?? "")
        case "env": return .env(value: value as? String)
        case "exited":
            let exited = value as? [String: Any] ?? [:]
            return .exited(status: Int32(exited["status"] as? Int ?? -1), stdout: Data((exited["stdout"] as? String ?? "").utf8))
        case "not_started": return .notStarted(reason: value as? String ?? "")
        default: return .timedOut
        }
    }
}
