import Foundation
import Testing
@testable import Kite

/// A straightforward BM25 over the same analysis, to check the engine's scores against.
struct ReferenceBM25 {
    var docs: [(id: String, fields: [String: [String]])]  // field → word terms (positions = indices)
    var k1 = 1.2, b = 0.75
    /// N counts deleted documents too (as the engine does until a merge).
    var totalDocuments: Int

    func score(id: String, terms: [String], field: String) -> Double {
        guard let doc = docs.first(where: { $0.id == id }) else { return 0 }
        let lens = docs.map { Double($0.fields[field]?.count ?? 0) }
        let avg = lens.reduce(0, +) / Double(totalDocuments)
        var s = 0.0
        for t in terms {
            let df = docs.filter { $0.fields[field]?.contains(t) ?? false }.count
            guard df > 0 else { continue }
            let idf = log(1 + (Double(totalDocuments) - Double(df) + 0.5) / (Double(df) + 0.5))
            let tf = Double(doc.fields[field]?.filter { $0 == t }.count ?? 0)
            let dl = Double(doc.fields[field]?.count ?? 0)
            s += idf * tf / (tf + k1 * (1 - b + b * dl / avg))
        }
        return s
    }
}

@Suite struct IndexTests {
    let latin = AnalyzerConfiguration(segmenter: .whitespace, repairsExtractionArtifacts: false, foldsTraditional: false, emitsBigrams: false)

