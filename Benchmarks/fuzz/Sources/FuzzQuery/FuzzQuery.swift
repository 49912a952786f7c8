import Foundation
import FuzzSupport
import Kite

// The query parser and the search behind it, over a small index of the bundled reports (long ones as passages):
// the input as UTF-8 text parses, or fails with `badQuery` at a position inside it; what parses searches — by
// default and in one more match mode × text rule picked by the input's length, with a facet, highlights and
// snippets — or fails with `badQuery`. Hits are counted consistently.

nonisolated(unsafe) var reader: IndexReader!

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    writeSeedsIfAsked(querySeeds.map { Array($0.utf8) })
    let dir = NSTemporaryDirectory() + "kite-fuzz-query-\(getpid())"
    do {
        let writer = try IndexWriter(at: dir)
        let ingestion = Ingestion(passageThreshold: 1_500)
        for file in ["gov-work-reports-provincial-2026.jsonl", "gov-work-reports-national.jsonl"] {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Corpus/" + file)))
            var documents = 0
            try ingestion.forEachDocument(inJSONLines: bytes, name: file, { document in
                documents += 1
                if documents <= 25 { try writer.add(document) }
            }, onError: { fuzzFailure("corpus line refused: \($0)") })
        }
        try writer.commit()
        writer.close()
        reader = try IndexReader(at: dir)
        try? FileManager.default.removeItem(atPath: dir)  // the reader keeps its files mapped
    } catch {
        fuzzFailure("building the index: \(error)")
    }
    return 0
}

let querySeeds = [
    "升规纳统", "\"高质量发展\" title:报告 -疫情", "统计 AND (普查 OR 调查) NOT 农业", "period:[2019 TO 2023] 改革",
    "+稳就业 -保民生 period:2023Q3", "title:(a OR b)", "AI 5G 2025年", "新质生产力", "period:2026 乡村振兴",
    "department:统计局 数字经济", "(营商环境 OR 放管服) AND -\"一带一路\"", "专精特新*", "碳达峰~2", "\"稳 就业\"",
]

let modes: [(MatchMode, TextMatching)] = [
    (.exact, .wholeWords), (.exact, .substring), (.related, .wordStart), (.any, .wordStart), (.related, .substring),
    (.any, .wholeWords), (.exact, .wordStart),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let query: Query
    do {
        query = try QueryParser(schema: reader.schema).parse(text)
    } catch {
        guard case .badQuery(_, let position) = error else { fuzzFailure("parse failed with \(error): \(text.debugDescription)") }
        guard position >= 0 && position <= text.count else { fuzzFailure("position \(position) outside \(text.debugDescription)") }
        return 0
    }
    var options = SearchOptions(limit: 5)
    options.highlights = true
    options.facetField = "period"
    search(query, options, text)
    (options.match, options.textMatching) = modes[size % modes.count]
    options.offset = size % 3
    search(query, options, text)
    return 0
}

func search(_ query: Query, _ options: SearchOptions, _ text: String) {
    do {
        let results = try reader.search(query, options: options)
        guard results.hits.count <= options.limit else { fuzzFailure("\(results.hits.count) hits for limit \(options.limit)") }
        if results.facets.contains(where: { $0.count <= 0 }) { fuzzFailure("a facet value with no hits") }
        let faceted = results.facets.reduce(0) { $0 + $1.count }
        if results.totalHitsIsExact && faceted > results.totalHits {
            fuzzFailure("facets count \(faceted) of \(results.totalHits) hits: \(text.debugDescription)")
        }
    } catch {
        guard case .badQuery = error else { fuzzFailure("search failed with \(error): \(text.debugDescription)") }
    }
}
