import Foundation
import Testing
@testable import Kite

// Exact matching and document counts (issue 11), checked against brute force over the bundled corpus.

/// The bundled corpus, ingested as `kite index` does (long bodies as passages), indexed once for all tests.
final class MatchingCorpus: @unchecked Sendable {
    static let shared = MatchingCorpus()
    let directory = TemporaryDirectory()
    let documents: [Document]
    let reader: IndexReader
    /// The same documents indexed without joins (as indexes written before them were): matching must not need them.
    let joinless: IndexReader
    /// Per document, its title's and body's units (the brute force's view of the text).
    let texts: [[UnitText]]

    private init() {
        var docs: [Document] = []
        let files = ["gov-work-reports-national.jsonl", "gov-work-reports-provincial-2026.jsonl", "weifang-2023q3-key-work.txt"]
        for f in files {
            try! Ingestion().forEachDocument(inFile: KiteProcess.repository + "/Corpus/" + f, { docs.append($0) }, onError: { _ in })
        }
        documents = docs
        let w = try! IndexWriter(at: directory.path, options: .init(ramBudget: 2_000_000))
        for d in docs { try! w.add(d) }
        try! w.commit()
        w.close()
        reader = try! IndexReader(at: directory.path)
        let plain = try! IndexWriter(
            at: directory.sub("joinless"), analyzer: AnalyzerConfiguration(emitsJoins: false), options: .init(ramBudget: 2_000_000))
        for d in docs { try! plain.add(d) }
        try! plain.commit()
        plain.close()
        joinless = try! IndexReader(at: directory.sub("joinless"))
        let analyzer = reader.analyzer
        texts = docs.map { d in ["title", "body"].compactMap { d[$0] }.map { UnitText($0, analyzer) } }
    }

    /// Per period ("" for none), the documents (passages grouped) where `contains` holds for a text field of some
    /// passage.
    func bruteForce(_ contains: (UnitText) -> Bool) -> [String: Int] {
        var matched: [String: String] = [:]  // document id → period
        for (d, fields) in zip(documents, texts) {
            let document = PassageID.document(of: d.id) ?? d.id
            if matched[document] != nil { continue }
            if fields.contains(where: contains) { matched[document] = d["period"] ?? "" }
        }
        var out: [String: Int] = [:]
        for (_, p) in matched { out[p, default: 0] += 1 }
        return out
    }
}

/// The bundled corpus with each passage a document of its own (ids `x~n` for `x#n`): an index without passages,
/// where matching only wants the tree's verdict per document (``MatchTree/leafSets(_:exactly:)``).
final class PassagesAsDocuments: @unchecked Sendable {
    static let shared = PassagesAsDocuments()
    let directory = TemporaryDirectory()
    let reader: IndexReader

    static func id(_ passage: String) -> String { passage.replacingOccurrences(of: "#", with: "~") }

    private init() {
        let w = try! IndexWriter(at: directory.path, options: .init(ramBudget: 2_000_000))
        for var d in MatchingCorpus.shared.documents {
            d.id = Self.id(d.id)
            try! w.add(d)
        }
        try! w.commit()
        w.close()
        reader = try! IndexReader(at: directory.path)
    }
}

/// The text as units (Han characters one by one, other words whole) with word starts and ends, from the public
/// analyzer's words: what the matching rules compare, computed without the index.
struct UnitText {
    var units: [String] = []
    var starts: [Bool] = []
    var ends: [Bool] = []
    /// The units' hash values, compared before the strings (the brute force runs thousands of times).
    private var codes: [Int] = []
    /// The units joined, for substring matching.
    private var joined = ""

    init(_ text: String, _ analyzer: Analyzer) {
        let words = (try! analyzer.terms(in: text)).filter { $0.kind == .word }.sorted { $0.position < $1.position }
        for w in words {
            // Han characters one by one, and the runs of other characters between them whole (1996年 → 1996, 年).
            var parts: [String] = []
            for c in w.text {
                if c.unicodeScalars.first!.properties.isIdeographic || parts.isEmpty
                    || parts[parts.count - 1].unicodeScalars.first!.properties.isIdeographic {
                    parts.append(String(c))
                } else {
                    parts[parts.count - 1].append(c)
                }
            }
            for (i, p) in parts.enumerated() {
                units.append(p)
                starts.append(i == 0)
                ends.append(i == parts.count - 1)
            }
        }
        codes = units.map(\.hashValue)
        joined = units.joined()
    }

    func contains(_ chunk: [String], _ rule: TextMatching) -> Bool {
        if rule == .substring { return joined.contains(chunk.joined()) }
        guard chunk.count <= units.count, !chunk.isEmpty else { return false }
        let wanted = chunk.map(\.hashValue)
        for s in 0...(units.count - chunk.count) where starts[s] && codes[s] == wanted[0] {
            guard codes[s..<(s + chunk.count)].elementsEqual(wanted), units[s..<(s + chunk.count)].elementsEqual(chunk)
            else { continue }
            if rule == .wholeWords && !ends[s + chunk.count - 1] { continue }
            return true
        }
        return false
    }
}

