import Foundation
import Testing
@testable import Kite

/// The planner on its own (issue 12: a test that reaches it directly): what a query becomes before any scoring —
/// per text field, the index analyzer's terms weighted by collection-wide idf, phrases with their word offsets,
/// keyword predicates — on four documents whose document frequencies are known by hand.
@Suite struct PlannerTests {
    /// 统计 in two bodies, 普查 in two, 农业 in one; titles hold only 报告.
    static func reader() throws -> (IndexReader, TemporaryDirectory) {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        for (i, body) in ["统计 普查", "统计 工作", "普查", "农业"].enumerated() {
            try w.add(Document(id: "d\(i)", fields: ["title": "报告", "body": body, "period": "2023Q\(i + 1)"]))
        }
        try w.commit()
        w.close()
        return (try IndexReader(at: dir.path), dir)
    }

    /// The body's terms of a plan of plain text (one field's `.text`, or that field's part of `.fields`).
    static func bodyTerms(_ plan: Planner.Plan) -> [Planner.WeightedTerm] {
        switch plan {
        case .text(let terms, _, _): return terms.filter { $0.field == 1 }
        case .fields(let plans): return plans.flatMap(bodyTerms)
        default: return []
        }
    }

    /// A text's term factors (first appearance order, summed factors) are the same from the small-query scans and
    /// the long-query index, as the plain dictionary definition gives them.
    @Test func termFactorsOfShortAndLongTextsFollowTheDefinition() throws {
        let (reader, dir) = try Self.reader()
        _ = dir
        let planner = Planner(reader: reader, ranking: .default)
        let ranking = Ranking.default
        func reference(_ terms: [AnalyzedTerm]) -> [String] {
            var covered = Set<Int>()
            for t in terms where t.kind == .bigram { covered.insert(t.position); covered.insert(t.position + 1) }
            var factors: [String: Double] = [:], order: [String] = []
            for t in terms {
                let factor: Double
                switch t.kind {
                case .bigram: factor = ranking.bigramWeight
                case .subword: factor = t.text.utf8.first == 0x23 ? ranking.trigramWeight : ranking.subwordWeight
                case .join: factor = 0
                case .word: factor = covered.contains(t.position) ? ranking.runUnigramWeight : 1
                }
                if factor == 0 { continue }
                if factors[t.text] == nil { order.append(t.text) }
                factors[t.text, default: 0] += factor
            }
            return order.map { "\($0)=\(factors[$0]!)" }
        }
        let text = try corpusText("weifang-2023q3-key-work.txt")
        for length in [12, 40, 300, 2_000] {
            let terms = try reader.analyzer.terms(in: String(text.prefix(length)) + " 升规纳统 升规纳统 AI芯片")
            #expect(planner.termFactors(terms).map { "\($0.text)=\($0.factor)" } == reference(terms), "\(length)")
            if length == 2_000 { #expect(terms.count > 64) }
        }
    }

    @Test func termsAreWeightedByTheirCollectionWideIDF() throws {
        let (reader, dir) = try Self.reader()
        _ = dir
        let planner = Planner(reader: reader, ranking: .default)
        let common = Self.bodyTerms(try planner.plan(.text("统计", field: nil)))
        let rare = Self.bodyTerms(try planner.plan(.text("农业", field: nil)))
        try #require(common.count == 1 && rare.count == 1, "\(common) \(rare)")
        #expect(common[0].term == Array("统计".utf8) && rare[0].term == Array("农业".utf8))
        // Same field, same kind of term: the weights differ by idf alone (df 2 and 1 of 4 documents).
        let expected = BM25Field.idf(documentCount: 4, documentFrequency: 1) / BM25Field.idf(documentCount: 4, documentFrequency: 2)
        #expect(abs(rare[0].weight / common[0].weight - expected) < 1e-12, "\(rare[0].weight) / \(common[0].weight)")
        #expect(abs(try planner.idf(1, Array("统计".utf8)) - log(1 + 2.5 / 2.5)) < 1e-12)
    }

    @Test func absentTermsPlanNothingAndUnknownFieldsAreBadQueries() throws {
        let (reader, dir) = try Self.reader()
        _ = dir
        let planner = Planner(reader: reader, ranking: .default)
        guard case .none = try planner.plan(.text("数字经济", field: "body")) else {
            Issue.record("a term of no document planned to something")
            return
        }
        #expect(throws: KiteError.self) { try planner.plan(.text("统计", field: "nosuchfield")) }
        guard case .keyword(let field, let accept) = try planner.plan(try QueryParser().parse("period:2023Q2")) else {
            Issue.record("a keyword query is not a keyword plan")
            return
        }
        #expect(reader.schema.keywordFields[field] == "period" && accept("2023Q2") && !accept("2023Q3"))
    }

    @Test func aPhraseKeepsItsWordsAndTheirOffsets() throws {
        let (reader, dir) = try Self.reader()
        _ = dir
        let planner = Planner(reader: reader, ranking: .default)
        guard case .phrase(let phrase) = try planner.plan(.phrase("统计 普查", field: "body")) else {
            Issue.record("a quoted phrase in one field is not a phrase plan")
            return
        }
        #expect(phrase.field == 1 && phrase.terms == [Array("统计".utf8), Array("普查".utf8)] && phrase.offsets == [0, 1])
        #expect(phrase.weight > 0)
    }
}

/// The query tokenizer classifies each character once from its scalars; the classes must be what comparing
/// `Character`s and asking `isWhitespace` (the definition it replaced) gives, for every character.
@Suite struct QueryTokenizerTests {
    static func reference(_ c: Character) -> QueryParser.CharacterClass {
        if c.isWhitespace { return .space }
        switch c {
        case "(", "（": return .lparen
        case ")", "）": return .rparen
        case "[": return .lbracket
        case "]": return .rbracket
        case ":", "：": return .colon
        case "\"", "“", "”": return .quote
        case "+": return .plus
        case "-": return .minus
        default: return .text
        }
    }

