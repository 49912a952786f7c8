import Foundation
import Kite
import KiteServer
import Testing

/// The write routes: documents in as `kite index` reads them, visible after a commit, all or nothing per request.
@Suite struct WriteAPITests {
    static let auth = ["Authorization": "Bearer t0ken"]

    func post(_ server: TestServer, _ body: String, type: String, commit: Bool = false) async throws -> HTTPResult {
        try await server.request("POST", "/documents" + (commit ? "?commit=true" : ""), body: Data(body.utf8),
                                 headers: Self.auth.merging(["Content-Type": type]) { a, _ in a })
    }

    func total(_ server: TestServer, _ query: String) async throws -> Int {
        try await server.get("/search?q=\(encoded(query))&match=exact").decode(SearchResponse.self).totalHits
    }

    @Test func documentsPostedAsJSONArrayOrLinesAreSearchableAfterTheCommit() async throws {
        let dir = TemporaryDirectory()
        let config = ServerConfiguration(indexPaths: [try makeIndex(in: dir)], writeToken: "t0ken")
        try await withServer(config) { server in
            let object = """
                {
                  "id": "n1",
                  "title": "低空经济",
                  "body": "发展低空经济，\\n培育新动能。",
                  "period": "2025q1"
                }
                """
            let added = try await post(server, object, type: "application/json")
            #expect(added.status == 200 && added.text.contains("\"added\":1") && added.text.contains("\"committed\":false"))
            #expect(try await total(server, "低空经济") == 0, "not searchable before the commit")
            let array = #"[{"id": "n2", "body": "低空经济示范区"}, {"id": "n3", "body": "无关"}]"#
            #expect(try await post(server, array, type: "application/json; charset=utf-8").text.contains("\"added\":2"))
            let lines = "{\"id\": \"n4\", \"body\": \"低空经济产业园\"}\n\n{\"id\": 5, \"body\": \"低空经济\"}\n"
            #expect(try await post(server, lines, type: "application/x-ndjson").text.contains("\"added\":2"))
            let commit = try await server.request("POST", "/commit", headers: Self.auth)
            #expect(commit.status == 200 && commit.text.contains("\"documents\":9"))
            #expect(try await total(server, "低空经济") == 4)
            let document = try await server.get("/documents/n1").text
            #expect(document.contains("\"period\":\"2025Q1\"") && document.contains("发展低空经济，\\n培育新动能。"))
            #expect(try await server.get("/documents/5").status == 200, "a numeric id is read as kite index reads it")
        }
    }

    @Test func aBodyWithOneBadDocumentAddsNothingAndNamesTheLine() async throws {
        let dir = TemporaryDirectory()
        let path = try makeIndex(in: dir)
        try await withServer(ServerConfiguration(indexPaths: [path], writeToken: "t0ken")) { server in
            let lines = "{\"id\": \"ok\", \"body\": \"好\"}\n{\"title\": \"no id\"}\n{\"id\": \"x\", \"body\": \"unterminated}\n"
            let result = try await post(server, lines, type: "application/x-ndjson", commit: true)
            #expect(result.status == 400 && result.errorMessage == "2 document(s) could not be read; nothing was added")
            #expect(result.text.contains("body:2:") && result.text.contains("body:3:"))
            let unsupported = try await post(server, "id,body", type: "text/csv")
            #expect(unsupported.status == 415)
            let unclosed = try await post(server, #"[{"id": "a", "body": "b"}"#, type: "application/json")
            #expect(unclosed.status == 400 && unclosed.errorMessage == "the JSON array is not closed")
            #expect(try await server.request("POST", "/commit", headers: Self.auth).text.contains("\"documents\":4"))
        }
        #expect(try IndexReader(at: path).documentCount == 4)
    }

    @Test func aLongDocumentBecomesPassagesThatOneDeleteRemoves() async throws {
        let dir = TemporaryDirectory()
        try await withServer(ServerConfiguration(indexPaths: [try makeIndex(in: dir)], writeToken: "t0ken")) { server in
            let paragraph = String(repeating: "全面推进乡村振兴，加快建设农业强国。", count: 60) + "\\n"
            let body = "{\"id\": \"long\", \"title\": \"长报告\", \"body\": \"" + String(repeating: paragraph, count: 8) + "\"}"
            let added = try await post(server, body, type: "application/json", commit: true)
            #expect(added.text.contains("\"added\":1") && added.text.contains("\"committed\":true"))
            let document = try await server.get("/documents/long?q=\(encoded("乡村振兴"))")
            let object = try #require(try JSONSerialization.jsonObject(with: document.body) as? [String: Any])
            let passages = try #require(object["passages"] as? [[String: Any]])
            #expect(passages.count > 1)
            #expect(passages.map { $0["id"] as? String } == (1...passages.count).map { "long#\($0)" })
            #expect(passages.allSatisfy { (($0["highlights"] as? [String: Any])?["body"] as? [Any])?.isEmpty == false })
            #expect(try await total(server, "乡村振兴") == 1, "one document, however many passages")
            let deleted = try await server.request("DELETE", "/documents/long?commit=true", headers: Self.auth)
            #expect(deleted.status == 200 && deleted.text.contains("\"deleted\":true"))
            #expect(try await total(server, "乡村振兴") == 0)
            #expect(try await server.get("/documents/long").status == 404)
            #expect(try await server.request("DELETE", "/documents/long", headers: Self.auth).status == 404)
        }
    }

    @Test func searchesSwitchToAnotherProcesssCommitWithoutARestart() async throws {
        let dir = TemporaryDirectory()
        let path = try makeIndex(in: dir)
        try await withServer(ServerConfiguration(indexPaths: [path], refreshMilliseconds: 20)) { server in
            #expect(try await total(server, "碳达峰") == 0)
            let writer = try IndexWriter(at: path)
            try writer.add(Document(id: "c1", fields: ["body": "碳达峰碳中和"]))
            try writer.commit()
            writer.close()
            var seen = 0
            for _ in 0..<500 where seen == 0 {
                seen = try await total(server, "碳达峰")
                if seen == 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(seen == 1)
        }
    }

    @Test func searchesUnderWayKeepAnsweringWhileTheServerCommits() async throws {
        let dir = TemporaryDirectory()
        try await withServer(ServerConfiguration(indexPaths: [try makeIndex(in: dir)], writeToken: "t0ken")) { server in
            try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var totals: [Int] = []
                        for _ in 0..<15 { totals.append(try await self.total(server, "绿色")) }
                        return totals
                    }
                }
                group.addTask {
                    for i in 0..<10 {
                        let r = try await self.post(server, "{\"id\": \"g\(i)\", \"body\": \"绿色发展\"}", type: "application/json", commit: true)
                        #expect(r.status == 200)
                    }
                    return []
                }
                for try await totals in group {
                    #expect(zip(totals, totals.dropFirst()).allSatisfy { $0 <= $1 }, "a commit never goes backwards: \(totals)")
                    #expect(totals.allSatisfy { (0...10).contains($0) })
                }
            }
            #expect(try await total(server, "绿色") == 10)
        }
    }
}