@Suite(.serialized) struct MatchingTests {
    static let terms = [
        // The issue's 15 policy terms.
        "新质生产力", "专精特新", "高质量发展", "乡村振兴", "供给侧结构性改革", "放管服", "一带一路", "稳就业", "营商环境",
        "数字经济", "碳达峰", "人工智能", "低空经济", "银发经济", "升规纳统",
        // Abbreviations of longer words, and words that straddle boundaries.
        "专项债", "地方债", "高教", "义教", "两新", "双碳", "专精", "人工智", "化解", "一带",
        // ICU words, single characters, Latin and digits, traditional characters.
        "统计", "普查", "潍坊", "债", "AI", "GDP", "5G", "2025年", "發展", "製造業", "民營經濟",
    ]

    /// Per-period counts equal (documents without a period count in the total only), showing the periods that differ.
    static func expectCounts(_ res: SearchResults, _ expected: [String: Int], _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        let got = Dictionary(uniqueKeysWithValues: res.facets.map { ($0.value, $0.count) })
        let periods = Set(got.keys).union(expected.keys).subtracting([""])
        let differing = periods.filter { got[$0] != expected[$0] }.sorted().map { "\($0): \(got[$0] ?? 0) vs \(expected[$0] ?? 0)" }
        #expect(differing.isEmpty, "\(what): \(differing)", sourceLocation: sourceLocation)
        #expect(res.totalHits == expected.values.reduce(0, +), "\(what)", sourceLocation: sourceLocation)
    }

    static func units(_ term: String, _ r: IndexReader) -> [String] {
        UnitText(term, r.analyzer).units
    }

    /// For every term, the per-period document counts of a search equal the brute force's: the documents whose
    /// normalized text holds the term starting at a word start.
    @Test(arguments: terms) func periodCountsEqualBruteForce(term: String) throws {
        let c = MatchingCorpus.shared
        let chunk = Self.units(term, c.reader)
        let expected = c.bruteForce { $0.contains(chunk, .wordStart) }
        let res = try c.reader.search(term, options: SearchOptions(limit: 0))
        Self.expectCounts(res, expected, "\(term)")
    }

    /// Chunks cut from the corpus at random (seeded): one to five units, half of them starting where a word starts,
    /// some reaching over punctuation. Every rule, with and without joins in the index, equals the brute force.
    @Test func randomChunksOfTheCorpusEqualTheBruteForceUnderEveryRule() throws {
        let c = MatchingCorpus.shared
        var random = SeededRandom(seed: 11)
        var chunks = Set<[String]>()
        while chunks.count < 48 {
            let fields = c.texts[Int(random.next() % UInt64(c.texts.count))]
            let text = fields[Int(random.next() % UInt64(fields.count))]
            guard text.units.count > 8 else { continue }
            let length = [1, 2, 2, 2, 3, 3, 4, 5][Int(random.next() % 8)]
            var s = Int(random.next() % UInt64(text.units.count - length))
            if random.next() % 2 == 0 { while s > 0 && !text.starts[s] { s -= 1 } }
            let chunk = Array(text.units[s..<(s + length)])
            if chunk.allSatisfy({ $0.unicodeScalars.allSatisfy { $0.properties.isIdeographic } }) { chunks.insert(chunk) }
        }
        for (k, chunk) in chunks.sorted(by: { $0.joined() < $1.joined() }).enumerated() {
            // Substring scans the term dictionary per chunk, slow in a debug build: every third chunk.
            for rule in [TextMatching.wordStart, .wholeWords] + (k % 3 == 0 ? [.substring] : []) {
                let expected = c.bruteForce { $0.contains(chunk, rule) }
                for (reader, name) in [(c.reader, "joins"), (c.joinless, "no joins")] {
                    let res = try reader.search(chunk.joined(), options: SearchOptions(limit: 0, textMatching: rule))
                    Self.expectCounts(res, expected, "\(chunk.joined()) \(rule) \(name)")
                }
            }
        }
    }

    @Test(arguments: ["专项债", "高教", "义教", "新质生产力", "AI", "债", "统计"])
    func wholeWordsAndSubstringEqualTheirBruteForce(term: String) throws {
        let c = MatchingCorpus.shared
        let chunk = Self.units(term, c.reader)
        for rule in [TextMatching.wholeWords, .substring] {
            let expected = c.bruteForce { $0.contains(chunk, rule) }
            let res = try c.reader.search(term, options: SearchOptions(limit: 0, textMatching: rule))
            Self.expectCounts(res, expected, "\(term) \(rule)")
        }
    }