    @Test func bm25MatchesAHandComputation() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, analyzer: latin)
        try w.add(Document(id: "a", fields: ["body": "x y z"]))
        try w.add(Document(id: "b", fields: ["body": "x x w"]))
        try w.add(Document(id: "c", fields: ["body": "w w w w w w"]))
        try w.commit()
        w.close()
        let r = try IndexReader(at: dir.path)
        let res = try r.search(Query.text("x", field: "body"), options: SearchOptions(ranking: .plainBM25))
        // N = 3, df(x) = 2, avgdl = 4; idf = ln(1 + 1.5/2.5).
        let idf = log(1 + (3 - 2 + 0.5) / (2 + 0.5))
        let a = idf * 1 / (1 + 1.2 * (1 - 0.75 + 0.75 * 3 / 4))
        let bScore = idf * 2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 3 / 4))
        #expect(res.hits.map(\.id) == ["b", "a"])
        #expect(abs(res.hits[0].score - bScore) < 1e-9)
        #expect(abs(res.hits[1].score - a) < 1e-9)
        #expect(res.totalHits == 2)
    }

    @Test func scoresMatchReferenceAcrossSegmentsAndDeletes() throws {
        let dir = TemporaryDirectory()
        var rng = SeededRandom(seed: 7)
        let vocab = (0..<40).map { "w\($0)" }
        var docs: [(id: String, fields: [String: [String]])] = []
        let w = try IndexWriter(at: dir.path, analyzer: latin, options: .init(mergesAfterCommit: false))
        for i in 0..<300 {
            let n = 1 + Int(rng.next() % 30)
            let words = (0..<n).map { _ in vocab[Int(rng.next() % UInt64(vocab.count)) % (5 + Int(rng.next() % 35))] }
            let title = (0..<(1 + Int(rng.next() % 4))).map { _ in vocab[Int(rng.next() % 10)] }
            try w.add(Document(id: "d\(i)", fields: ["body": words.joined(separator: " "), "title": title.joined(separator: " ")]))
            docs.append(("d\(i)", ["body": words, "title": title]))
            if i % 70 == 69 { try w.commit() }
        }
        for i in stride(from: 0, to: 300, by: 7) { try w.delete(id: "d\(i)") }
        try w.commit()
        w.close()
        let r = try IndexReader(at: dir.path)
        #expect(r.segmentCount >= 4)
        #expect(r.documentCount == 300 - 43)
        let ref = ReferenceBM25(docs: docs, totalDocuments: 300)
        for q in [["w1"], ["w2", "w3"], ["w0", "w17", "w33"], ["w5", "w5"]] {
            let res = try r.search(Query.text(q.joined(separator: " "), field: nil),
                                   options: SearchOptions(limit: 1000, highlights: false, ranking: .plainBM25, match: .any))
            for hit in res.hits {
                let expected = ref.score(id: hit.id, terms: q, field: "body") + ref.score(id: hit.id, terms: q, field: "title")
                #expect(abs(hit.score - expected) < 1e-4, "\(q) \(hit.id)")
                #expect(Int(hit.id.dropFirst())! % 7 != 0)
            }
            let expectedHits = docs.enumerated().filter { i, d in
                i % 7 != 0 && q.contains { t in d.fields["body"]!.contains(t) || d.fields["title"]!.contains(t) }
            }.count
            #expect(res.totalHits == expectedHits)
        }
    }

    @Test func roundTripAfterReopenAndMerge() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, options: .init(mergesAfterCommit: false))
        let text = try corpusText("weifang-2023q3-key-work.txt")
        let paragraphs = text.components(separatedBy: "\n  ").filter { !$0.isEmpty }
        for (i, p) in paragraphs.enumerated() {
            try w.add(Document(id: "p\(i)", fields: ["body": p, "period": i % 2 == 0 ? "2023Q3" : "2023Q4"]))
            if i % 20 == 19 { try w.commit() }
        }
        try w.commit()
        let before = try IndexReader(at: dir.path)
        let q = "升规纳统"
        let r1 = try before.search(q, options: SearchOptions(limit: 50))
        #expect(r1.totalHits > 0)
        #expect(before.segmentCount > 1)
        try w.forceMerge(maxSegments: 1)
        w.close()
        let after = try IndexReader(at: dir.path)
        #expect(after.segmentCount == 1)
        let r2 = try after.search(q, options: SearchOptions(limit: 50))
        #expect(r2.hits.map(\.id) == r1.hits.map(\.id))
        for (a, b) in zip(r1.hits, r2.hits) {
            #expect(abs(a.score - b.score) < 1e-9)
            #expect(a.fields == b.fields)
            #expect(a.highlights == b.highlights)
        }
        #expect(r1.facets.map(\.value) == r2.facets.map(\.value))
        // The reader opened before the merge still sees its snapshot.
        let again = try before.search(q, options: SearchOptions(limit: 50))
        #expect(again == r1)
        // Stored fields and positions survive: a phrase from the text is found.
        let phrase = try after.search("\"升规纳统\"")
        #expect(phrase.totalHits > 0)
        #expect(phrase.hits.allSatisfy { $0.fields["body"]!.filter { !$0.isWhitespace }.contains("升规纳统") })
    }

    /// A writer is `Sendable`: tasks add, delete and commit concurrently; every call lands whole.
    @Test func oneWriterIsSharedAmongTasks() async throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, options: .init(ramBudget: 1 << 20, mergeFactor: 3))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask {
                    for i in 0..<60 {
                        try w.add(Document(id: "t\(t)-\(i)", fields: ["body": "任务\(t) 文档 统计 \(i)", "period": "2026"]))
                        if i % 10 == 9 { _ = try w.delete(id: "t\(t)-\(i - 1)") }
                        if i % 20 == 19 { try w.commit() }
                    }
                }
            }
            try await group.waitForAll()
        }
        try w.commit()
        #expect(w.liveDocumentCount == 4 * 54)
        w.close()
        let r = try IndexReader(at: dir.path)
        #expect(r.documentCount == 4 * 54 && r.check().isSound)
        #expect(try r.search("统计", options: SearchOptions(limit: 0)).totalHits == 4 * 54)
        #expect(try r.document(id: "t2-8") == nil && r.document(id: "t2-9") != nil)
    }

    @Test func replaceByIDAndDelete() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, analyzer: latin)
        try w.add(Document(id: "x", fields: ["body": "alpha"]))
        try w.commit()
        try w.add(Document(id: "x", fields: ["body": "beta"]))
        try w.add(Document(id: "y", fields: ["body": "beta"]))
        try w.add(Document(id: "y", fields: ["body": "gamma"]))  // duplicate in one batch: last wins
        try w.commit()
        let r = try IndexReader(at: dir.path)
        #expect(r.documentCount == 2)
        #expect(try r.search("alpha").totalHits == 0)
        #expect(try r.search("beta").hits.map(\.id) == ["x"])
        #expect(try r.search("gamma").hits.map(\.id) == ["y"])
        #expect(try w.delete(id: "x"))
        #expect(try !w.delete(id: "nope"))
        try w.commit()
        #expect(try IndexReader(at: dir.path).documentCount == 1)
        #expect(r.documentCount == 2)  // old snapshot
        // "y" was replaced inside one batch: its segment holds a deleted and a live copy; delete finds the live one.
        #expect(try IndexReader(at: dir.path).document(id: "y")?["body"] == "gamma")
        w.close()
        // A new writer deletes from segments that have no delete file yet, and replaces across sessions.
        let w2 = try IndexWriter(at: dir.path, analyzer: latin)
        try w2.add(Document(id: "z", fields: ["body": "delta"]))
        try w2.commit()
        w2.close()
        let w3 = try IndexWriter(at: dir.path, analyzer: latin)
        #expect(try w3.delete(id: "z"))
        #expect(try w3.delete(id: "y"))
        try w3.add(Document(id: "x2", fields: ["body": "beta"]))
        try w3.commit()
        w3.close()
        let final = try IndexReader(at: dir.path)
        #expect(final.documentCount == 1)
        #expect(try final.search("gamma").totalHits == 0)
        #expect(try final.search("delta").totalHits == 0)
        #expect(final.check().isSound)
    }

    /// Threads change which segment a document lands in, not what is found or how it scores. Deleted copies count
    /// in BM25's statistics until a merge drops them (as in Lucene), and which copies an automatic merge drops depends
    /// on flush timing, so the comparison runs without automatic merges and again after a full merge; merged, it
    /// also equals one segment written in one flush (a thread's next builder reuses its token stream and memo).
    @Test func threadedWriterMatchesSingleThreaded() throws {
        let text = try corpusText("weifang-2023q3-key-work.txt")
        let paragraphs = text.components(separatedBy: "\n  ").filter { !$0.isEmpty }
        var unmerged: [[String: Double]] = []
        var merged: [[String: Double]] = []
        func scores(_ r: IndexReader) throws -> [String: Double] {
            var scores: [String: Double] = [:]
            for hit in try r.search("统计 工作 潍坊", options: SearchOptions(limit: 100)).hits {
                scores[hit.id] = (hit.score * 1e6).rounded() / 1e6
            }
            return scores
        }
        for (threads, budget) in [(1, 200_000), (3, 200_000), (1, 256 << 20)] {
            let dir = TemporaryDirectory()
            let w = try IndexWriter(
                at: dir.path, options: .init(ramBudget: budget, mergesAfterCommit: false, threads: threads))
            for (i, p) in paragraphs.enumerated() { try w.add(Document(id: "p\(i % 50)", fields: ["body": p])) }
            try w.delete(id: "p7")
            try w.commit()
            #expect(w.liveDocumentCount == 49)
            let r = try IndexReader(at: dir.path)
            #expect(r.documentCount == 49)
            #expect(r.deletedCount == paragraphs.count - 49)
            #expect(r.check().isSound)
            unmerged.append(try scores(r))
            try w.forceMerge(maxSegments: 1)
            w.close()
            let m = try IndexReader(at: dir.path)
            #expect(m.documentCount == 49 && m.deletedCount == 0)
            merged.append(try scores(m))
        }
        #expect(unmerged[0] == unmerged[1])
        #expect(merged[0] == merged[1])
        #expect(merged[0] == merged[2])
        #expect(!merged[0].isEmpty)
        #expect(Set(merged[0].keys) == Set(unmerged[0].keys))
    }

    /// With analysis threads, documents travel in batches: every one added before a commit is in it (full batches,
    /// the last partial one, replacements across batches), and a rollback drops a partial batch with the rest.
    @Test func batchedDocumentsOfAnalysisThreadsAllLandAndRollBackTogether() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, options: .init(mergesAfterCommit: false, threads: 2))
        for i in 0..<1_000 { try w.add(Document(id: "d\(i)", fields: ["body": "第\(i)条 统计 工作"])) }
        for i in stride(from: 0, to: 1_000, by: 7) { try w.add(Document(id: "d\(i)", fields: ["body": "替换 \(i)"])) }
        try w.commit()
        let r = try IndexReader(at: dir.path)
        #expect(r.documentCount == 1_000)
        #expect(try r.search("统计", options: SearchOptions(limit: 0)).totalHits == 1_000 - 143)
        #expect(try r.search("替换", options: SearchOptions(limit: 0)).totalHits == 143)
        for i in 0..<10 { try w.add(Document(id: "late\(i)", fields: ["body": "迟到"])) }
        w.rollback()
        let after = try IndexReader(at: dir.path)
        #expect(after.documentCount == 1_000)
        #expect(try after.search("迟到", options: SearchOptions(limit: 0)).totalHits == 0)
        let again = try IndexWriter(at: dir.path, options: .init(threads: 2))
        try again.add(Document(id: "late0", fields: ["body": "迟到"]))
        try again.commit()
        again.close()
        #expect(try IndexReader(at: dir.path).documentCount == 1_001)
    }

    /// A merge keeps only the keyword values that live documents use: a value only deleted documents had is gone,
    /// so value tables do not grow with every update.
    @Test func mergeDropsKeywordValuesOfDeletedDocuments() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, options: .init(mergesAfterCommit: false))
        try w.add(Document(id: "a", fields: ["body": "甲", "period": "2023Q1"]))
        try w.add(Document(id: "b", fields: ["body": "乙", "period": "2023Q2"]))
        try w.commit()
        try w.add(Document(id: "c", fields: ["body": "丙", "period": "2023Q3"]))
        try w.delete(id: "b")
        try w.commit()
        try w.forceMerge(maxSegments: 1)
        w.close()
        let r = try IndexReader(at: dir.path)
        #expect(r.segmentCount == 1)
        let period = try #require(r.schema.keywordFields.firstIndex(of: "period"))
        #expect(r.segments[0].keywordValues[period] == ["2023Q1", "2023Q3"])
        #expect(try r.search("period:2023Q3").hits.map(\.id) == ["c"])
        #expect(try r.search("period:2023Q2").totalHits == 0)
    }

    /// The snippet shows where the query was found whole rather than where more of its words are scattered.
    @Test func snippetPrefersTheQueryFoundWhole() throws {
        let scattered = "抓好安全生产和防灾减灾工作，全面完成安全生产治本攻坚三年行动，提升风险隐患排查治理质效，生产经营稳定。"
        let filler = String(repeating: "加强基础设施建设和公共服务保障。", count: 8)
        let text = scattered + filler + "培育壮大新质生产力，推动产业升级。"
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        try w.add(Document(id: "p", fields: ["body": text]))
        try w.commit()
        w.close()
        let reader = try IndexReader(at: dir.path)
        let hit = try #require(try reader.search("新质生产力").hits.first)
        #expect(hit.highlights["body"]?.count == 1, "a matching hit marks the query where it matches")
        // Marks of the query's terms (a related hit's) are scattered: more of them up front.
        let ranges = try #require(try reader.highlights(of: .text("新质生产力", field: nil), in: ["body": text], marking: .terms)["body"])
        #expect(ranges.filter { $0.lowerBound < scattered.utf8.count }.count > 1)
        let snippet = Snippet(text: text, highlights: ranges, maxCharacters: 40)
        #expect(snippet.text.contains("新质生产力"), "\(snippet.text)")
    }

    @Test func secondWriterIsLockedOut() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        #expect(throws: KiteError.indexLocked(path: dir.path)) { try IndexWriter(at: dir.path) }
        w.close()
        _ = try IndexWriter(at: dir.path)
    }

    @Test func analyzerMismatchIsAnError() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, analyzer: latin)
        try w.add(Document(id: "x", fields: ["body": "alpha"]))
        try w.commit()
        w.close()
        #expect(throws: KiteError.self) { try IndexWriter(at: dir.path) }
        #expect(throws: KiteError.self) { try IndexReader(at: dir.path, analyzer: .default) }
        #expect(try IndexReader(at: dir.path, analyzer: latin).documentCount == 1)
    }

    @Test func missingIndexIsAnError() throws {
        #expect(throws: KiteError.indexNotFound(path: "/nonexistent/kite")) { try IndexReader(at: "/nonexistent/kite") }
    }

    @Test func booleanPhraseFieldAndKeywordQueries() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, analyzer: latin)
        try w.add(Document(id: "1", fields: ["title": "red apple", "body": "a red apple fell", "period": "2019"]))
        try w.add(Document(id: "2", fields: ["title": "green apple", "body": "apple red green", "period": "2023Q3"]))
        try w.add(Document(id: "3", fields: ["title": "red car", "body": "fast car", "period": "2023"]))
        try w.add(Document(id: "4", fields: ["title": "blue sky", "body": "sky", "period": "2026-02"]))
        try w.commit()
        let r = try IndexReader(at: dir.path)
        func ids(_ q: String) throws -> Set<String> {
            Set(try r.search(q, options: SearchOptions(limit: 100, match: .exact)).hits.map(\.id))
        }
        #expect(try ids("apple") == ["1", "2"])
        #expect(try ids("apple AND car") == [])
        #expect(try ids("red AND apple") == ["1", "2"])
        #expect(try ids("red -apple") == ["3"])
        #expect(try ids("red NOT car") == ["1", "2"])
        #expect(try ids("+red apple") == ["1", "2"])  // every chunk matches; `+` matters for ranking and `.any`
        #expect(Set(try r.search("+red apple", options: SearchOptions(limit: 100, match: .any)).hits.map(\.id)) == ["1", "2", "3"])
        #expect(try ids("\"red apple\"") == ["1"])
        #expect(try ids("title:red") == ["1", "3"])
        #expect(try ids("title:(green OR blue)") == ["2", "4"])
        #expect(try ids("apple period:2019") == ["1"])
        #expect(try ids("period:[2019 TO 2023]") == ["1", "2", "3"])
        let got = try ids("red period:[2023 TO *]"); let parsed = try QueryParser().parse("red period:[2023 TO *]"); #expect(got == ["2", "3"], "\(got) \(parsed)")
        #expect(try ids("(red OR sky) AND NOT apple") == ["3", "4"])
        let res = try r.search("red", options: SearchOptions(limit: 1))
        #expect(res.totalHits == 3)
        #expect(res.hits.count == 1)
        #expect(res.facets.map(\.value) == ["2019", "2023", "2023Q3"])
        #expect(res.hits[0].highlights["title"] != nil)
    }

    @Test func malformedQueriesThrowWithPosition() throws {
        let p = QueryParser()
        for (q, pos) in [("(a", 0), ("a)", 1), ("\"abc", 0), ("a AND", 2), ("OR a", 0), ("nope:x", 0), ("", 0),
                         ("period:[2019 2023]", 7)] {
            do {
                _ = try p.parse(q)
                Issue.record("\(q) parsed")
            } catch let KiteError.badQuery(_, position) {
                #expect(position == pos, "\(q)")
            }
        }
        let deep = String(repeating: "(", count: 100) + "a" + String(repeating: ")", count: 100)
        #expect(throws: KiteError.self) { try p.parse(deep) }
    }
}

