// Token caches shared by many processes: the core's SharedRefresh steps
// answered with a TokenStore. Every key, value, expiry, wait and timeout is
// the core's; a store only gets, sets and deletes.
import Foundation

/// A store shared by the processes that should share tokens. Over Redis:
/// `GET key`; `SET key value NX PX ttl` for `setIfAbsent`; `SET key value PX ttl`;
/// and for `deleteIfEquals` the script
/// `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`.
/// Each call is abandoned after the core's store timeout and then counts as the
/// store being down: callers keep their in-process cache and go on.
public protocol TokenStore: Sendable {
    /// The application's cache secret (32 random bytes or more), the same in every process.
    var secret: Data { get }
    /// The core's `SharedCacheOptions` as JSON, or `nil` for its defaults.
    var optionsJson: String? { get }
    /// The value at `key`, or `nil`.
    func get(key: String) async throws -> String?
    /// Stores `value` at `key` only if absent, expiring after `ttlMillis`; whether it stored.
    func setIfAbsent(key: String, value: String, ttlMillis: UInt64) async throws -> Bool
    /// Stores `value` at `key`, expiring after `ttlMillis`.
    func set(key: String, value: String, ttlMillis: UInt64) async throws
    /// Deletes `key` only if it holds `value`.
    func deleteIfEquals(key: String, value: String) async throws
}

/// Keys with expiry in this process's memory: for tests, and for credentials objects of one process.
public final class MemoryTokenStore: TokenStore, @unchecked Sendable, CustomStringConvertible {
    public let secret: Data
    public let optionsJson: String?
    private var values: [String: (String, Date)] = [:]
    private let lock = NSLock()

    public init(secret: Data, optionsJson: String? = nil) {
        self.secret = secret
        self.optionsJson = optionsJson
    }

    private func live(_ key: String) -> String? {
        guard let (value, until) = values[key] else { return nil }
        if until <= Date() {
            values[key] = nil
            return nil
        }
        return value
    }

    public func get(key: String) async throws -> String? { lock.withLock { live(key) } }

    public func setIfAbsent(key: String, value: String, ttlMillis: UInt64) async throws -> Bool {
        lock.withLock {
            if live(key) != nil { return false }
            values[key] = (value, Date().addingTimeInterval(Double(ttlMillis) / 1000))
            return true
        }
    }

    public func set(key: String, value: String, ttlMillis: UInt64) async throws {
        lock.withLock { values[key] = (value, Date().addingTimeInterval(Double(ttlMillis) / 1000)) }
    }

    public func deleteIfEquals(key: String, value: String) async throws {
        lock.withLock { if live(key) == value { values[key] = nil } }
    }

    public var description: String { "MemoryTokenStore([redacted])" }
}

private struct StoreTimedOut: Error {}

/// `call`, or `StoreTimedOut` once `millis` (the core's store timeout) have passed.
private func bounded<T: Sendable>(_ millis: UInt64, _ call: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await call() }
        group.addTask {
            try await Task.sleep(nanoseconds: millis * 1_000_000)
            throw StoreTimedOut()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw StoreTimedOut() }
        return first
    }
}

private enum Answer<T> {
    case ok(T)
    case failed
}

/// A store call within the core's timeout: its answer, or `.failed` (an error or the timeout).
private func attempt<T: Sendable>(_ millis: UInt64, _ call: @escaping @Sendable () async throws -> T) async -> Answer<T> {
    do {
        return .ok(try await bounded(millis, call))
    } catch {
        return .failed
    }
}

/// One credential's shared cache (access tokens, or one audience's ID tokens).
final class SharedTokens: @unchecked Sendable {
    private let store: TokenStore
    private let cache: SharedCache

    init(store: TokenStore, core: CoreCredentials, audience: String?) throws {
        self.store = store
        cache = try SharedCache(secret: store.secret, credentials: core, audience: audience, optionsJson: store.optionsJson)
    }

    /// A token and its refresh time, from the store or from `refresh` (the credential's own conversation).
    func refresh(_ clock: Clock, current: Token?, _ refresh: () async throws -> Token) async throws -> (Token, Int64) {
        let machine = cache.refresh(now: clock.now(), current: current)
        let store = self.store
        var failure: Error?
        while true {
            switch try machine.poll(now: clock.now()) {
            case .done(let entry, _):
                return (entry.token, entry.refreshAt)
            case .failed:
                throw failure ?? CredmintError.InvalidArgument(code: "invalid_argument", detail: "a failed refresh without its error")
            case .wait(let millis):
                try await Task.sleep(nanoseconds: millis * 1_000_000)
            case .refresh:
                do {
                    try machine.feedToken(token: try await refresh())
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    failure = error
                    try machine.feedRefreshFailed()
                }
            case .get(let key, let timeout):
                switch await attempt(timeout, { try await store.get(key: key) }) {
                case .ok(let value): try machine.feedValue(value: value)
                case .failed: try machine.feedStoreError() // the store's words are not repeated
                }
            case .setIfAbsent(let key, let value, let ttl, let timeout):
                switch await attempt(timeout, { try await store.setIfAbsent(key: key, value: value, ttlMillis: ttl) }) {
                case .ok(let stored): try machine.feedSet(stored: stored)
                case .failed: try machine.feedStoreError()
                }
            case .set(let key, let value, let ttl, let timeout):
                switch await attempt(timeout, { try await store.set(key: key, value: value, ttlMillis: ttl) }) {
                case .ok: try machine.feedOk()
                case .failed: try machine.feedStoreError()
                }
            case .deleteIfEquals(let key, let value, let timeout):
                switch await attempt(timeout, { try await store.deleteIfEquals(key: key, value: value) }) {
                case .ok: try machine.feedOk()
                case .failed: try machine.feedStoreError()
                }
            }
        }
    }
}
