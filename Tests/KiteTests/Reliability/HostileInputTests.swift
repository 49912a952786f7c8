import Foundation
import Testing
@testable import Kite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Hostile input: hostile queries, random bytes, unusual documents and ids are refused or answered, never crash. (ReliabilityTests, issue 5; every random choice from a fixed seed.)
extension ReliabilityTests {

    static let queryFragments: [String] = [
        "(", ")", "（", "）", "\"", "“", "”", "[", "]", ":", "：", "+", "-", "AND", "OR", "NOT", "TO", "&&", "||", "*",
        " ", "  ", "\n", "\t", "\r\n", "\u{0}", "\u{1B}", "\u{7F}", "\u{85}", "\u{A0}", "\u{3000}", "\u{FFFD}",
        "\u{FEFF}", "\u{200B}", "\u{200D}", "\u{10FFFF}", "\u{E000}", "\u{1F600}", "\u{1F1E8}\u{1F1F3}", "e\u{301}",
        "\u{301}", "ﬁ", "Ⅻ", "𠀀", "\u{D7FF}", "title", "body", "period", "source", "id", "foo", "title:", "body:",
        "period:", "period:[", "period:[2019 TO 2023]", "period:[* TO *]", "department:", "统计", "升规纳统",
        "高质量发展", "发展", "经济", "改革", "的", "2023Q3", "2025-03", "99999999999999999999999", "-1", "1e308",
        "\\", "'", "/", "%", "\"\"", "()", "[]", "發展", "ＡＢＣ", "１２３", "a", "b c",
    ]

    static func randomQuery(_ rng: inout SeededRandom) -> String {
        switch rng.next() % 100 {
        case 0, 1:  // deep parentheses, balanced or not
            let open = Int(rng.next() % 80), close = Int(rng.next() % 80)
            return String(repeating: "(", count: open) + "发展" + String(repeating: ")", count: close)
        case 2:  // around the length limit
            let n = QueryParser.maxLength - 20 + Int(rng.next() % 40)
            let unit = queryFragments[Int(rng.next() % UInt64(queryFragments.count))]
            return String(String(repeating: unit, count: n / max(1, unit.count) + 1).prefix(n))
        case 3..<10:  // random scalars
            var s = ""
            for _ in 0..<(rng.next() % 60) {
                let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x4E00...0x9FFF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
                let r = ranges[Int(rng.next() % UInt64(ranges.count))]
                if let u = Unicode.Scalar(r.lowerBound + UInt32(rng.next() % UInt64(r.count))) { s.unicodeScalars.append(u) }
            }
            return s
        case 10 where rng.next() % 8 == 0:  // many clauses (slow in debug builds, so rare)
            return String(repeating: "发展 ", count: 1000 + Int(rng.next() % 100))
        default:
            var s = ""
            for _ in 0..<(rng.next() % 24) {
                s += queryFragments[Int(rng.next() % UInt64(queryFragments.count))]
                if rng.next() % 3 == 0 { s += " " }
            }
            return s
        }
    }

    static func smallIndex(_ tmp: TemporaryDirectory) throws -> IndexReader {
        let dir = tmp.sub("idx")
        let w = try IndexWriter(at: dir)
        for d in RelCorpus.documents(120) { try w.add(d) }
        try w.commit()
        w.close()
        return try IndexReader(at: dir)
    }