    @Test func theIssuesTableHolds() throws {
        let r = MatchingCorpus.shared.reader
        func count(_ q: String, _ rule: TextMatching = .wordStart) throws -> Int {
            try r.search(q, options: SearchOptions(limit: 0, textMatching: rule)).totalHits
        }
        #expect(try count("升规纳统") == 1)
        #expect(try r.search("升规纳统", options: SearchOptions(limit: 0)).facets.map(\.value) == ["2023Q3"])
        #expect(try count("专项债") == 29 && count("专项债", .wholeWords) == 7)
        #expect(try count("高教") == 4 && count("义教") == 0 && count("义教", .substring) == 15)
        // Documents, not passages: at most one per provincial report.
        let perPeriod = try r.search("新质生产力", options: SearchOptions(limit: 0)).facets
        #expect(perPeriod.first { $0.value == "2026-02" }!.count <= 31)
    }

    @Test func severalChunksMatchTogetherAndOrMatchesEither() throws {
        let c = MatchingCorpus.shared
        let a = Self.units("稳就业", c.reader), b = Self.units("保民生", c.reader)
        // Per document: the two may be in different passages.
        var docsA = Set<String>(), docsB = Set<String>()
        for (d, fields) in zip(c.documents, c.texts) {
            let doc = PassageID.document(of: d.id) ?? d.id
            for u in fields {
                if u.contains(a, .wordStart) { docsA.insert(doc) }
                if u.contains(b, .wordStart) { docsB.insert(doc) }
            }
        }
        #expect(try c.reader.search("稳就业 保民生", options: SearchOptions(limit: 0)).totalHits == docsA.intersection(docsB).count)
        #expect(try c.reader.search("稳就业 OR 保民生", options: SearchOptions(limit: 0)).totalHits == docsA.union(docsB).count)
        #expect(try c.reader.search("稳就业 -保民生", options: SearchOptions(limit: 0)).totalHits == docsA.subtracting(docsB).count)
    }

    /// A document is found once, at its best passage, with the number of its matching passages; fewer matches than
    /// the limit are followed by related documents, marked and not counted.
    @Test func documentsAppearOnceAndRelatedOnesFollowUncounted() throws {
        let r = MatchingCorpus.shared.reader
        let res = try r.search("新质生产力", options: SearchOptions(limit: 100))
        #expect(Set(res.hits.map(\.documentID)).count == res.hits.count)
        #expect(res.hits.filter { !$0.isRelated }.count == res.totalHits)
        #expect(res.hits.contains { $0.matchingPassages > 1 })
        let one = try r.search("升规纳统", options: SearchOptions(limit: 5))
        #expect(one.totalHits == 1 && one.hits.count == 5)
        #expect(!one.hits[0].isRelated && one.hits.dropFirst().allSatisfy(\.isRelated))
        let exact = try r.search("升规纳统", options: SearchOptions(limit: 5, match: .exact))
        #expect(exact.hits.count == 1)
        let any = try r.search("升规纳统", options: SearchOptions(limit: 5, match: .any))
        #expect(any.totalHits > 100)
    }

    /// Punctuation between chunks asks for nothing; a huge limit means all.
    @Test func punctuationChunksAndHugeLimitsAreHarmless() throws {
        let r = MatchingCorpus.shared.reader
        let plain = try r.search("稳就业 保民生", options: SearchOptions(limit: 0)).totalHits
        #expect(plain > 0)
        #expect(try r.search("稳就业 ， 保民生", options: SearchOptions(limit: 0)).totalHits == plain)
        #expect(try r.search("， 。", options: SearchOptions(limit: 0)).totalHits == 0)
        let all = try r.search("升规纳统", options: SearchOptions(limit: .max, offset: .max, highlights: false, storedFields: false))
        #expect(all.totalHits == 1 && all.hits.isEmpty)
        let many = try r.search("升规纳统", options: SearchOptions(limit: .max, highlights: false, storedFields: false))
        #expect(many.hits.count > 10 && !many.hits[0].isRelated && many.hits[1].isRelated)
    }

