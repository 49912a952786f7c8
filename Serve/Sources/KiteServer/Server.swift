import Foundation
import Hummingbird
import Kite
import NIOCore
import Logging
import ServiceLifecycle

/// Kite over HTTP: the JSON API (`/search`, `/documents`, `/stats`, `/health`, `/openapi.json`; docs/serve.md) and
/// the search page at `/`.
public struct KiteServer: Sendable {
    /// How it runs.
    public let configuration: ServerConfiguration
    /// The index it serves.
    public let index: IndexService
    private let token: BearerToken?

    /// Opens the index (and its writer when ``ServerConfiguration/writeToken`` is set; an empty token is refused).
    public init(configuration: ServerConfiguration) throws(ServerError) {
        try configuration.validate()
        self.configuration = configuration
        if let text = configuration.writeToken {
            guard let token = BearerToken(text) else { throw .emptyToken }
            self.token = token
        } else {
            token = nil
        }
        do throws(KiteError) { index = try IndexService(paths: configuration.indexPaths, writable: token != nil) } catch { throw .index(error) }
    }

    /// The routes, behind the JSON error middleware.
    public func router() -> Router<KiteRequestContext> {
        let router = Router(context: KiteRequestContext.self)
        router.middlewares.add(JSONErrorMiddleware())
        PageRoutes.add(to: router)
        addReadRoutes(to: router)
        addWriteRoutes(to: router)
        return router
    }

    /// Serves until SIGINT or SIGTERM (graceful: requests under way finish); `onListening` hears the port bound
    /// (the one chosen when ``ServerConfiguration/port`` is 0).
    public func run(logger: Logger = Logger(label: "kite-serve"),
                    onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let refresh = RefreshService(index: index, interval: .milliseconds(configuration.refreshMilliseconds), logger: logger)
        let app = Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kite"),
            services: [refresh],
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
        try await app.runService()
    }

    private func addReadRoutes(to router: Router<KiteRequestContext>) {
        let index = self.index
        router.get("/health") { request, _ -> Response in
            _ = try QueryParameters(request.uri.query, allowed: [])
            let reader = index.reader
            return try JSONBody.response(Health(status: "ok", generation: reader.generation, documents: reader.documentCount,
                                                writable: index.isWritable))
        }
        router.get("/stats") { request, _ -> Response in
            _ = try QueryParameters(request.uri.query, allowed: [])
            return try JSONBody.response(StatsResponse(index.reader))
        }
        router.get("/periods") { request, _ -> Response in
            _ = try QueryParameters(request.uri.query, allowed: [])
            return try JSONBody.response(["periods": index.reader.values(ofKeyword: "period")])
        }
        router.get("/search") { request, _ -> Response in
            let reader = index.reader
            let asked = try SearchRoute.request(request.uri.query, reader: reader)
            return try JSONBody.response(try SearchRoute.respond(asked, reader: reader))
        }
        router.get("/documents/:id") { request, context -> Response in
            let p = try QueryParameters(request.uri.query, allowed: ["q", "text"])
            let id = try Self.documentID(context)
            let reader = index.reader
            var query: Query?
            if let q = p["q"] {
                do throws(KiteError) { query = try QueryParser(schema: reader.schema).parse(q) } catch { throw APIError(error) }
            }
            let textMatching = try p.choice("text", default: TextMatching.wordStart)
            guard let document = try DocumentResponse(id: id, reader: reader, query: query, textMatching: textMatching) else {
                throw APIError(.notFound, "no document \(id.debugDescription)")
            }
            return try JSONBody.response(document)
        }
    }