    @Test func everyCharacterIsClassedAsByComparison() {
        var characters: [Character] = (0...0xFFFF).compactMap { Unicode.Scalar(UInt32($0)).map(Character.init) }
        characters += ["\r\n", "(\u{301}", "+\u{20DD}", "中\u{301}", "\u{3000}\u{301}", "𠀀", "👍🏽", " \u{301}"]
        for c in characters {
            #expect(QueryParser.classify(c) == Self.reference(c), "U+\(String(c.unicodeScalars.first!.value, radix: 16))")
        }
    }

    /// A query of scalars that stand alone is tokenized by scalar: the same tokens and error positions as by
    /// character. Two such scalars never make one character (every scalar but the ideographs, each before and after
    /// each of them and of every 97th ideograph); any other scalar (a combining mark) takes the path by character.
    @Test func queriesOfLoneScalarsTokenizeAsByCharacter() throws {
        let lone = (0...0xFFFF).compactMap { Unicode.Scalar(UInt32($0)) }.filter(QueryParser.standsAlone)
        #expect(lone.count > 27_000)
        let others = lone.filter { !(0x3400...0x9FFF).contains($0.value) }
        for s in others + lone.filter({ (0x3400...0x9FFF).contains($0.value) && $0.value % 97 == 0 }) {
            for o in others {
                #expect(Array(String(s) + String(o)).count == 2, "U+\(String(s.value, radix: 16)) U+\(String(o.value, radix: 16))")
                #expect(Array(String(o) + String(s)).count == 2, "U+\(String(o.value, radix: 16)) U+\(String(s.value, radix: 16))")
            }
        }
        let parser = QueryParser()
        #expect(try parser.parse("title:（新质 OR 生产力） +统计 -\"普查 工作\"") ==
                parser.parse("title:(新质 OR 生产力) +统计 -\"普查 工作\""))
        #expect(try parser.parse("é（统计）") == parser.parse("é(统计)"))  // é: the path by character
        for bad in ["统计 \"普查", "统计 AND", "(统计", "统计 title:", "e\u{301} \"普查"] {
            var positions: [Int] = []
            for text in [bad, bad.replacingOccurrences(of: "统计", with: "统计\u{301}")] {
                do { _ = try parser.parse(text) } catch { if case .badQuery(_, let p) = error { positions.append(p) } }
            }
            #expect(positions.count == 2 && positions[0] == positions[1], "\(bad): \(positions)")
        }
    }

    @Test func syntaxSplitsWordsAsWritten() throws {
        let parser = QueryParser()
        #expect(try parser.parse("（新质生产力）") == parser.parse("(新质生产力)"))
        #expect(try parser.parse("“高质量 发展”") == .phrase("高质量 发展", field: nil))
        #expect(try parser.parse("C++ 入门") == parser.parse("C++\u{3000}入门"))
        #expect(throws: KiteError.self) { try parser.parse("\"未闭合") }
    }
}