    /// Two searches that must rank alike: the same count, hits, related marks and scores (to 1e-9).
    static func expectSameRanking(_ x: SearchResults, _ y: SearchResults, _ label: String) {
        #expect(x.totalHits == y.totalHits, "\(label)")
        #expect(x.hits.map(\.id) == y.hits.map(\.id), "\(label)")
        #expect(x.hits.map(\.isRelated) == y.hits.map(\.isRelated), "\(label)")
        for (a, b) in zip(x.hits, y.hits) { #expect(abs(a.score - b.score) < 1e-9, "\(label)") }
    }

    /// Top-k pruning of the related continuation changes nothing: same hits, same scores, same counts.
    @Test func pruningReturnsTheSameHitsUnderTheDefault() throws {
        let r = MatchingCorpus.shared.reader
        for q in ["升规纳统", "新质生产力 数字经济", "稳就业 OR 保民生", "就业 -民生", "如何推动高质量发展和乡村振兴", "period:2026 改革"] {
            for (limit, offset) in [(10, 0), (3, 2), (40, 0)] {
                let all = SearchOptions(limit: limit, offset: offset, facetField: nil, highlights: false)
                var top = all
                top.countsAllHits = false
                Self.expectSameRanking(try r.search(q, options: all), try r.search(q, options: top), "\(q) \(limit)")
            }
        }
    }

    /// Related documents are the same whichever scorer ranks: the window-at-a-time one (which picks them from its
    /// own pass) or the document-at-a-time one (filters, exclusions and phrases need it: a ranking pass of their own).
    @Test func relatedDocumentsDoNotDependOnTheScorer() throws {
        let r = MatchingCorpus.shared.reader
        for q in ["升规纳统 period:2026", "period:2026 改革 稳就业 保民生 新质生产力", "就业 -民生", "\"数字经济\" 升规纳统", "升规纳统 稳就业"] {
            var windowed = SearchOptions(limit: 12, facetField: nil, highlights: false)
            windowed.windowedScoring = true
            var plain = windowed
            plain.windowedScoring = false
            let a = try r.search(q, options: windowed), b = try r.search(q, options: plain)
            #expect(a.totalHits == b.totalHits, "\(q)")
            #expect(a.hits.map(\.id) == b.hits.map(\.id) && a.hits.map(\.isRelated) == b.hits.map(\.isRelated), "\(q)")
            #expect(a.hits.contains { $0.isRelated } || a.totalHits >= 12, "\(q): related documents follow the few matches")
        }
    }

    /// In an index without passages a conjunction is evaluated cheapest chunk first, and a one-character chunk (a
    /// union over every word that begins with it) is read only as far as the chunks before it need: the documents
    /// found still equal the brute force's, for conjunctions of words and single characters drawn from the corpus
    /// (seeded), with and without an exclusion.
    @Test func conjunctionsWithoutPassagesEqualTheBruteForce() throws {
        let c = MatchingCorpus.shared, r = PassagesAsDocuments.shared.reader
        #expect(r.passageDocuments.count == 0)
        var random = SeededRandom(seed: 23)
        func pick(_ text: UnitText, length: Int) -> String? {
            let starts = text.units.indices.filter { i in
                text.starts[i] && i + length <= text.units.count
                    && text.units[i..<(i + length)].allSatisfy { $0.unicodeScalars.allSatisfy(\.properties.isIdeographic) }
            }
            guard !starts.isEmpty else { return nil }
            let s = starts[Int(random.next() % UInt64(starts.count))]
            return text.units[s..<(s + length)].joined()
        }
        var queries: [(required: [String], excluded: [String])] = [
            (["统计", "债"], []), (["稳就业", "保民生", "债"], []), (["新", "质", "生产力"], []), (["统计", "普查"], ["债"]),
            (["发展", "新"], ["质"]),
        ]
        while queries.count < 40 {
            let fields = c.texts[Int(random.next() % UInt64(c.texts.count))]
            let text = fields[Int(random.next() % UInt64(fields.count))]
            let other = c.texts[Int(random.next() % UInt64(c.texts.count))].last!
            guard let word = pick(text, length: 2), let one = pick(text, length: 1),
                  let far = pick(random.next() % 3 == 0 ? other : text, length: 1) else { continue }
            queries.append(random.next() % 4 == 0 ? ([word, one], [far]) : ([word, one, far], []))
        }
        var matched = 0
        for q in queries {
            let required = q.required.map { Self.units($0, r) }, excluded = q.excluded.map { Self.units($0, r) }
            func holds(_ fields: [UnitText], _ chunk: [String]) -> Bool { fields.contains { $0.contains(chunk, .wordStart) } }
            let expected = Set(zip(c.documents, c.texts).filter { _, fields in
                required.allSatisfy { holds(fields, $0) } && !excluded.contains { holds(fields, $0) }
            }.map { PassagesAsDocuments.id($0.0.id) })
            let text = (q.required + q.excluded.map { "-" + $0 }).joined(separator: " ")
            let res = try r.search(text, options: SearchOptions(limit: 100_000, facetField: nil, highlights: false,
                                                                 storedFields: false, match: .exact))
            #expect(res.totalHits == expected.count, "\(text)")
            #expect(Set(res.hits.map(\.id)) == expected, "\(text)")
            matched += expected.count
        }
        #expect(matched > 100)
    }

    /// In an index without passages, few matches and their related documents come from one ranking pass that skips
    /// what cannot enter the related ones (the matches it skips are scored one by one): the same hits, scores and
    /// marks as the document-at-a-time path, which scores the matches one by one and ranks again for related ones.
    @Test func relatedDocumentsFromOnePassEqualThoseRankedApart() throws {
        let r = PassagesAsDocuments.shared.reader
        #expect(r.segments.count > 1 && r.passageDocuments.count == 0)
        // Queries with a few matches (2 to 9, so that matches and related documents share each list), and others.
        let terms = ["新质生产力", "数字经济", "专精特新", "稳就业", "低空经济", "银发经济", "碳达峰", "营商环境", "人工智能", "放管服", "专项债"]
        var few: [String] = []
        for (i, a) in terms.enumerated() {
            for b in terms[(i + 1)...] where few.count < 8 {
                let n = try r.search("\(a) \(b)", options: SearchOptions(limit: 0, match: .exact)).totalHits
                if (2...9).contains(n) { few.append("\(a) \(b)") }
            }
        }
        #expect(few.count >= 4)
        var relatedSeen = 0, matchesSeen = 0
        for q in few + ["升规纳统", "升规纳统 稳就业", "如何推动高质量发展和乡村振兴", "就业 -民生"] {
            for limit in [3, 10, 40] {
                var windowed = SearchOptions(limit: limit, facetField: nil, highlights: false, storedFields: false)
                windowed.windowedScoring = true
                var plain = windowed
                plain.windowedScoring = false
                let a = try r.search(q, options: windowed), b = try r.search(q, options: plain)
                Self.expectSameRanking(a, b, "\(q) \(limit)")
                relatedSeen += a.hits.filter(\.isRelated).count
                matchesSeen += a.hits.filter { !$0.isRelated }.count
            }
        }
        #expect(relatedSeen > 100 && matchesSeen > 30)
    }

    /// A match that the one pass skips (its score cannot enter the related documents: each word once in a very long
    /// text, after thousands of short texts of one of them) is still scored and listed first.
    @Test func aMatchTheRelatedPassSkipsIsStillListedFirst() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, options: .init(ramBudget: 50_000_000))
        let long = String(repeating: "文化繁荣。", count: 2_000)
        for i in 0..<5_000 {
            let text = switch i {
            case ..<2_048: "经济经济经济"  // the first window: related documents that score high
            case 4_200..<4_400: "体育" + long  // 体育 with block maxima, all low, in the match's window
            case 4_500: "经济" + long + "体育"  // the match
            default: "文化"
            }
            try w.add(Document(id: "d\(i)", fields: ["body": text]))
        }
        try w.commit()
        w.close()
        let r = try IndexReader(at: dir.path)
        for windowed in [true, false] {
            var options = SearchOptions(limit: 2, facetField: nil, highlights: false, storedFields: false)
            options.windowedScoring = windowed
            let res = try r.search("经济 体育", options: options)
            #expect(res.totalHits == 1 && res.hits.map(\.isRelated) == [false, true], "windowed: \(windowed)")
            #expect(res.hits.first?.id == "d4500", "windowed: \(windowed)")
        }
    }

    /// Sorted by period, the same documents come newest (or oldest) first, passages grouped as under score order.
    @Test func sortingByPeriodOrdersTheSameDocuments() throws {
        let r = MatchingCorpus.shared.reader
        for q in ["新质生产力", "统计 普查", "专项债"] {
            let byScore = try r.search(q, options: SearchOptions(limit: 1_000, highlights: false, match: .exact))
            for order in [HitOrder.newest, .oldest] {
                var o = SearchOptions(limit: 1_000, highlights: false, match: .exact)
                o.sort = order
                let sorted = try r.search(q, options: o)
                #expect(sorted.totalHits == byScore.totalHits && Set(sorted.hits.map(\.documentID)) == Set(byScore.hits.map(\.documentID)))
                let keys = sorted.hits.map { h -> Int in
                    guard let p = h.fields["period"].flatMap(ReportPeriod.init) else { return order == .newest ? -1 : Int.max }
                    return p.year * 10_000 + p.months.upperBound * 100 + p.months.lowerBound
                }
                #expect(keys == (order == .newest ? keys.sorted(by: >) : keys.sorted()), "\(q) \(order)")
                o.limit = 3
                o.offset = 2
                #expect(try r.search(q, options: o).hits.map(\.id) == Array(sorted.hits.dropFirst(2).prefix(3).map(\.id)))
            }
        }
        var any = SearchOptions(match: .any)
        any.sort = .newest
        #expect(throws: KiteError.self) { try r.search("统计", options: any) }
    }

    /// In segments without passages the matches' top k is ranked with block-max skipping (counts come from the
    /// match sets): it must equal the exhaustive ranking of the same documents.
    /// Documents split into passages rank at their best matching passage, whatever the limit and offset: the same
    /// documents, scores, passage counts and passage lists as with room for every match, and each document's score is
    /// the best of its matching passages' own scores (`--match any` scores passages one by one). A ranking that skips
    /// what cannot enter the top k must keep this.
    @Test func documentsOfPassagesRankAtTheirBestPassageWhateverTheLimit() throws {
        let r = MatchingCorpus.shared.reader
        var passagesSeen = 0
        for q in ["新质生产力", "统计 普查", "专项债", "就业 民生", "改革 -经济", "发展", "数字经济 OR 人工智能", "高质量发展 period:2026"] {
            let all = SearchOptions(limit: 100_000, facetField: nil, highlights: false, match: .exact)
            let every = try r.search(q, options: all)
            var any = SearchOptions(limit: 100_000, facetField: nil, highlights: false, match: .any)
            any.windowedScoring = false
            let passageScores = Dictionary(try r.search(q, options: any).hits.map { ($0.id, $0.score) }) { a, _ in a }
            for h in every.hits where h.passages.count > 1 {
                passagesSeen += 1
                let best = h.passages.compactMap { passageScores[$0] }.max() ?? 0
                #expect(abs(h.score - best) < 1e-9, "\(q): \(h.documentID) at its best passage")
                #expect(h.matchingPassages == h.passages.count && h.passages.first == h.id)
            }
            for limit in [1, 3, 10] {
                for offset in [0, 2] {
                    var o = all
                    o.limit = limit
                    o.offset = offset
                    let top = try r.search(q, options: o)
                    let expected = Array(every.hits.dropFirst(offset).prefix(limit))
                    #expect(top.totalHits == every.totalHits, "\(q)")
                    #expect(top.hits.map(\.id) == expected.map(\.id), "\(q) limit \(limit) offset \(offset)")
                    #expect(top.hits.map(\.passages) == expected.map(\.passages), "\(q) limit \(limit) offset \(offset)")
                    #expect(top.hits.map(\.matchingPassages) == expected.map(\.matchingPassages))
                    for (a, b) in zip(top.hits, expected) { #expect(abs(a.score - b.score) < 1e-9) }
                }
            }
        }
        #expect(passagesSeen > 10, "documents with several matching passages were ranked")
    }

    @Test func skippingRanksMatchesAsTheExhaustiveRankingDoes() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, options: .init(ramBudget: 400_000, mergesAfterCommit: false))
        for d in MatchingCorpus.shared.documents where PassageID.document(of: d.id) == nil { try w.add(d) }
        try w.commit()
        w.close()
        let r = try IndexReader(at: dir.path)
        #expect(r.segmentCount > 1)
        for q in ["新质生产力", "数字经济 人工智能", "改革 发展 创新", "统计", "升规纳统"] {
            let every = try r.search(q, options: SearchOptions(limit: 100_000, facetField: nil, highlights: false, match: .exact))
            let matched = Set(every.hits.map(\.id))
            var any = SearchOptions(limit: 100_000, facetField: nil, highlights: false, match: .any)
            any.windowedScoring = false
            let reference = try r.search(q, options: any).hits.filter { matched.contains($0.id) }
            for limit in [1, 5, 10] {
                let top = try r.search(q, options: SearchOptions(limit: limit, facetField: nil, highlights: false, match: .exact))
                #expect(top.totalHits == matched.count, "\(q)")
                let scored = reference.prefix(limit)  // matches without a ranked term score 0 and come last
                #expect(Array(top.hits.prefix(scored.count).map(\.id)) == scored.map(\.id), "\(q) \(limit)")
                for (a, b) in zip(top.hits, scored) { #expect(abs(a.score - b.score) < 1e-9) }
            }
        }
    }

    /// A pasted paragraph is one long chunk: it matches the document it comes from, and its cost grows with its
    /// length, not with its square.
    @Test func aLongChunkMatchesItsSourceQuickly() throws {
        let c = MatchingCorpus.shared
        let body = try #require(c.documents.first { ($0["body"]?.count ?? 0) > 1_200 && !$0["body"]!.contains(" ") }?["body"])
        let chunk = String(body.prefix(1_000)).filter { !$0.isWhitespace && !$0.isPunctuation }
        let start = ContinuousClock.now
        let res = try c.reader.search(Query.text(chunk, field: "body"), options: SearchOptions(limit: 1, highlights: false))
        #expect(res.totalHits >= 1)
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    /// `period:2026` and `--period 2026` take in months, quarters and halves of 2026.
    @Test func periodsNest() throws {
        let c = MatchingCorpus.shared
        let in2026 = Set(c.documents.filter { $0["period"]?.hasPrefix("2026") ?? false }.map { PassageID.document(of: $0.id) ?? $0.id })
        #expect(in2026.count > 0)
        #expect(try c.reader.search("period:2026", options: SearchOptions(limit: 0)).totalHits == in2026.count)
        #expect(try c.reader.search(Query.keyword(field: "period", value: "2023H2"), options: SearchOptions(limit: 0)).totalHits
            == c.reader.search("period:2023Q3", options: SearchOptions(limit: 0)).totalHits
            + c.reader.search("period:2023Q4", options: SearchOptions(limit: 0)).totalHits)
        #expect(ReportPeriod("2026")!.contains(ReportPeriod("2026-02")!))
        #expect(ReportPeriod("2026H1")!.contains(ReportPeriod("2026Q2")!))
        #expect(!ReportPeriod("2026Q1")!.contains(ReportPeriod("2026H1")!))
        #expect(!ReportPeriod("2026")!.contains(ReportPeriod("2025-12")!))
    }
}

