import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Kite
import KiteServer
import Logging

/// A directory removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "kite-serve-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// An index of a few report items, as the bundled corpus has them.
func makeIndex(in directory: TemporaryDirectory) throws -> String {
    let path = directory.path + "/index"
    let writer = try IndexWriter(at: path)
    let documents: [(String, [String: String])] = [
        ("2023Q3/59/2", ["title": "在升规纳统部门合作机制上开新局", "body": "市政府印发高质量升规纳统工作实施方案，建立纳统工作机制。",
                         "department": "市统计局", "period": "2023Q3"]),
        ("2024/1/1", ["title": "发展新质生产力", "body": "因地制宜发展新质生产力，推动高质量发展。", "department": "市发改委", "period": "2024"]),
        ("2026-02/3/1", ["title": "培育新质生产力", "body": "以科技创新引领新质生产力发展。", "province": "上海", "period": "2026-02"]),
        ("a/note.txt", ["title": "笔记", "body": "没有时期的文档，也谈新质生产力。"]),
    ]
    for (id, fields) in documents { try writer.add(Document(id: id, fields: fields)) }
    try writer.commit()
    writer.close()
    return path
}

/// A response as the client saw it.
struct HTTPResult {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: body) }

    /// The message of a JSON error body.
    var errorMessage: String? {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]).flatMap { $0["error"] as? [String: Any] }?["message"] as? String
    }
}

/// A `KiteServer` listening on a free loopback port for one test, driven over real sockets.
final class TestServer: Sendable {
    let port: Int
    let server: KiteServer
    private let task: Task<Void, any Error>

    /// Starts a server for `configuration` (its port replaced by 0: any free one).
    static func start(_ configuration: ServerConfiguration) async throws -> TestServer {
        var configuration = configuration
        configuration.port = 0
        let server = try KiteServer(configuration: configuration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let task = Task {
            defer { continuation.finish() }  // a server that fails before listening ends the wait below
            try await server.run(logger: logger) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = try await task.value
            throw CancellationError()
        }
        return TestServer(port: port, server: server, task: task)
    }

    private init(port: Int, server: KiteServer, task: Task<Void, any Error>) {
        (self.port, self.server, self.task) = (port, server, task)
    }

    /// Stops the server and waits until it has.
    func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// Sends a request; `target` is the path and query, already percent-encoded.
    func request(_ method: String, _ target: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(target)")!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (k, v) in http.allHeaderFields { fields[String(describing: k).lowercased()] = String(describing: v) }
        return HTTPResult(status: http.statusCode, headers: fields, body: data)
    }

    func get(_ target: String) async throws -> HTTPResult { try await request("GET", target) }
}

/// `text` percent-encoded for a query value or a path segment.
func encoded(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
}

/// Runs `body` against a server for `configuration`, and stops the server after it, also when it throws.
func withServer<T>(_ configuration: ServerConfiguration, _ body: (TestServer) async throws -> T) async throws -> T {
    let server = try await TestServer.start(configuration)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