    private func addWriteRoutes(to router: Router<KiteRequestContext>) {
        let (index, token, limit) = (self.index, self.token, configuration.maxBodyBytes)
        let deadline = Duration.seconds(configuration.bodyTimeoutSeconds)
        @Sendable func authorize(_ request: Request) throws(APIError) {
            guard let token else {
                throw APIError(.forbidden, "this server is read-only (start it with --writable --token-file FILE)")
            }
            try token.authorize(request)
        }
        router.post("/documents") { request, context -> Response in
            try authorize(request)
            let commit = try Self.commitParameter(request)
            let body = try await Self.body(of: request, upTo: limit, within: deadline, closing: context.channel)
            let documents = try DocumentBody.documents(Array(body.readableBytesView), contentType: request.headers[.contentType])
            try index.add(documents)
            let given = documents.filter { PassageID.split($0.id).map { $0.number == 1 } ?? true }.count
            return try Self.written(index, added: given, commit: commit, logger: context.logger)
        }
        router.delete("/documents/:id") { request, context -> Response in
            try authorize(request)
            let commit = try Self.commitParameter(request)
            let id = try Self.documentID(context)
            if let passage = PassageID.split(id) {
                throw APIError(.badRequest, "\(id) is passage \(passage.number) of \(passage.document): delete \(passage.document)")
            }
            guard try index.delete(id: id) else { throw APIError(.notFound, "no document \(id.debugDescription)") }
            return try Self.written(index, deleted: true, commit: commit, logger: context.logger)
        }
        router.post("/commit") { request, context -> Response in
            try authorize(request)
            _ = try QueryParameters(request.uri.query, allowed: [])
            return try Self.written(index, commit: true, logger: context.logger)
        }
    }

    /// The whole body of `request`: 413 past `limit` bytes; 408, and `channel` closed just after, when it has not
    /// arrived within `deadline` (the idle timeout alone restarts with every byte a slow client sends, and the rest
    /// of an unread body would be waited for).
    private static func body(of request: Request, upTo limit: Int, within deadline: Duration,
                             closing channel: any Channel) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await request.body.collect(upTo: limit) }
            group.addTask { try await Task.sleep(for: deadline); return nil }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let body = first else {
                channel.eventLoop.scheduleTask(in: .milliseconds(200)) { channel.close(promise: nil) }
                var timeout = APIError(.requestTimeout, "the request body did not arrive within \(deadline)")
                timeout.headers[.connection] = "close"
                throw timeout
            }
            return body
        }
    }

    /// `?commit=true|false` of a write.
    private static func commitParameter(_ request: Request) throws(APIError) -> Bool {
        let p = try QueryParameters(request.uri.query, allowed: ["commit"])
        switch p["commit"] {
        case nil, "false": return false
        case "true": return true
        case let other?: throw APIError(.badRequest, "commit must be true or false, not \(other.debugDescription)")
        }
    }

    private static func written(_ index: IndexService, added: Int? = nil, deleted: Bool? = nil, commit: Bool,
                                logger: Logger) throws -> Response {
        if commit, let stale = try index.commit() {
            logger.error("committed, but searches stay on the previous commit: \(stale)")
        }
        let reader = index.reader
        return try JSONBody.response(WriteResponse(added: added, deleted: deleted, committed: commit,
                                                   generation: reader.generation, documents: reader.documentCount))
    }

    /// The `{id}` of a document route, percent-decoded (`a%2Fb.txt` is the id `a/b.txt`, `r%231` the passage `r#1`).
    private static func documentID(_ context: KiteRequestContext) throws(APIError) -> String {
        guard let raw = context.parameters.get("id"), let id = raw.removingPercentEncoding, !id.isEmpty else {
            throw APIError(.badRequest, "malformed document id")
        }
        return id
    }
}

/// `GET /health`.
struct Health: Codable, Hashable, Sendable {
    var status: String
    var generation: UInt64
    var documents: Int
    var writable: Bool
}

/// Why a server cannot start.
public enum ServerError: Error, CustomStringConvertible, Sendable {
    /// The token file holds no token.
    case emptyToken
    /// The index cannot be opened (or its writer, when writable).
    case index(KiteError)
    /// A setting out of range (``ServerConfiguration/validate()``).
    case configuration(String)

    /// One line for a person.
    public var description: String {
        switch self {
        case .emptyToken: return "the token file is empty"
        case .index(let error): return error.description
        case .configuration(let problem): return problem
        }
    }
}

/// Switches searches to commits that other processes make (`kite index` into the served index, say).
struct RefreshService: Service {
    let index: IndexService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                do {
                    if try index.refreshIfIdle() == true { logger.info("serving generation \(index.reader.generation)") }
                } catch {
                    logger.warning("cannot open the new commit: \(error)")
                }
            }
        }
    }
}
