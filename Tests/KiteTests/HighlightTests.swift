import Kite
import Testing

/// A matching hit marks where the query matches (its chunks, by the matching rule); a related one marks the words it
/// shares with the query.
@Suite struct HighlightTests {
    static let text = "因地制宜发展新质生产力，推动高质量发展。提质增效，着力稳就业。"

    /// The substrings of `text` that `ranges` mark.
    static func marked(_ ranges: [Range<Int>]?, in text: String) -> [String] {
        let bytes = Array(text.utf8)
        return (ranges ?? []).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    static func reader(_ dir: TemporaryDirectory, _ documents: [Document]) throws -> IndexReader {
        let writer = try IndexWriter(at: dir.path)
        for d in documents { try writer.add(d) }
        try writer.commit()
        writer.close()
        return try IndexReader(at: dir.path)
    }

    @Test func aMatchingHitMarksTheTermWholeNotItsCharactersElsewhere() throws {
        let dir = TemporaryDirectory()
        let r = try Self.reader(dir, [Document(id: "a", fields: ["title": "新质生产力", "body": Self.text])])
        let hit = try #require(try r.search("新质生产力", options: SearchOptions(match: .exact)).hits.first)
        #expect(Self.marked(hit.highlights["body"], in: Self.text) == ["新质生产力"])
        #expect(Self.marked(hit.highlights["title"], in: "新质生产力") == ["新质生产力"])
        let terms = try r.highlights(of: .text("新质生产力", field: nil), in: ["body": Self.text], marking: .terms)
        #expect(Self.marked(terms["body"], in: Self.text).count > 1, "the terms also mark stray 质 and 力: \(terms)")
    }

    @Test func aChunkThatEndsInsideAWordMarksOnlyItsOwnCharacters() throws {
        let dir = TemporaryDirectory()
        let body = "今年发行专项债券一千亿元，地方债务风险可控。"
        let r = try Self.reader(dir, [Document(id: "a", fields: ["body": body])])
        let hit = try #require(try r.search("专项债 地方债", options: SearchOptions(match: .exact)).hits.first)
        #expect(Self.marked(hit.highlights["body"], in: body) == ["专项债", "地方债"])
        let quoted = try r.highlights(of: .phrase("专项债", field: nil), in: ["body": body])
        #expect(quoted.isEmpty, "as whole words, 专项债 is not in 专项债券")
        let anywhere = try r.highlights(of: .text("项债", field: nil), in: ["body": body], marking: .matches(.substring))
        #expect(Self.marked(anywhere["body"], in: body) == ["项债"])
    }

    @Test func traditionalTextIsMarkedWhereTheSimplifiedQueryMatches() throws {
        let dir = TemporaryDirectory()
        let body = "因地制宜發展新質生產力，推動高質量發展。"
        let r = try Self.reader(dir, [Document(id: "a", fields: ["body": body])])
        let hit = try #require(try r.search("新质生产力", options: SearchOptions(match: .exact)).hits.first)
        #expect(Self.marked(hit.highlights["body"], in: body) == ["新質生產力"])
    }

    @Test func aRelatedHitMarksTheWordsItShares() throws {
        let dir = TemporaryDirectory()
        let body = "推进规上企业纳统工作，做好统计服务。"
        let r = try Self.reader(dir, [Document(id: "a", fields: ["body": body])])
        let results = try r.search("升规纳统", options: SearchOptions(match: .related))
        let hit = try #require(results.hits.first)
        #expect(results.totalHits == 0 && hit.isRelated)
        #expect(!Self.marked(hit.highlights["body"], in: body).isEmpty)
    }

    @Test func excludedWordsAreNotMarked() throws {
        let dir = TemporaryDirectory()
        let r = try Self.reader(dir, [Document(id: "a", fields: ["body": Self.text])])
        let query = try QueryParser().parse("高质量发展 -提质")
        #expect(Self.marked(try r.highlights(of: query, in: ["body": Self.text])["body"], in: Self.text) == ["高质量发展"])
    }

    @Test func aSubstringSearchMarksPartOfALatinWord() throws {
        let dir = TemporaryDirectory()
        let body = "TAIWAN 地区的 OpenAI芯片"
        let r = try Self.reader(dir, [Document(id: "a", fields: ["body": body])])
        let hit = try #require(try r.search("ai", options: SearchOptions(match: .exact, textMatching: .substring)).hits.first)
        #expect(Self.marked(hit.highlights["body"], in: body) == ["AI", "AI"])
        let across = try r.highlights(of: .text("ai芯片", field: nil), in: ["body": body], marking: .matches(.substring))
        #expect(Self.marked(across["body"], in: body) == ["AI芯片"])
        #expect(try r.highlights(of: .text("ai", field: nil), in: ["body": body]).isEmpty, "at word starts, AI is no word here")
    }
}
