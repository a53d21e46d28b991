// Shared test support: the conformance vectors and `credmint serve`.
import Foundation
import XCTest
@testable import Credmint

enum Vectors {
    /// tests/vectors, found from this file (or CREDMINT_VECTORS).
    static let dir: URL = {
        if let path = ProcessInfo.processInfo.environment["CREDMINT_VECTORS"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../../tests/vectors").standardized
    }()

    static func cases(_ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: dir.appendingPathComponent(name))
        let file = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return file?["cases"] as? [[String: Any]] ?? []
    }

    /// The text a `{"file": …}` or `{"text": …}` reference names.
    static func text(_ reference: Any?) throws -> String {
        let reference = reference as? [String: Any] ?? [:]
        if let file = reference["file"] as? String {
            return try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
        }
        return reference["text"] as? String ?? ""
    }

    /// Replaces `{"file": …}` references by `{"text": …}` (the core reads no files).
    static func inlined(_ value: Any) throws -> Any {
        if let object = value as? [String: Any] {
            var out: [String: Any] = [:]
            for (name, item) in object {
                if name == "file", let file = item as? String {
                    out["text"] = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                } else {
                    out[name] = try inlined(item)
                }
            }
            return out
        }
        if let array = value as? [Any] { return try array.map { try inlined($0) } }
        return value
    }

    /// `[[name, value], …]` flattened as the bindings pass headers: `[name0, value0, …]`.
    static func flattened(_ pairs: Any?) -> [String] {
        (pairs as? [[String]] ?? []).flatMap { $0 }
    }

    /// Unpadded base64url, decoded.
    static func fromBase64Url(_ text: String) -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64) ?? Data()
    }

    /// A JSON value as the text a conformance flow takes.
    static func json(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
    }
}

/// The error code a call threw, or nil when it returned.
func code(of call: () throws -> Void) -> String? {
    do {
        try call()
        return nil
    } catch let error as CredmintError {
        return error.code
    } catch {
        return "not a CredmintError: \(error)"
    }
}

/// `credmint serve --port 0 --keys-dir DIR` as a child process (CREDMINT_BIN, else target/debug/credmint).
final class Emulator {
    static let ci = "ci-runner@demo-project.iam.gserviceaccount.com"
    static let signer = "storage-signer@demo-project.iam.gserviceaccount.com"
    static let deployer = "deployer@demo-project.iam.gserviceaccount.com"
    static let apiKey = "demo-ibm-apikey-0123456789"

    let base: String
    private let process: Process
    private let keys: URL

    init() throws {
        let root = Vectors.dir.appendingPathComponent("../..").standardized
        let binary = ProcessInfo.processInfo.environment["CREDMINT_BIN"]
            ?? root.appendingPathComponent("target/debug/credmint").path
        keys = FileManager.default.temporaryDirectory.appendingPathComponent("credmint-swift-\(UUID())")
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0", "--keys-dir", keys.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        base = String(decoding: line, as: UTF8.self)
    }

    func keyFile(_ name: String) throws -> String {
        try String(contentsOf: keys.appendingPathComponent("\(name).json"), encoding: .utf8)
    }

    func getText(_ path: String) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: base + path)!)
        return String(decoding: data, as: UTF8.self)
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: keys)
    }
}
