import Foundation
import Kite
import KiteServer
import Testing

/// The read routes over a real socket, against what the library answers for the same index.
@Suite struct ReadAPITests {
    @Test func searchAnswersWhatKiteSearchJsonPrintsForTheSameQuery() async throws {
        let dir = TemporaryDirectory()
        let path = try makeIndex(in: dir)
        try await withServer(ServerConfiguration(indexPaths: [path])) { server in
            let result = try await server.get("/search?q=\(encoded("新质生产力"))&limit=2")
            #expect(result.status == 200)
            #expect(result.headers["content-type"] == "application/json; charset=utf-8")
            let response = try result.decode(SearchResponse.self)
            let reader = try IndexReader(at: path)
            let expected = SearchResponse(try reader.search("新质生产力", options: SearchOptions(limit: 2)), query: "新质生产力")
            #expect(response == expected)
            #expect(response.totalHits == 3)
            #expect(response.periods.map(\.period) == ["2024", "2026-02"])
            #expect(response.hits.count == 2)
        }
    }

    @Test func theFirstHitOfTheHeadlineQueryIsTheStatisticsBureauItemWithItsTermHighlighted() async throws {
        let dir = TemporaryDirectory()
        try await withServer(ServerConfiguration(indexPaths: [try makeIndex(in: dir)])) { server in
            let response = try await server.get("/search?q=\(encoded("升规纳统"))").decode(SearchResponse.self)
            #expect(response.totalHits == 1)
            let hit = try #require(response.hits.first)
            #expect(hit.id == "2023Q3/59/2" && hit.fields["department"] == "市统计局" && hit.match == "exact")
            let snippet = try #require(hit.snippet)
            let marked = snippet.highlights.map { Array(snippet.text.unicodeScalars)[$0.start..<$0.end] }.map { String(String.UnicodeScalarView($0)) }
            #expect(marked.joined().contains("升规"))
        }
    }

    @Test func periodFromToSortAndPagingNarrowAsTheCLIOptionsDo() async throws {
        let dir = TemporaryDirectory()
        try await withServer(ServerConfiguration(indexPaths: [try makeIndex(in: dir)])) { server in
            let q = encoded("新质生产力")
            let inPeriod = try await server.get("/search?q=\(q)&period=2026").decode(SearchResponse.self)
            #expect(inPeriod.totalHits == 1 && inPeriod.hits.map(\.id) == ["2026-02/3/1"])
            let range = try await server.get("/search?q=\(q)&from=2020&to=2024&match=exact").decode(SearchResponse.self)
            #expect(range.hits.map(\.id) == ["2024/1/1"])
            let newest = try await server.get("/search?q=\(q)&sort=newest&match=exact").decode(SearchResponse.self)
            #expect(newest.hits.map(\.id) == ["2026-02/3/1", "2024/1/1", "a/note.txt"])
            let second = try await server.get("/search?q=\(q)&sort=newest&limit=1&offset=1").decode(SearchResponse.self)
            #expect(second.hits.map(\.id) == ["2024/1/1"] && second.hits.first?.rank == 2)
            let spaced = try await server.get("/search?q=%E6%96%B0%E8%B4%A8+-%E7%A7%91%E6%8A%80").decode(SearchResponse.self)
            #expect(spaced.query == "新质 -科技", "+ is a space, as in a form")
            #expect(!spaced.hits.contains { $0.id == "2026-02/3/1" })
        }
    }

    @Test func aDocumentComesWithEveryMatchOfTheQueryMarkedAndIdsWithSlashesWork() async throws {
        let dir = TemporaryDirectory()
        try await withServer(ServerConfiguration(indexPaths: [try makeIndex(in: dir)])) { server in
            let result = try await server.get("/documents/\(encoded("a/note.txt"))?q=\(encoded("新质生产力"))")
            #expect(result.status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: result.body) as? [String: Any])
            let passages = try #require(object["passages"] as? [[String: Any]])
            #expect(object["id"] as? String == "a/note.txt" && passages.count == 1)
            let fields = try #require(passages[0]["fields"] as? [String: String])
            let spans = try #require((passages[0]["highlights"] as? [String: [[String: Int]]])?["body"])
            let scalars = Array(fields["body"]!.unicodeScalars)
            let marked = spans.map { String(String.UnicodeScalarView(scalars[$0["start"]!..<$0["end"]!])) }.joined()
            #expect(marked.contains("新质") && marked.contains("生产"))
            // A document the query does not match (a related one) gets the words it shares with the query marked.
            let related = try await server.get("/documents/\(encoded("2023Q3/59/2"))?q=\(encoded("新质生产力"))").text
            #expect(related.contains("\"highlights\":{\"title\":[{\"end\":14,\"start\":13,"), "新 of 开新局: \(related)")
            let missing = try await server.get("/documents/nope")
            #expect(missing.status == 404 && missing.errorMessage == "no document \"nope\"")
        }
    }

    @Test func statsHealthPeriodsPageAndOpenAPIAreServed() async throws {
        let dir = TemporaryDirectory()
        let path = try makeIndex(in: dir)
        try await withServer(ServerConfiguration(indexPaths: [path])) { server in
            #expect(try await server.get("/stats").decode(StatsResponse.self) == StatsResponse(try IndexReader(at: path)))
            let health = try await server.get("/health")
            #expect(health.status == 200 && health.text.contains("\"documents\":4") && health.text.contains("\"writable\":false"))
            #expect(try await server.get("/periods").text == "{\"periods\":[\"2023Q3\",\"2024\",\"2026-02\"]}\n")
            let page = try await server.get("/")
            #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8" && page.text.contains("<html"))
            for asset in ["/app.js", "/style.css"] { #expect(try await server.get(asset).status == 200) }
            let openapi = try await server.get("/openapi.json")
            #expect(openapi.status == 200)
            #expect(try JSONSerialization.jsonObject(with: openapi.body) is [String: Any])
        }
    }
}
