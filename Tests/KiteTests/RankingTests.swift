import Foundation
import Testing
@testable import Kite

/// The ranking behaviour the relevance gains depend on (README.md, "Relevance").
@Suite struct RankingTests {
    func index(_ docs: [(String, String)]) throws -> (TemporaryDirectory, IndexReader) {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        for (id, body) in docs { try w.add(Document(id: id, fields: ["body": body])) }
        try w.commit()
        w.close()
        return (dir, try IndexReader(at: dir.path))
    }

    @Test func unknownWordTogetherOutranksItsCharactersApart() throws {
        // Same length, same characters: only adjacency differs.
        let (_, r) = try index([
            ("apart", "潍河边的人来到坊子区参加会议今天"),
            ("together", "潍坊的人来到河边区参加会议今天子"),
            ("other", "青岛的人来到河边区参加会议今天了"),
        ])
        let hits = try r.search("潍坊").hits
        #expect(hits.first?.id == "together")
        #expect(hits.map(\.id).contains("apart"))
        #expect(hits.count == 2)
        // The lead comes from the rescue bigram and the proximity bonus: plain BM25 gives a smaller one, if any.
        let plain = try r.search(Query.text("潍坊", field: nil), options: SearchOptions(ranking: .plainBM25)).hits
        func gap(_ h: [Hit]) -> Double {
            (h.first { $0.id == "together" }?.score ?? 0) - (h.first { $0.id == "apart" }?.score ?? 0)
        }
        #expect(gap(hits) > gap(plain) + 0.1)
    }

    @Test func outOfVocabularyTermFindsTheReportItemFirst() throws {
        let text = try corpusText("weifang-2023q3-key-work.txt")
        let docs = try ReportParser().documents(from: text, fileName: "weifang-2023q3-key-work.txt")
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        for d in docs { try w.add(d) }
        try w.commit()
        w.close()
        let r = try IndexReader(at: dir.path)
        let hits = try r.search("升规纳统").hits
        #expect(hits.first?.id == "2023Q3/59/2")
        #expect(hits.first?.fields["department"] == "市统计局")
    }

    @Test func adjacentQueryWordsOutrankScatteredOnes() throws {
        let (_, r) = try index([
            ("scattered", "统计 数据 表明 我们 的 工作 很 好"),
            ("adjacent", "统计 工作 数据 表明 我们 的 很 好"),
        ])
        let hits = try r.search("统计工作").hits
        #expect(hits.map(\.id) == ["adjacent", "scattered"])
        #expect(hits[0].score > hits[1].score)
    }

    @Test func queryTextFoundWholeOutranksItsWordsApart() throws {
        let (_, r) = try index([
            ("parts", "安全生产和生产质量是新的工作力量，生产要抓"),
            ("whole", "加快发展新质生产力，推动产业升级和新动能"),
        ])
        #expect(try r.search("新质生产力").hits.first?.id == "whole")
        #expect(Ranking.default.fullPhraseWeight > 0)
    }

    @Test func traditionalDocumentsMatchSimplifiedQueries() throws {
        let (_, r) = try index([("trad", "國務院政府工作報告"), ("simp", "国务院政府工作报告"), ("none", "人民代表大会")])
        #expect(Set(try r.search("政府工作报告").hits.map(\.id)) == ["trad", "simp"])
        #expect(Set(try r.search("政府工作報告").hits.map(\.id)) == ["trad", "simp"])
    }