    /// Thousands of random query strings through the parser and the search: only `badQuery` comes back, with a
    /// position inside the query; a query that parses searches without error; all of it quickly.
    @Test func hostileQueriesAreRejectedOrAnswered() throws {
        let tmp = TemporaryDirectory()
        let reader = try Self.smallIndex(tmp)
        let parser = QueryParser()
        var rng = SeededRandom(seed: 0x5EED_0004)
        var crafted: [String] = [
            "", " ", "\n", "\u{0}", "(", ")", "((((", "))))", "\"", "\"unterminated", "“", "“发展”", "period:[",
            "period:[2019", "period:[2019 TO", "period:[2019 TO 2023", "period:[TO TO TO]", "period:]", "period:",
            "title:", "title:title:a", "title:(发展 OR (改革 AND period:2025Q1))", "-发展", "NOT 发展", "-a -b", "+a -a",
            "发展 AND", "AND 发展", "OR", "发展 OR OR 改革", "+-发展", "period:[99999999999999999999999999 TO 1e999]",
            "period:[* TO *]", "period:[* TO 2024]", "period:[\"2023\" TO \"2025\"]", "unknown:发展", "id:d0001",
            String(repeating: "(", count: 32) + "发展" + String(repeating: ")", count: 32),
            String(repeating: "(", count: 33) + "发展" + String(repeating: ")", count: 33),
            String(repeating: "(", count: 4000) + "a" + String(repeating: ")", count: 4000),
            String(repeating: "发展 ", count: 1024), String(repeating: "a ", count: 1025),
            String(repeating: "统", count: QueryParser.maxLength), String(repeating: "统", count: QueryParser.maxLength + 1),
            String(repeating: "发展", count: 5000), String(repeating: "\"发展\" ", count: 1000),
            String(repeating: "x", count: 100_000), String(repeating: "-", count: 5000), String(repeating: "\"", count: 5001),
        ]
        while crafted.count < 5000 { crafted.append(Self.randomQuery(&rng)) }

        var parsed = 0, rejected = 0, refusedBySearch = 0, slowest = 0.0, slowestQuery = ""
        let start = Date()
        for q in crafted {
            let t0 = Date()
            do {
                let query = try parser.parse(q)
                #expect(try parser.parse(q) == query)
                do {
                    let res = try reader.search(query, options: SearchOptions(limit: 5, highlights: parsed % 3 == 0))
                    #expect(res.hits.filter { !$0.isRelated }.count <= min(5, res.totalHits))
                    parsed += 1
                } catch {
                    // The planner has limits of its own (terms per clause); anything else is a failure.
                    guard case .badQuery(_, let position) = error, position >= 0, position <= q.count else {
                        Issue.record("query \(String(q.unicodeScalars.prefix(80)).debugDescription) parsed but search failed: \(error)")
                        continue
                    }
                    refusedBySearch += 1
                }
            } catch {
                rejected += 1
                if case .badQuery(let message, let position) = error {
                    #expect(position >= 0 && position <= q.count, "\(String(q.unicodeScalars.prefix(80)).debugDescription): position \(position) \(message)")
                } else {
                    Issue.record("query \(String(q.unicodeScalars.prefix(80)).debugDescription): \(error)")
                }
            }
            let t = Date().timeIntervalSince(t0)
            if t > slowest { slowest = t; slowestQuery = String(q.unicodeScalars.prefix(40)) }
        }
        let total = Date().timeIntervalSince(start)

        // Limits as documented.
        #expect(throws: KiteError.self) { _ = try parser.parse(String(repeating: "(", count: 33) + "a" + String(repeating: ")", count: 33)) }
        _ = try parser.parse(String(repeating: "(", count: 32) + "a" + String(repeating: ")", count: 32))
        _ = try parser.parse(String(repeating: "a ", count: QueryParser.maxClauses))
        #expect(throws: KiteError.self) { _ = try parser.parse(String(repeating: "a ", count: QueryParser.maxClauses + 1)) }
        #expect(throws: KiteError.self) { _ = try parser.parse(String(repeating: "a", count: QueryParser.maxLength + 1)) }
        #expect(try reader.search("period:[* TO *]", options: SearchOptions(limit: 0)).totalHits == reader.documentCount)
        #expect(try reader.search("period:[99999999999999999999999999 TO 1e999]", options: SearchOptions(limit: 0)).totalHits == 0)

        #expect(crafted.count == 5000)
        #expect(total < 60, "5,000 queries took \(total) s")
        #expect(slowest < 5, "slowest query \(slowestQuery.debugDescription) took \(slowest) s")
        print("ReliabilityTests: \(crafted.count) hostile queries (\(parsed) answered, \(rejected) rejected by the parser, \(refusedBySearch) by the search) in "
              + "\(String(format: "%.2f", total)) s, slowest \(String(format: "%.3f", slowest)) s")
    }

