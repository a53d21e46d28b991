// HTTP and time for the core's conversations. A transport only moves bytes;
// every protocol rule (retries, limits, error envelopes) is the core's.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What came back from a server. Its description never shows the body.
public final class HttpAnswer: CustomStringConvertible, CustomDebugStringConvertible, @unchecked Sendable {
    public let status: Int
    /// Header names and values, in order.
    public let headers: [(String, String)]
    public let body: Data

    public init(status: Int, headers: [(String, String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var description: String { "HttpAnswer(\(status), \(body.count) bytes)" }
    public var debugDescription: String { description }
}

/// Sends one request; throws when no answer came (the core decides whether to retry).
/// Apply the request's own time limit, `timeoutMillis()` (the core's: connect, send and
/// read the whole answer); `drive` gives up on a call still running past it either way.
public protocol Transport: Sendable {
    func send(_ request: HttpRequest) async throws -> HttpAnswer
}

/// Unix seconds now; injectable for tests.
public protocol Clock: Sendable {
    func now() -> Int64
}

/// The system clock.
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}

/// `URLSession`, never following redirects, refusing bodies over the core's limit.
/// Each request's `timeoutInterval` is its own time limit (the core's); `drive`
/// cancels the request once that has passed since the start.
public final class URLSessionTransport: NSObject, Transport, URLSessionTaskDelegate, @unchecked Sendable {
    private lazy var session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        return URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }()

    public override init() {
        super.init()
    }

    public func send(_ request: HttpRequest) async throws -> HttpAnswer {
        guard let url = URL(string: request.url()) else { throw URLError(.badURL) }
        var urlRequest = URLRequest(url: url)
        // URLSession's interval bounds each wait for data, not the whole exchange.
        urlRequest.timeoutInterval = TimeInterval(request.timeoutMillis()) / 1000
        urlRequest.httpMethod = request.method()
        let headers = request.headers()
        for index in stride(from: 0, to: headers.count - 1, by: 2) {
            urlRequest.setValue(headers[index + 1], forHTTPHeaderField: headers[index])
        }
        let body = request.body()
        if !body.isEmpty { urlRequest.httpBody = body }
        let (data, response) = try await session.data(for: urlRequest)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        let answerHeaders = http.allHeaderFields.compactMap { name, value -> (String, String)? in
            guard let name = name as? String else { return nil }
            return (name, "\(value)")
        }
        // The core refuses a body over its limit; one byte more is enough to tell.
        let limit = Int(maxResponseBody()) + 1
        return HttpAnswer(status: http.statusCode, headers: answerHeaders, body: data.prefix(limit))
    }

    /// Redirects are not followed: the redirect response goes back to the core.
    public func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