/// Passages are parts of one document: replace, delete, AND across passages and counts act on the document.
@Suite struct DocumentModelTests {
    /// A body of `paragraphs` paragraphs, long enough to be split into several passages.
    static func longBody(_ words: [String]) -> String {
        words.enumerated().map { i, w in
            String(repeating: "这是第\(i)段关于\(w)的长篇文字，说明工作情况。", count: 30)
        }.joined(separator: "\n")
    }

    static func passages(_ id: String, _ body: String) -> [Document] {
        PassageSplitter().passages(of: Document(id: id, fields: ["title": "报告", "body": body, "period": "2022"]))
    }

    @Test func replacingALongDocumentRemovesAllItsOldPassages() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        let old = Self.passages("gwr-2022", Self.longBody(["统计", "普查", "旧闻", "旧闻", "旧闻", "旧闻"]))
        #expect(old.count > 3)
        for p in old { try w.add(p) }
        try w.commit()
        let short = Self.passages("gwr-2022", Self.longBody(["新闻", "新闻"]))
        #expect(short.count < old.count)
        for p in short { try w.add(p) }
        try w.commit()
        let r = try IndexReader(at: dir.path)
        #expect(r.documentCount == short.count)
        #expect(try r.search("旧闻", options: SearchOptions(match: .exact)).totalHits == 0)
        #expect(try r.search("新闻").totalHits == 1)
        // Replaced by a short body: one document, no passages.
        try w.add(Document(id: "gwr-2022", fields: ["body": "只有一段新的正文"]))
        try w.commit()
        let r2 = try IndexReader(at: dir.path)
        #expect(r2.documentCount == 1)
        #expect(try r2.search("新闻", options: SearchOptions(match: .exact)).totalHits == 0)
        w.close()
    }

    @Test func deletingADocumentDeletesItsPassagesCommittedOrBuffered() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        for p in Self.passages("gwr-2024", Self.longBody(["统计", "普查", "改革", "开放"])) { try w.add(p) }
        try w.add(Document(id: "gwr-2024x", fields: ["body": "另一份文件 统计"]))
        try w.add(Document(id: "gwr-2024#note", fields: ["body": "编号带井号的普通文件 统计"]))
        try w.commit()
        #expect(try w.delete(id: "gwr-2024"))
        for p in Self.passages("gwr-2025", Self.longBody(["统计", "普查", "改革"])) { try w.add(p) }
        #expect(try w.delete(id: "gwr-2025"))
        #expect(try !w.delete(id: "gwr-2025"))
        try w.commit()
        let r = try IndexReader(at: dir.path)
        #expect(Set(try r.search("统计", options: SearchOptions(limit: 10, match: .exact)).hits.map(\.id)) == ["gwr-2024x", "gwr-2024#note"])
        w.close()
    }

    @Test func booleanOperatorsSeeTheWholeDocument() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        let parts = Self.passages("gwr-2022", Self.longBody(["统计", "过渡", "过渡", "过渡", "普查"]))
        #expect(parts.first { $0["body"]!.contains("统计") }?.id != parts.first { $0["body"]!.contains("普查") }?.id)
        for p in parts { try w.add(p) }
        try w.add(Document(id: "only-stats", fields: ["body": "统计工作"]))
        try w.commit()
        w.close()
        let r = try IndexReader(at: dir.path)
        let both = try r.search("统计 AND 普查", options: SearchOptions(match: .exact))
        #expect(both.hits.map(\.documentID) == ["gwr-2022"] && both.totalHits == 1)
        #expect(try r.search("统计 普查", options: SearchOptions(match: .exact)).totalHits == 1)
        #expect(try r.search("统计 -普查", options: SearchOptions(match: .exact)).hits.map(\.id) == ["only-stats"])
        let any = try r.search("统计 OR 普查", options: SearchOptions(match: .exact))
        #expect(any.totalHits == 2 && any.facets.first { $0.value == "2022" }?.count == 1)
        #expect(both.hits[0].matchingPassages == 2 && both.hits[0].passages.count == 2)
        #expect(both.hits[0].score > 0)  // ranked by both words, though no passage holds both
    }

    /// Passages of one document committed into different segments are still one document: matched by words in
    /// different segments, counted once, shown once with every matching passage, and none of them listed as a
    /// related document — exactly as when they share a segment.
    @Test func aDocumentsPassagesInSeveralSegmentsAreOneDocument() throws {
        let parts = Self.passages("gwr-2022", Self.longBody(["统计局", "过渡", "过渡", "过渡", "普查", "统计"]))
        #expect(parts.first { $0["body"]!.contains("统计局") }?.id != parts.last { $0["body"]!.contains("统计") }?.id)
        let others = [Document(id: "only-stats", fields: ["body": "统计工作"]), Document(id: "census", fields: ["body": "普查过渡"])]
        func build(committingEach: Bool) throws -> (TemporaryDirectory, IndexReader) {
            let dir = TemporaryDirectory()
            let w = try IndexWriter(at: dir.path, options: .init(mergeFactor: 100))
            for p in parts + others {
                try w.add(p)
                if committingEach { try w.commit() }
            }
            try w.commit()
            w.close()
            return (dir, try IndexReader(at: dir.path))
        }
        let (d1, spread) = try build(committingEach: true)
        let (d2, together) = try build(committingEach: false)
        #expect(spread.segmentCount == parts.count + others.count && together.segmentCount == 1)
        // 统计局: a passage in one segment matches, one in another holds only the ranking's 统计 (a related
        // candidate, which must not show the matched document again).
        for q in ["统计 普查", "统计 AND 普查", "统计", "过渡", "普查 -统计", "统计 OR 普查", "统计 period:2022", "统计局"] {
            for mode in [MatchMode.exact, .related] {
                let options = SearchOptions(limit: 5, match: mode)
                let a = try spread.search(q, options: options), b = try together.search(q, options: options)
                #expect(a.totalHits == b.totalHits, "\(q)")
                #expect(a.hits.map(\.documentID) == b.hits.map(\.documentID), "\(q) \(mode)")
                #expect(a.hits.map(\.isRelated) == b.hits.map(\.isRelated), "\(q) \(mode)")
                #expect(a.hits.map(\.matchingPassages) == b.hits.map(\.matchingPassages), "\(q) \(mode)")
                #expect(a.hits.map(\.passages) == b.hits.map(\.passages), "\(q) \(mode)")
                #expect(a.facets.map(\.count) == b.facets.map(\.count), "\(q)")
                #expect(Set(a.hits.map(\.documentID)).count == a.hits.count, "\(q): a document shown twice")
            }
        }
        let both = try spread.search("统计 普查", options: SearchOptions(limit: 5))
        #expect(both.totalHits == 1 && both.hits.first?.documentID == "gwr-2022")
        #expect(both.hits.first?.matchingPassages == parts.filter { $0["body"]!.contains("统计") || $0["body"]!.contains("普查") }.count)
        #expect(!both.hits.dropFirst().contains { $0.documentID == "gwr-2022" })
        _ = (d1, d2)
    }

    /// A period filter holds for every passage of a document in that period; only passages with the query's text
    /// are its matching passages (a filter once made all 40 passages of a report "match").
    @Test func aPeriodFilterDoesNotMakeEveryPassageAMatchingOne() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        let parts = Self.passages("gwr-2022", Self.longBody(["统计", "过渡", "过渡", "过渡", "普查", "统计"]))
        #expect(parts.count > 3)
        for p in parts { try w.add(p) }
        try w.commit()
        w.close()
        let r = try IndexReader(at: dir.path)
        let plain = try r.search("统计", options: SearchOptions(match: .exact))
        let expected = parts.filter { $0["body"]!.contains("统计") }.count
        #expect(plain.hits.first?.matchingPassages == expected && expected < parts.count)
        for filtered in ["统计 period:2022", "统计 period:[2020 TO 2023]"] {
            let hit = try #require(try r.search(filtered, options: SearchOptions(match: .exact)).hits.first)
            #expect(hit.matchingPassages == expected && hit.passages == plain.hits[0].passages, "\(filtered)")
        }
        let filterAlone = try #require(try r.search("period:2022", options: SearchOptions(match: .exact)).hits.first)
        #expect(filterAlone.matchingPassages == parts.count, "a filter alone: every passage is in the period")
        // A document that matches by the filter alternative only (no passage holds 普法) is still a match.
        let either = try r.search("普法 OR period:2022", options: SearchOptions(match: .exact))
        #expect(either.totalHits == 1 && either.hits.first?.matchingPassages == parts.count)
    }

    /// Ids shaped like passage ids are the splitter's alone: another document with one is refused, not grouped.
    @Test func passageShapedIdsOfOtherDocumentsAreRefused() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        #expect(throws: KiteError.self) { try w.add(Document(id: "issue#12", fields: ["body": "统计"])) }
        for id in ["issue#012", "issue#x", "issue#1234567890", "#3", "a#b#c"] {
            try w.add(Document(id: id, fields: ["body": "统计"]))
        }
        try w.add(Document(id: "issue", fields: ["body": "统计"]))
        try w.commit()
        w.close()
        let r = try IndexReader(at: dir.path)
        #expect(try r.search("统计", options: SearchOptions(limit: 10)).totalHits == 6)
    }
}
