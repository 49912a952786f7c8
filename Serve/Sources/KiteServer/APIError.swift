import Foundation
import Hummingbird
import Kite

/// A request the server refuses or could not answer: a status and a message, sent as the JSON error body every
/// failure has (`{"error": {"status": 400, "message": "…"}}`, plus `position` for a malformed query and `details`
/// for documents that could not be read).
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    /// The character offset of a query's problem.
    var position: Int?
    /// One line per problem (e.g. per unreadable document).
    var details: [String]?
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ message: String, position: Int? = nil, details: [String]? = nil) {
        (self.status, self.message, self.position, self.details) = (status, message, position, details)
    }

    /// The body: `{"error": {...}}`.
    struct Body: Codable {
        struct Detail: Codable {
            var status: Int
            var message: String
            var position: Int?
            var details: [String]?
        }
        var error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(error: .init(status: status.code, message: message, position: position, details: details))
        var response = try JSONBody.response(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    /// The error a library failure becomes: a bad query is the client's (400, with its position); anything else
    /// (a damaged or vanished file) is the server's (500), its message kept.
    init(_ error: KiteError) {
        switch error {
        case .badQuery(let message, let position):
            self.init(.badRequest, "bad query at \(position): \(message)", position: position)
        case .invalidDocument:
            self.init(.badRequest, error.description)
        case .indexLocked:
            self.init(.conflict, error.description)
        default:
            self.init(.internalServerError, error.description)
        }
    }
}

/// Turns every failure into the JSON error body: the routes' ``APIError``s, Hummingbird's own (no such route: 404;
/// a body over the limit: 413) and anything unexpected (500).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as KiteError {
            return try APIError(error).response(from: request, context: context)
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound ? "no such route: \(request.method) \(request.uri.path)"
                : error.status.reasonPhrase)
            var api = APIError(error.status, message)
            api.headers = error.headers
            return try api.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let message = error.status == .contentTooLarge ? "request body too large" : error.status.reasonPhrase
            return try APIError(error.status, message).response(from: request, context: context)
        } catch {
            context.logger.error("\(request.method) \(request.uri): \(error)")
            return try APIError(.internalServerError, "\(error)").response(from: request, context: context)
        }
    }
}

/// JSON bodies as every route writes them: sorted keys, UTF-8 as is, a final newline.
enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