/// The merge policy alone: which segments each kind of merge takes.
@Suite struct MergePolicyTests {
    @Test func aCommitMergesTheSmallestWhileThereAreTooMany() {
        let p = MergePolicy(mergeFactor: 3)
        #expect(p.afterCommit(live: [5, 1, 9]) == nil)
        #expect(Set(p.afterCommit(live: [5, 1, 9, 2]) ?? []) == [0, 1, 3])
    }

    @Test func forceMergeLeavesAtMostTheTargetAndDropsDeletesOfALoneSegment() {
        let p = MergePolicy(mergeFactor: 10)
        #expect(Set(p.forced(live: [5, 1, 9, 2], hasDeletes: [false, false, false, false], maxSegments: 2) ?? []) == [1, 3, 0])
        #expect(p.forced(live: [5, 1], hasDeletes: [false, false], maxSegments: 2) == nil)
        #expect(p.forced(live: [5], hasDeletes: [true], maxSegments: 1) == [0])
        #expect(p.forced(live: [5], hasDeletes: [false], maxSegments: 1) == nil)
        #expect(p.forced(live: [5, 4], hasDeletes: [false, false], maxSegments: 0)?.count == 2)
    }
}

/// The deletes file kind alone: a seeded write-then-read round trip, and a count that disagrees with the manifest.
@Suite struct DeletesFileTests {
    @Test func seededDeletesRoundTrip() throws {
        let dir = TemporaryDirectory()
        var rng = SeededRandom(seed: 0xDE1E7E5)
        for docCount in [1, 63, 64, 65, 1000] {
            var set = DeleteSet(docCount: docCount)
            for _ in 0..<(docCount / 3 + 1) { set.insert(Int(rng.next() % UInt64(docCount))) }
            let info = SegmentInfo(id: rng.next() | 1, docCount: docCount, deleteGeneration: 1, deletedCount: set.count)
            try DeletesFile.write(set, info, directory: dir.path)
            #expect(try DeletesFile.read(info, directory: dir.path) == set)
            var wrong = info
            wrong.deletedCount += 1
            #expect(throws: KiteError.self) { try DeletesFile.read(wrong, directory: dir.path) }
        }
        let none = SegmentInfo(id: 7, docCount: 10, deleteGeneration: 0, deletedCount: 0)
        #expect(try DeletesFile.read(none, directory: dir.path).count == 0)
    }
}

