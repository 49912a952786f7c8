import Foundation
import Hummingbird
import KiteServer
import Testing

/// The checked-in OpenAPI document (served at /openapi.json) describes exactly the routes the server has, and the
/// answers have the shapes it gives.
@Suite struct OpenAPITests {
    static func document() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/KiteServer/openapi.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        let dir = TemporaryDirectory()
        let server = try KiteServer(configuration: ServerConfiguration(indexPaths: [try makeIndex(in: dir)]))
        let routed = Set(server.router().routes.map { route in
            "\(route.method.rawValue.lowercased()) " + route.path.description.replacingOccurrences(of: ":id", with: "{id}")
        })
        let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
        #expect(routed == documented)
    }

    /// A JSON value with its type kept (JSONSerialization's NSNumbers do not tell a boolean from a number).
    indirect enum JSON: Decodable, Equatable {
        case null, bool(Bool), number(Double), string(String), array([JSON]), object([String: JSON])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) } else if let t = try? c.decode(String.self) { self = .string(t) }
            else if let a = try? c.decode([JSON].self) { self = .array(a) } else { self = .object(try c.decode([String: JSON].self)) }
        }

        static func parse(_ data: Data) throws -> JSON { try JSONDecoder().decode(JSON.self, from: data) }
    }

    /// Checks `value` against `schema` (objects' required and known keys, arrays' items, scalars' types, `$ref`s),
    /// naming the first difference.
    static func check(_ value: JSON, _ schema: [String: Any], _ schemas: [String: [String: Any]], at path: String) -> String? {
        if let ref = schema["$ref"] as? String {
            return check(value, schemas[String(ref.split(separator: "/").last!)]!, schemas, at: path)
        }
        switch (schema["type"] as? String, value) {
        case ("object", .object(let object)):
            let required = Set(schema["required"] as? [String] ?? [])
            if let missing = required.subtracting(object.keys).sorted().first { return "\(path): no \(missing)" }
            let properties = schema["properties"] as? [String: [String: Any]]
            for (key, item) in object.sorted(by: { $0.key < $1.key }) {
                guard let itemSchema = properties?[key] ?? (schema["additionalProperties"] as? [String: Any]) else {
                    return "\(path): undocumented key \(key)"
                }
                if let problem = check(item, itemSchema, schemas, at: path + "." + key) { return problem }
            }
            return nil
        case ("array", .array(let array)):
            for (i, item) in array.enumerated() {
                if let problem = check(item, schema["items"] as! [String: Any], schemas, at: "\(path)[\(i)]") { return problem }
            }
            return nil
        case ("string", .string), ("boolean", .bool), ("number", .number): return nil
        case ("integer", .number(let n)): return n == n.rounded() ? nil : "\(path): not an integer"
        case (let type?, _): return "\(path): not \(type == "integer" ? "an" : "a") \(type)"
        case (nil, _): return "\(path): a schema without a type"
        }
    }

    @Test func theShapeCheckFindsAnUndocumentedKeyAndAWrongType() throws {
        let schemas = try #require((try Self.document()["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        let health = #"{"status": "ok", "generation": 1, "documents": 2, "writable": false"#
        func check(_ text: String) throws -> String? { Self.check(try JSON.parse(Data(text.utf8)), schemas["Health"]!, schemas, at: "Health") }
        #expect(try check(health + "}") == nil)
        #expect(try check(health + #", "extra": 1}"#) == "Health: undocumented key extra")
        #expect(try check(#"{"status": "ok", "generation": 1, "documents": 2, "writable": 1}"#) == "Health.writable: not a boolean")
    }

    @Test func answersHaveTheDocumentedShapes() async throws {
        let document = try Self.document()
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        let dir = TemporaryDirectory()
        let config = ServerConfiguration(indexPaths: [try makeIndex(in: dir)], writeToken: "t0ken")
        try await withServer(config) { server in
            let q = encoded("新质生产力")
            let answers: [(String, String, Int, String)] = [
                ("GET", "/search?q=\(q)&limit=3", 200, "SearchResponse"), ("GET", "/search?q=\(q)&match=any", 200, "SearchResponse"),
                ("GET", "/documents/\(encoded("2024/1/1"))?q=\(q)", 200, "DocumentResponse"), ("GET", "/stats", 200, "StatsResponse"),
                ("GET", "/periods", 200, "Periods"), ("GET", "/health", 200, "Health"), ("GET", "/search?q=(", 400, "Error"),
                ("POST", "/commit", 200, "WriteResponse"), ("DELETE", "/documents/nope", 404, "Error"),
            ]
            for (method, target, status, name) in answers {
                let result = try await server.request(method, target, headers: ["Authorization": "Bearer t0ken"])
                #expect(result.status == status, "\(target)")
                let value = try JSON.parse(result.body)
                #expect(Self.check(value, schemas[name]!, schemas, at: name) == nil, "\(target)")
            }
        }
    }
}
