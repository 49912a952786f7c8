import Foundation
import Kite
import KiteServer
import Testing

/// Bad requests get a 4xx with a JSON message, and the server keeps serving.
@Suite struct ErrorTests {
    @Test func aMalformedQueryIs400WithTheParsersPosition() async throws {
        let dir = TemporaryDirectory()
        try await withServer(ServerConfiguration(indexPaths: [try makeIndex(in: dir)])) { server in
            let result = try await server.get("/search?q=\(encoded("发展 AND"))")
            #expect(result.status == 400)
            let object = try #require(try JSONSerialization.jsonObject(with: result.body) as? [String: [String: Any]])
            var expected = -1
            do throws(KiteError) { _ = try QueryParser().parse("发展 AND") } catch { if case .badQuery(_, let p) = error { expected = p } }
            #expect(expected >= 0 && object["error"]?["position"] as? Int == expected)
            #expect(result.errorMessage?.hasPrefix("bad query at \(expected):") == true)
            #expect(try await server.get("/search?q=\(encoded("发展"))").status == 200, "still serving")
        }
    }

    @Test func unknownRepeatedOrOutOfRangeParametersAre400NamingTheParameter() async throws {
        let dir = TemporaryDirectory()
        try await withServer(ServerConfiguration(indexPaths: [try makeIndex(in: dir)])) { server in
            let cases: [(String, String)] = [
                ("/search?q=x&lmit=5", "unknown parameter \"lmit\""),
                ("/search?q=x&limit=5&limit=6", "parameter limit given more than once"),
                ("/search?q=x&limit=-1", "limit must be an integer from 0 to 1000"),
                ("/search?q=x&offset=9995&limit=10", "offset + limit must be at most 10000"),
                ("/search?q=x&match=fuzzy", "match must be one of exact, related, any"),
                ("/search?q=x&period=2023&from=2020", "period excludes from and to"),
                ("/search?limit=3", "give a query"),
                ("/search?q=%E6%96", "malformed percent-escape"),
                ("/stats?verbose=1", "unknown parameter \"verbose\""),
            ]
            for (target, message) in cases {
                let result = try await server.get(target)
                #expect(result.status == 400, "\(target)")
                #expect(result.errorMessage?.hasPrefix(message) == true, "\(target): \(result.text)")
            }
        }
    }

    @Test func anUnknownRouteIs404AndEveryErrorBodyIsJSON() async throws {
        let dir = TemporaryDirectory()
        try await withServer(ServerConfiguration(indexPaths: [try makeIndex(in: dir)])) { server in
            let result = try await server.get("/nope")
            #expect(result.status == 404 && result.errorMessage == "no such route: GET /nope")
            #expect(result.headers["content-type"] == "application/json; charset=utf-8")
        }
    }

    @Test func writesToAReadOnlyServerAre403AndChangeNothing() async throws {
        let dir = TemporaryDirectory()
        let path = try makeIndex(in: dir)
        try await withServer(ServerConfiguration(indexPaths: [path])) { server in
            let body = Data(#"{"id": "x", "body": "新文档"}"#.utf8)
            let post = try await server.request("POST", "/documents", body: body, headers: ["Content-Type": "application/json"])
            #expect(post.status == 403 && post.errorMessage?.contains("read-only") == true)
            #expect(try await server.request("DELETE", "/documents/\(encoded("2024/1/1"))").status == 403)
            #expect(try await server.request("POST", "/commit").status == 403)
        }
        #expect(try IndexReader(at: path).documentCount == 4)
    }

    @Test func aMissingOrWrongTokenIs401WithABearerChallenge() async throws {
        let dir = TemporaryDirectory()
        let config = ServerConfiguration(indexPaths: [try makeIndex(in: dir)], writeToken: "s3cret-token\n")
        try await withServer(config) { server in
            let none = try await server.request("POST", "/commit")
            #expect(none.status == 401 && none.headers["www-authenticate"] == "Bearer")
            let wrong = try await server.request("POST", "/commit", headers: ["Authorization": "Bearer s3cret-tokeX"])
            #expect(wrong.status == 401 && wrong.errorMessage == "wrong bearer token")
            let longer = try await server.request("POST", "/commit", headers: ["Authorization": "Bearer s3cret-token2"])
            #expect(longer.status == 401)
            let right = try await server.request("POST", "/commit", headers: ["Authorization": "Bearer s3cret-token"])
            #expect(right.status == 200, "the token file's newline is not part of the token")
        }
    }

    @Test func anEmptyTokenIsRefusedAtStart() throws {
        let dir = TemporaryDirectory()
        #expect(throws: ServerError.self) {
            _ = try KiteServer(configuration: ServerConfiguration(indexPaths: [try makeIndex(in: dir)], writeToken: " \n"))
        }
    }

    @Test func settingsOutOfRangeAreRefusedAtStartNotATrapLater() throws {
        let dir = TemporaryDirectory()
        let path = try makeIndex(in: dir)
        for config in [ServerConfiguration(indexPaths: [path], idleTimeoutSeconds: Int.max),
                       ServerConfiguration(indexPaths: [path], refreshMilliseconds: 0),
                       ServerConfiguration(indexPaths: [path], port: 70_000)] {
            #expect(throws: ServerError.self) { _ = try KiteServer(configuration: config) }
        }
    }

    @Test func aBodyOverTheLimitIs413AndNothingIsAdded() async throws {
        let dir = TemporaryDirectory()
        let path = try makeIndex(in: dir)
        let config = ServerConfiguration(indexPaths: [path], writeToken: "t0ken", maxBodyBytes: 1000)
        try await withServer(config) { server in
            let big = Data(("{\"id\": \"big\", \"body\": \"" + String(repeating: "长", count: 2000) + "\"}").utf8)
            let result = try await server.request("POST", "/documents?commit=true", body: big,
                                                  headers: ["Content-Type": "application/json", "Authorization": "Bearer t0ken"])
            #expect(result.status == 413 && result.errorMessage == "request body too large")
        }
        #expect(try IndexReader(at: path).documentCount == 4)
    }
}