/// The writer's term table alone: ids against a dictionary model, across growth, lengths on both sides of the
/// eight bytes a slot holds inline, and bytes that are zero (a zero-padded prefix must not make "a" equal "a\0").
@Suite struct TermTableTests {
    @Test func internedIDsAndSortedOrderAgreeWithADictionary() {
        var rng = SeededRandom(seed: 0x7E4A)
        let table = TermTable(capacity: 4)
        var model: [[UInt8]: UInt32] = [:]
        var terms: [[UInt8]] = [[], [0], [0, 0], [97], [97, 0], [0, 97]]
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 100 < 90 ? rng.next() % 12 : rng.next() % 300)
            terms.append((0..<length).map { _ in UInt8(rng.next() % 4) })  // a small alphabet: many repeats
        }
        for term in terms + terms.shuffled(using: &rng) {
            let id = term.withUnsafeBufferPointer { table.intern($0) }
            if let known = model[term] { #expect(id == known) } else {
                #expect(id == UInt32(model.count))
                model[term] = id
            }
        }
        #expect(table.count == model.count)
        for (term, id) in model { table.withTerm(Int(id)) { #expect(Array($0) == term) } }
        let sorted = table.sortedIDs().map { id in table.withTerm(Int(id)) { Array($0) } }
        #expect(sorted == model.keys.sorted { $0.lexicographicallyPrecedes($1) })
    }

    /// The hash as first written: eight bytes at a time, then the tail byte by byte, little-endian, zero-padded.
    static func referenceHash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        while i + 8 <= bytes.count {
            var word: UInt64 = 0
            for k in 0..<8 { word |= UInt64(bytes[i + k]) << UInt64(8 * k) }
            h = (h ^ word) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        for (k, b) in bytes[i...].enumerated() { tail |= UInt64(b) << UInt64(8 * k) }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ h >> 29
    }

    @Test func hashesOfEveryLengthEqualTheBytewiseDefinition() {
        var rng = SeededRandom(seed: 0x4A5)
        for length in 0...40 {
            for round in 0..<200 {
                let bytes: [UInt8] = (0..<length).map { _ in
                    round == 0 ? 0 : round == 1 ? 0xFF : UInt8(truncatingIfNeeded: rng.next())
                }
                let got = bytes.withUnsafeBytes { TermTable.hash($0) }
                #expect(got == Self.referenceHash(bytes), "length \(length)")
            }
        }
    }
}