    /// An index of provincial report passages in several segments, with deletes.
    func provincialIndex() throws -> (TemporaryDirectory, IndexReader) {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, options: .init(ramBudget: 300_000, mergesAfterCommit: false))
        let text = try corpusText("gov-work-reports-provincial-2026.jsonl")
        var reader = JSONLinesReader(bytes: Array(text.utf8))
        var n = 0
        while let line = reader.next(), n < 12 {
            for d in PassageSplitter().passages(of: JSONLMapping.default.document(from: try line.get())) { try w.add(d) }
            n += 1
        }
        for i in stride(from: 0, to: 400, by: 9) { try w.delete(id: "prov-2026-上海市#\(i)") }
        try w.commit()
        w.close()
        return (dir, try IndexReader(at: dir.path))
    }

    @Test func windowedScoringEqualsDocumentAtATime() throws {
        let (_, r) = try provincialIndex()
        #expect(r.segmentCount > 1)
        for q in ["高质量发展", "科技创新 人才", "升规纳统", "title:报告 民生", "新质生产力 数字经济 乡村振兴", "(就业 OR 民生) 养老"] {
            var a = SearchOptions(limit: 50, match: .any)
            var b = a
            a.windowedScoring = true
            b.windowedScoring = false
            let x = try r.search(q, options: a), y = try r.search(q, options: b)
            #expect(x.totalHits == y.totalHits && x.totalHits > 0, "\(q)")
            #expect(x.hits.map(\.id) == y.hits.map(\.id), "\(q)")
            for (h1, h2) in zip(x.hits, y.hits) { #expect(abs(h1.score - h2.score) < 1e-9) }
            #expect(x.facets.map(\.count) == y.facets.map(\.count))
        }
    }

    /// Counts and facets of `match: .any` come from the plan's document sets while the ranking skips what cannot
    /// enter the top k; totals, facets, hits and scores equal those of scoring every match — for terms, AND, OR,
    /// exclusions, phrases, filters, absent terms, with and without facets, k 10 and 0, both rankings.
    @Test func countsFromDocumentSetsEqualScoringEveryMatch() throws {
        let (_, r) = try provincialIndex()
        let queries = [
            "发展", "高质量发展", "+发展 +经济", "+推进 +建设 +改革", "+科技 创新", "发展 -经济", "-经济", "zzzqqq -经济",
            "zzzqqq", "+发展 +zzzqqq", "\"高质量发展\" 创新", "+\"高质量发展\" +创新", "period:2026 发展 改革",
            "+period:2026 +发展", "title:报告 民生", "(就业 OR 民生) 养老", "+升规纳统 +发展", "+发展 -(经济 OR 改革)",
        ]
        var compared = 0
        for ranking in [Ranking.default, .plainBM25] {
            for q in queries {
                for facet in ["period", nil] as [String?] {
                    for limit in [10, 0] {
                        var sets = SearchOptions(limit: limit, facetField: facet, highlights: false, storedFields: false,
                                                 ranking: ranking, match: .any)
                        sets.countsFromDocumentSetsFrom = 0  // whatever the lists' lengths
                        var every = sets
                        every.countsFromDocumentSetsFrom = .max
                        let x = try r.search(q, options: sets), y = try r.search(q, options: every)
                        #expect(x.totalHits == y.totalHits && x.totalHitsIsExact && y.totalHitsIsExact, "\(q)")
                        #expect(x.facets.map { "\($0.value)=\($0.count)" } == y.facets.map { "\($0.value)=\($0.count)" }, "\(q)")
                        #expect(x.hits.map(\.id) == y.hits.map(\.id), "\(q)")
                        for (h1, h2) in zip(x.hits, y.hits) { #expect(abs(h1.score - h2.score) < 1e-9) }
                        if x.totalHits > 0 { compared += 1 }
                    }
                }
            }
        }
        #expect(compared > 100)
        // A document without the query's only positive term does not match, whatever it excludes; a query of
        // exclusions alone matches every other document.
        let any = SearchOptions(limit: 0, facetField: nil, match: .any)
        #expect(try r.search("zzzqqq -经济", options: any).totalHits == 0)
        #expect(try r.search("-经济", options: any).totalHits + r.search("经济", options: any).totalHits == r.documentCount)
        #expect(try r.search("-zzzqqq", options: any).totalHits == r.documentCount)
    }

    /// Top-k without exact counts (MaxScore and block-max skipping) returns the same hits, with the same scores, as
    /// scoring every match — for OR, AND and mixed queries, both scorers, both rankings, several k and offsets.
    @Test func topHitsWithoutCountsEqualExhaustiveSearch() throws {
        let (_, r) = try provincialIndex()
        let queries = [
            "发展", "高质量发展", "科技创新 人才", "升规纳统", "新质生产力 数字经济 乡村振兴", "(就业 OR 民生) 养老",
            "经济 社会 发展 建设 推进", "+发展 +经济", "+推进 +建设 +改革", "+科技 创新", "title:报告 民生",
            "\"高质量发展\" 创新", "发展 -经济", "period:2026 发展 改革",
        ]
        var skipped: [Bool: Int] = [true: 0, false: 0]
        for ranking in [Ranking.default, .plainBM25] {
            for q in queries {
                for (limit, offset) in [(10, 0), (3, 0), (5, 5), (1, 0)] {
                    // From 0: a conjunction of close costs is ranked within its sets even when nothing is counted.
                    for (windowed, setsFrom) in [(true, Planner.bulkCost), (false, Planner.bulkCost), (true, 0)] {
                        var exact = SearchOptions(limit: limit, offset: offset, facetField: nil, highlights: false,
                                                  storedFields: false, ranking: ranking, match: .any)
                        exact.windowedScoring = windowed
                        var top = exact
                        top.countsAllHits = false
                        top.countsFromDocumentSetsFrom = setsFrom
                        let x = try r.search(q, options: exact), y = try r.search(q, options: top)
                        #expect(x.totalHitsIsExact && !y.totalHitsIsExact)
                        #expect(y.totalHits <= x.totalHits)
                        #expect(x.hits.map(\.id) == y.hits.map(\.id), "\(q) k=\(limit) windowed=\(windowed)")
                        for (h1, h2) in zip(x.hits, y.hits) { #expect(abs(h1.score - h2.score) < 1e-9) }
                        skipped[windowed, default: 0] += x.totalHits - y.totalHits
                    }
                }
            }
        }
        // Both scorers skipped documents (else this test would prove nothing).
        #expect(skipped[true]! > 0 && skipped[false]! > 0, "\(skipped)")
        print("RankingTests: documents skipped by top-k search: windowed \(skipped[true]!), document at a time \(skipped[false]!)")
        // Facet counts need every match, so asking for them keeps the count exact.
        let faceted = try r.search("发展", options: SearchOptions(countsAllHits: false))
        let all = try r.search("发展").totalHits
        #expect(faceted.totalHitsIsExact && faceted.totalHits == all)
    }

    /// A query of one word is scored posting by posting (the window-at-a-time scorer's path for one term and no
    /// bonuses): with block-max skipping, its top k equals scoring every match, for both scorers, and whole blocks
    /// of the word's postings are skipped.
    @Test func oneWordTopHitsSkipBlocksAndEqualScoringEveryMatch() throws {
        var random = SeededRandom(seed: 20261201)
        let filler = ["经济", "社会", "建设", "改革", "城市", "乡村", "科技", "人才"]
        var docs: [(String, String)] = []
        for i in 0..<3_000 {
            var words = (0..<(3 + Int(random.next() % 60))).map { _ in filler[Int(random.next() % UInt64(filler.count))] }
            if random.next() % 3 == 0 {
                for _ in 0..<(1 + Int(random.next() % 4)) { words.insert("发展", at: Int(random.next() % UInt64(words.count))) }
            }
            docs.append(("d\(i)", words.joined(separator: "，")))
        }
        let (_, r) = try index(docs)
        let plan = try Planner(reader: r, ranking: .default).plan(QueryParser(schema: r.schema).parse("发展"))
        guard case .text(let terms, let phrases, _) = plan else { Issue.record("not a text plan: \(plan)"); return }
        #expect(terms.count == 1 && phrases.isEmpty)
        var skipped = 0
        for windowed in [true, false] {
            for limit in [1, 10, 100] {
                var exact = SearchOptions(limit: limit, facetField: nil, highlights: false, storedFields: false, match: .any)
                exact.windowedScoring = windowed
                var top = exact
                top.countsAllHits = false
                let x = try r.search("发展", options: exact), y = try r.search("发展", options: top)
                #expect(x.totalHits > 900 && x.hits.count == limit)
                #expect(x.hits.map(\.id) == y.hits.map(\.id), "k=\(limit) windowed=\(windowed)")
                for (h1, h2) in zip(x.hits, y.hits) { #expect(h1.score == h2.score) }
                if windowed { skipped += x.totalHits - y.totalHits }
            }
        }
        #expect(skipped > 0)
    }

    @Test func latinWordInsideALongerRunIsFound() throws {
        // Web titles run Latin words together; trigrams find the query's word inside them, parts split off digits.
        let (_, r) = try index([
            ("run", "http错误500.19-internalservererror错误解决方法"),
            ("other", "serverlist下载地址大全"),
            ("game", "拳皇xii68人物出招表"),
            ("none", "政府工作报告全文"),
        ])
        #expect(try r.search("servererror").hits.first?.id == "run")
        #expect(try r.search("xii").hits.first?.id == "game")
        let plain = SearchOptions(ranking: .plainBM25)
        #expect(try r.search(Query.text("servererror", field: nil), options: plain).hits.isEmpty)
    }

    @Test func proximityBonusIsScaledDownInShortTexts() throws {
        let (_, r) = try index([
            ("scattered", "统计 数据 表明 我们 的 工作 很 好"),
            ("adjacent", "统计 工作 数据 表明 我们 的 很 好"),
        ])
        func gap(_ ranking: Ranking) throws -> Double {
            let h = try r.search(Query.text("统计工作", field: nil), options: SearchOptions(ranking: ranking)).hits
            #expect(h.first?.id == "adjacent")
            return h[0].score - h[1].score
        }
        var unscaled = Ranking.default
        unscaled.proximityLength = 0
        // About eight words: the bonus is scaled by about 8 / (8 + 20), and still decides.
        #expect(Ranking.default.proximityLength == 20)
        let scaled = try gap(.default), full = try gap(unscaled)
        #expect(scaled > 0 && scaled < full * 0.5)
    }

    @Test func defaultRankingDiffersFromPlainBM25AsDocumented() {
        #expect(Ranking.default.k1 == 0.5 && Ranking.default.b == 0.9)
        #expect(Ranking.plainBM25.k1 == 1.2 && Ranking.plainBM25.b == 0.75)
        #expect(Ranking.plainBM25.bigramWeight == 0 && Ranking.plainBM25.phraseWeight == 0)
        #expect(Ranking.plainBM25.subwordWeight == 0 && Ranking.plainBM25.trigramWeight == 0)
        #expect(Ranking.default.subwordWeight == 0.5 && Ranking.default.trigramWeight == 0.5)
    }
}
