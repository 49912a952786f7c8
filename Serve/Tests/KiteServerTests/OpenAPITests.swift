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

    /// Checks `value` against `schema` (objects' required and known keys, arrays' items, `$ref`s), naming the
    /// first difference.
    static func check(_ value: Any, _ schema: [String: Any], _ schemas: [String: [String: Any]], at path: String) -> String? {
        if let ref = schema["$ref"] as? String {
            return check(value, schemas[String(ref.split(separator: "/").last!)]!, schemas, at: path)
        }
        switch schema["type"] as? String {
        case "object":
            guard let object = value as? [String: Any] else { return "\(path): not an object" }
            let required = Set(schema["required"] as? [String] ?? [])
            if let missing = required.subtracting(object.keys).first { return "\(path): no \(missing)" }
            let properties = schema["properties"] as? [String: [String: Any]]
            for (key, item) in object {
                guard let itemSchema = properties?[key] ?? (schema["additionalProperties"] as? [String: Any]) else {
                    return "\(path): undocumented key \(key)"
                }
                if let problem = check(item, itemSchema, schemas, at: path + "." + key) { return problem }
            }
        case "array":
            guard let array = value as? [Any] else { return "\(path): not an array" }
            for (i, item) in array.enumerated() {
                if let problem = check(item, schema["items"] as! [String: Any], schemas, at: "\(path)[\(i)]") { return problem }
            }
        case "string": return value is String ? nil : "\(path): not a string"
        case "integer", "number": return value is NSNumber && !(value is Bool) || value is Int ? nil : "\(path): not a number"
        default: return nil
        }
        return nil
    }

    @Test func answersHaveTheDocumentedShapes() async throws {
        let document = try Self.document()
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        let dir = TemporaryDirectory()
        let config = ServerConfiguration(indexPaths: [try makeIndex(in: dir)], writeToken: "t0ken")
        try await withServer(config) { server in
            let q = encoded("新质生产力")
            let answers: [(String, String, String)] = [
                ("GET", "/search?q=\(q)&limit=3", "SearchResponse"), ("GET", "/search?q=\(q)&match=any", "SearchResponse"),
                ("GET", "/documents/\(encoded("2024/1/1"))?q=\(q)", "DocumentResponse"), ("GET", "/stats", "StatsResponse"),
                ("GET", "/periods", "Periods"), ("GET", "/health", "Health"), ("GET", "/search?q=(", "Error"),
                ("POST", "/commit", "WriteResponse"), ("DELETE", "/documents/nope", "Error"),
            ]
            for (method, target, name) in answers {
                let result = try await server.request(method, target, headers: ["Authorization": "Bearer t0ken"])
                let value = try JSONSerialization.jsonObject(with: result.body)
                #expect(Self.check(value, schemas[name]!, schemas, at: name) == nil, "\(target)")
            }
        }
    }
}