extension SeededRandom: RandomNumberGenerator {}

/// Passage ids (`id#n`) are recognized from their last bytes alone, as the definition over the whole id says.
@Suite struct PassageIDTests {
    /// The definition: the last `#`, then 1–9 decimal digits without a leading zero, after a non-empty id.
    static func reference(_ id: String) -> (String, Int)? {
        let bytes = Array(id.utf8)
        guard let hash = bytes.lastIndex(of: 0x23), hash > 0, hash + 1 < bytes.count else { return nil }
        let digits = bytes[(hash + 1)...]
        guard digits.count <= 9, digits.first != 0x30, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return (String(decoding: bytes[..<hash], as: UTF8.self), Int(String(decoding: digits, as: UTF8.self))!)
    }

    @Test func passageIDsSplitAsTheDefinitionSays() {
        var ids = ["a#1", "a#0", "a#01", "a#123456789", "a#1234567890", "#1", "a#", "a#1#2", "a#b", "文档#12", "a##3",
                   "a#1x", "a1", "", "#", "x#999999999", "报告/2026#7"]
        var random = SeededRandom(seed: 0x1D5)
        let alphabet: [String] = ["a", "#", "0", "1", "9", "中", "/"]
        for _ in 0..<20_000 {
            ids.append((0..<Int(random.next() % 14)).map { _ in alphabet[Int(random.next() % 7)] }.joined())
        }
        for id in ids {
            let got = PassageID.split(id)
            let want = Self.reference(id)
            #expect(got?.document == want?.0 && got?.number == want?.1, "\(id)")
        }
    }
}