    /// A query of thousands of `+` or `-` (within the 10,000-character limit) must be rejected with `badQuery`, not
    /// overflow the stack. (Found by these tests: `parseUnary` recursed once per operator; ~9,990 `+` crashed.)
    @Test func longChainsOfUnaryOperatorsAreRejected() throws {
        let parser = QueryParser()
        for q in [String(repeating: "+", count: 9990) + "a", String(repeating: "-", count: 9990) + "a",
                  String(repeating: "-+", count: 4995) + "a", String(repeating: "+", count: QueryParser.maxLength)] {
            #expect(throws: KiteError.self) { _ = try parser.parse(q) }
        }
        // The same on a thread with a small stack, as a server would run it.
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            _ = try? QueryParser().parse(String(repeating: "-", count: 9990) + "a")
            done.signal()
        }
        t.stackSize = 512 << 10
        t.start()
        done.wait()
    }

    /// Query strings of 100,000 terms, and huge range bounds: refused (`badQuery`) or answered, quickly.
    @Test func hugeQueryStringsAreRefusedQuickly() throws {
        let tmp = TemporaryDirectory()
        let reader = try Self.smallIndex(tmp)
        let options = SearchOptions(limit: 10, highlights: false)
        let t0 = Date()
        for q in [(0..<100_000).map { "w\($0)" }.joined(separator: " "), String(repeating: "发展 ", count: 100_000),
                  String(repeating: "\"发展\" OR ", count: 100_000) + "a", String(repeating: "period:2024 ", count: 100_000)] {
            do {
                _ = try reader.search(q, options: options)
                Issue.record("a query of \(q.count) characters was accepted")
            } catch {
                guard case .badQuery = error else { Issue.record("\(error)"); continue }
            }
        }
        // At the limits: 1,024 clauses, 10,000 characters of one word.
        _ = try reader.search(String(repeating: "改革 ", count: QueryParser.maxClauses), options: options)
        do {
            _ = try reader.search(String(repeating: "统", count: QueryParser.maxLength), options: options)
        } catch {
            guard case .badQuery = error else { Issue.record("\(error)"); return }
        }
        let big = String(repeating: "9", count: 5000)
        #expect(try reader.search("period:[\(big) TO *]", options: options).totalHits == 0)
        #expect(try reader.search("period:[* TO \(big)]", options: options).totalHits == reader.documentCount)
        #expect(try reader.search(Query.range(field: "period", lower: big, upper: big), options: options).totalHits == 0)
        let t = Date().timeIntervalSince(t0)
        #expect(t < 20, "took \(t) s")
        print("ReliabilityTests: huge query strings refused or answered in \(String(format: "%.2f", t)) s")
    }

    /// Queries built directly (not parsed) with 100,000 terms or clauses: refused with `badQuery`, or answered in
    /// seconds. (Found by these tests: the parser's limits were not applied to a `Query` given to `search`, and
    /// such queries took 15-66 s in a debug build.)
    @Test func hugeQueriesBuiltDirectlyAreRefusedOrFast() throws {
        let tmp = TemporaryDirectory()
        let reader = try Self.smallIndex(tmp)
        let options = SearchOptions(limit: 10, highlights: false)
        let queries: [(String, Query)] = [
            ("100k distinct words", .text((0..<100_000).map { "w\($0)" }.joined(separator: " "), field: nil)),
            ("100k known words", .text(String(repeating: "发展 ", count: 100_000), field: nil)),
            ("100k-word phrase", .phrase(String(repeating: "发展 ", count: 100_000), field: "body")),
            ("100k clauses", .boolean((0..<100_000).map { Query.Clause(.should, .text("w\($0)", field: nil)) })),
            ("100k known clauses", .boolean((0..<100_000).map { _ in Query.Clause(.should, .text("发展", field: nil)) })),
        ]
        for (what, q) in queries {
            let t0 = Date()
            do {
                _ = try reader.search(q, options: options)
            } catch {
                guard case .badQuery = error else { Issue.record("\(what): \(error)"); continue }
            }
            let t = Date().timeIntervalSince(t0)
            #expect(t < 5, "\(what) took \(t) s")
        }
    }

    /// Random bytes and random Unicode through the analyzer: invalid UTF-8 gives `invalidUTF8` at the first bad
    /// byte; valid text gives terms whose source ranges lie on character boundaries inside the input, and words at
    /// consecutive positions.
    @Test func analyzerHandlesRandomBytesAndUnicode() throws {
        var rng = SeededRandom(seed: 0x5EED_0005)
        let analyzers = [Analyzer(), Analyzer(AnalyzerConfiguration(segmenter: .whitespace)),
                         Analyzer(AnalyzerConfiguration(repairsExtractionArtifacts: false, foldsTraditional: false))]
        let sample = Array(RelCorpus.paragraphs[3].utf8.prefix(200))
        let alphabet: [UInt8] = [0x00, 0x20, 0x0A, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE5, 0xED,
                                 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0xB7, 0xA5]
        var invalid = 0, valid = 0, terms = 0

        func checkTerms(_ out: [AnalyzedTerm], _ bytes: [UInt8], _ what: String) {
            var nextWord = 0
            let words = out.filter { $0.kind == .word }.count
            for t in out {
                let r = t.sourceRange
                guard r.lowerBound >= 0, r.lowerBound < r.upperBound, r.upperBound <= bytes.count else {
                    Issue.record("\(what): range \(r) outside \(bytes.count) bytes")
                    return
                }
                #expect(bytes[r.lowerBound] & 0xC0 != 0x80, "\(what): range \(r) starts inside a character")
                #expect(r.upperBound == bytes.count || bytes[r.upperBound] & 0xC0 != 0x80, "\(what): range \(r) ends inside a character")
                #expect(!t.text.isEmpty)
                if t.kind == .word {
                    #expect(t.position == nextWord, "\(what): word at \(t.position), expected \(nextWord)")
                    nextWord += 1
                } else {
                    #expect(t.position >= 0 && t.position < words, "\(what): bigram at \(t.position)")
                }
            }
            terms += out.count
        }

        for i in 0..<4500 {
            var bytes: [UInt8]
            switch i % 3 {
            case 0:
                bytes = (0..<(rng.next() % 48)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1:
                bytes = sample
                for _ in 0..<(1 + rng.next() % 3) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            default:
                bytes = (0..<(rng.next() % 48)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            }
            let bad = Rel.firstInvalidUTF8(bytes)
            #expect((bad == nil) == (String(validating: bytes, as: UTF8.self) != nil), "test's own UTF-8 check")
            let analyzer = analyzers[i % analyzers.count]
            do {
                let out = try analyzer.terms(inUTF8: bytes)
                valid += 1
                #expect(bad == nil, "\(bytes): accepted, but byte \(bad ?? -1) is not UTF-8")
                checkTerms(out, bytes, "\(bytes)")
            } catch {
                invalid += 1
                #expect(error == .invalidUTF8(byteOffset: bad ?? -1), "\(bytes): \(error)")
            }
        }

        let ranges: [ClosedRange<UInt32>] = [0x0...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF,
                                             0x4E00...0x9FFF, 0x3000...0x303F, 0xFF00...0xFFEF, 0x300...0x36F, 0x9...0xD]
        for i in 0..<3000 {
            var s = ""
            for _ in 0..<(rng.next() % 40) {
                let r = ranges[Int(rng.next() % UInt64(ranges.count))]
                if let u = Unicode.Scalar(r.lowerBound + UInt32(rng.next() % UInt64(r.count))) { s.unicodeScalars.append(u) }
            }
            let analyzer = analyzers[i % analyzers.count]
            let out = try analyzer.terms(in: s)
            #expect(try analyzer.terms(in: s) == out)
            // A String's bytes are decoded without checks, raw bytes with them: the same terms either way.
            #expect(try analyzer.terms(inUTF8: Array(s.utf8)) == out)
            checkTerms(out, Array(s.utf8), s.debugDescription)
            valid += 1
        }
        print("ReliabilityTests: analyzer fuzz: \(valid) valid inputs (\(terms) terms), \(invalid) invalid UTF-8 rejected")
    }

    /// Empty documents, odd ids, duplicates in one batch, and a rejected empty or over-long id.
    @Test func unusualDocumentsIndexAndSearch() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let w = try IndexWriter(at: dir)
        let odd = ["a/b/c", "../../etc/passwd", "line\nbreak", "tab\there", "中文/标识", "emoji 😀", "\u{FFFD}", " space ",
                   "nul\u{0}byte", "e\u{301}", String(repeating: "x", count: 4096), "\"quoted\"", "period:2023"]
        for (i, id) in odd.enumerated() {
            try w.add(Document(id: id, fields: ["body": "奇特标识 zzodd\(i)", "period": "2023"]))
        }
        let empties = ["empty-body": ["body": ""], "no-fields": [:], "blank": ["body": " \n\t\u{3000} "],
                       "punctuation": ["body": "。，！？……"], "empty-title": ["title": "", "body": "正文"]]
        for (id, fields) in empties { try w.add(Document(id: id, fields: fields)) }
        try w.add(Document(id: "dup", fields: ["body": "alpha 甲"]))
        try w.add(Document(id: "dup", fields: ["body": "beta 乙"]))
        try w.add(Document(id: "dup", fields: ["body": "gamma 丙"]))
        #expect(throws: KiteError.self) { try w.add(Document(id: "", fields: ["body": "x"])) }
        #expect(throws: KiteError.self) { try w.add(Document(id: String(repeating: "x", count: 4097), fields: ["body": "x"])) }
        try w.commit()

        var expected = Set(odd).union(empties.keys).union(["dup"])
        func verify(_ stage: String) throws {
            let r = try IndexReader(at: dir)
            #expect(try Rel.liveIDs(r) == expected, "\(stage)")
            #expect(r.documentCount == expected.count, "\(stage)")
            for (i, id) in odd.enumerated() {
                #expect(try r.document(id: id)?["body"] == "奇特标识 zzodd\(i)", "\(stage): \(id.debugDescription)")
                // The exact id first; others share the Latin trigrams of zzodd (sub-word terms) and may follow.
                let hits = try r.search("zzodd\(i)", options: SearchOptions(limit: 3)).hits
                #expect(hits.first?.id == id, "\(stage): \(id.debugDescription)")
                #expect(try r.search("\"zzodd\(i)\"", options: SearchOptions(limit: 3)).hits.map(\.id) == [id])
            }
            #expect(try r.search("奇特标识", options: SearchOptions(limit: 0)).totalHits == odd.count)
            #expect(try r.document(id: "no-fields") == [:])
            #expect(try r.document(id: "dup")?["body"] == "gamma 丙", "\(stage)")
            #expect(try r.search("alpha", options: SearchOptions(limit: 0)).totalHits == 0, "\(stage)")
            #expect(try r.search("beta", options: SearchOptions(limit: 0)).totalHits == 0, "\(stage)")
            #expect(try r.search("gamma", options: SearchOptions(limit: 0)).totalHits == 1, "\(stage)")
            let report = r.check()
            #expect(report.isSound, "\(stage): \(report.problems)")
        }
        try verify("first commit")
        // Replace and delete across commits, then merge everything into one segment.
        try w.add(Document(id: "dup", fields: ["body": "gamma 丙"]))
        try w.delete(id: "line\nbreak")
        #expect(try !w.delete(id: "line break"))
        expected.remove("line\nbreak")
        try w.add(Document(id: "line\nbreak", fields: ["body": "奇特标识 zzodd2"]))
        expected.insert("line\nbreak")
        try w.commit()
        try verify("second commit")
        try w.forceMerge(maxSegments: 1)
        w.close()
        try verify("merged")
        #expect(try IndexReader(at: dir).segmentCount == 1)
    }

    /// Ids are compared byte for byte on disk (the sorted id table), so two ids that are different bytes but
    /// canonically equivalent Unicode ("e\u{301}" and "é") must be two documents, whether or not they are in one
    /// batch, and each must be found by its own id only. (Found by these tests: ids were compared as Swift Strings in
    /// the writer's buffer and in `documents(withID:)`, so 'é' replaced 'e\u{301}' in one batch but not across
    /// commits, and `document(id:)` returned the other document.)
    @Test func canonicallyEquivalentIDsStayDistinct() throws {
        let decomposed = "e\u{301}", precomposed = "\u{E9}"
        for sameBatch in [true, false] {
            let tmp = TemporaryDirectory()
            let w = try IndexWriter(at: tmp.path)
            try w.add(Document(id: decomposed, fields: ["body": "zzfirst"]))
            if !sameBatch { try w.commit() }
            try w.add(Document(id: precomposed, fields: ["body": "zzsecond"]))
            try w.commit()
            let r = try IndexReader(at: tmp.path)
            #expect(r.documentCount == 2, "same batch: \(sameBatch)")
            #expect(try r.document(id: decomposed)?["body"] == "zzfirst", "same batch: \(sameBatch)")
            #expect(try r.document(id: precomposed)?["body"] == "zzsecond", "same batch: \(sameBatch)")
            let ids = try r.search(Query.all, options: SearchOptions(limit: 10, highlights: false)).hits.map { Array($0.id.utf8) }
            #expect(Set(ids) == [Array(decomposed.utf8), Array(precomposed.utf8)], "same batch: \(sameBatch)")
            #expect(try w.delete(id: decomposed))
            try w.commit()
            w.close()
            let r2 = try IndexReader(at: tmp.path)
            #expect(try r2.document(id: precomposed)?["body"] == "zzsecond", "same batch: \(sameBatch)")
            #expect(try r2.document(id: decomposed) == nil, "same batch: \(sameBatch)")
        }
    }

    /// One document of many megabytes of corpus text: it indexes, is found, and is stored whole.
    @Test func aLargeDocumentIndexesAndIsSearchable() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let text = RelCorpus.paragraphs.joined(separator: "\n")
        let target = 4 << 20
        var big = ""
        big.reserveCapacity(target + text.utf8.count)
        while big.utf8.count < target { big += text + "\n" }
        big += "结尾标记zzend"
        let t0 = Date()
        let w = try IndexWriter(at: dir)
        try w.add(Document(id: "big", fields: ["title": "大文档", "body": big]))
        try w.add(Document(id: "small", fields: ["body": "发展"]))
        try w.commit()
        w.close()
        let indexed = Date().timeIntervalSince(t0)
        let r = try IndexReader(at: dir)
        let res = try r.search("zzend", options: SearchOptions(limit: 5, highlights: false, storedFields: false))
        #expect(res.hits.map(\.id) == ["big"])
        let both = try r.search("发展", options: SearchOptions(limit: 5, highlights: false, storedFields: false))
        #expect(Set(both.hits.map(\.id)) == ["big", "small"])
        #expect(try r.search("\"结尾 标记\"", options: SearchOptions(limit: 5, highlights: false, storedFields: false)).totalHits == 1)
        #expect(try r.document(id: "big")?["body"] == big)
        let total = Date().timeIntervalSince(t0)
        #expect(total < 60)
        print("ReliabilityTests: a \(big.utf8.count >> 20) MB document indexed in \(String(format: "%.1f", indexed)) s, all in \(String(format: "%.1f", total)) s")
    }

    /// Fifty thousand one-word documents: the counts are right.
    @Test func manyTinyDocumentsCountRight() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let t0 = Date()
        let w = try IndexWriter(at: dir)
        for i in 0..<50_000 { try w.add(Document(id: "t\(i)", fields: ["body": "w\(i % 1000)"])) }
        try w.commit()
        for i in stride(from: 0, to: 50_000, by: 1000) { try w.delete(id: "t\(i)") }  // every "w0"
        try w.commit()
        w.close()
        let r = try IndexReader(at: dir)
        #expect(r.documentCount == 49_950)
        // Quoted: the words themselves (unquoted, the sub-word terms w and 7 match too).
        #expect(try r.search("\"w7\"", options: SearchOptions(limit: 0)).totalHits == 50)
        #expect(try r.search("\"w0\"", options: SearchOptions(limit: 0)).totalHits == 0)
        #expect(try r.search("\"w1\" OR \"w2\" OR \"w3\"", options: SearchOptions(limit: 0)).totalHits == 150)
        #expect(try r.search(Query.all, options: SearchOptions(limit: 0)).totalHits == 49_950)
        #expect(r.check().isSound)
        print("ReliabilityTests: 50,000 tiny documents in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
    }
}
