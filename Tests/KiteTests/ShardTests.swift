import Foundation
import Testing
@testable import Kite

/// A corpus indexed once and as a shard set of 4, routed by ``ShardSet/shard(ofDocument:count:)``: both are built once
/// for the suite.
private final class ShardedCorpus: @unchecked Sendable {  // immutable after init
    static let shared = ShardedCorpus()
    let directory = TemporaryDirectory()
    let documents: [Document]
    let single: IndexReader
    let sharded: IndexReader

    private init() {
        var docs: [Document] = []
        let ingestion = Ingestion()
        for name in ["gov-work-reports-provincial-2026.jsonl", "weifang-2023q3-key-work.txt", "gov-work-reports-national.jsonl"] {
            var n = 0
            try! ingestion.forEachDocument(inFile: KiteProcess.repository + "/Corpus/" + name, { doc in
                // Every passage of the provincial reports and the weifang items; the national reports of 2010 on.
                if name.hasPrefix("gov-work-reports-national"), (doc["period"] ?? "") < "2010" { return }
                docs.append(doc)
                n += 1
            }, onError: { Issue.record("\($0)") })
            precondition(n > 0, "no documents in \(name)")
        }
        documents = docs
        let single = directory.sub("single")
        let set = directory.sub("set")
        let writer = try! IndexWriter(at: single)
        let shardWriters = (0..<4).map { try! IndexWriter(at: set + "/s\($0)") }
        for doc in docs {
            try! writer.add(doc)
            let route = PassageID.document(of: doc.id) ?? doc.id
            try! shardWriters[ShardSet.shard(ofDocument: route, count: 4)].add(doc)
        }
        for w in [writer] + shardWriters {
            try! w.commit()
            w.close()
        }
        try! ShardSet(shards: (0..<4).map { "s\($0)" }).write(directory: set)
        self.single = try! IndexReader(at: single)
        self.sharded = try! IndexReader(at: set)
    }

    /// 100 queries drawn from the documents' text with a fixed seed: one to three chunks of 2–4 characters starting
    /// at a random place, some quoted, some OR'ed, some excluded, some filtered by period.
    func queries() -> [String] {
        var random = SeededRandom(seed: 18)
        func chunk() -> String {
            while true {
                let text = Array(documents[Int(random.next() % UInt64(documents.count))]["body"] ?? "")
                guard text.count > 8 else { continue }
                let start = Int(random.next() % UInt64(text.count - 4))
                let piece = String(text[start..<start + 2 + Int(random.next() % 3)])
                if piece.unicodeScalars.allSatisfy({ (0x4E00...0x9FFF).contains($0.value) }) { return piece }
            }
        }
        return (0..<100).map { i in
            switch i % 6 {
            case 0: return chunk()
            case 1: return chunk() + " " + chunk()
            case 2: return "\"\(chunk())\" OR \(chunk())"
            case 3: return chunk() + " -" + chunk()
            case 4: return chunk() + " period:[2015 TO 2026]"
            default: return chunk() + " OR " + chunk() + " OR " + chunk()
            }
        }
    }
}

@Suite struct ShardTests {
    @Test func routingIsFNV1a64OfTheIDModuloTheShardCount() {
        // FNV-1a 64 of "" is the offset basis; of "a" 0xaf63dc4c8601ec8c (the published test vector).
        let basis: UInt64 = 0xcbf2_9ce4_8422_2325, a: UInt64 = 0xaf63_dc4c_8601_ec8c
        #expect(ShardSet.shard(ofDocument: "", count: 1_000_003) == Int(basis % 1_000_003))
        #expect(ShardSet.shard(ofDocument: "a", count: 1_000_003) == Int(a % 1_000_003))
        // Over UTF-8 bytes; the Spark job's Python (Scale/spark/) checks the same value.
        #expect(ShardSet.shard(ofDocument: "潍坊市统计局", count: 1_000_003) == 569_307)
        let counts = (0..<4_000).reduce(into: [0, 0, 0, 0]) { c, i in c[ShardSet.shard(ofDocument: "doc-\(i)", count: 4)] += 1 }
        #expect(counts.allSatisfy { $0 > 900 && $0 < 1_100 }, "\(counts)")
    }

    @Test func fourShardsRankAndCountExactlyAsOneIndexForAHundredQueries() throws {
        let corpus = ShardedCorpus.shared
        #expect(corpus.sharded.shards.count == 4)
        #expect(corpus.sharded.documentCount == corpus.single.documentCount)
        #expect(corpus.sharded.shards.allSatisfy { (try? IndexReader(at: $0.path).documentCount) ?? 0 > 0 })
        var withHits = 0
        for query in corpus.queries() {
            for match in [MatchMode.any, .exact, .related] {
                let options = SearchOptions(limit: 10, highlights: false, match: match)
                let one = try corpus.single.search(query, options: options)
                let four = try corpus.sharded.search(query, options: options)
                try expectSameRanking(one, four, "\(query) [\(match)]")
                if match == .exact && one.totalHits > 0 { withHits += 1 }
            }
        }
        #expect(withHits >= 60, "too few queries find anything for the comparison to mean much: \(withHits)")
    }

    /// Equal totals and facets; equal top-10 scores (1e-9 relative); equal ids where the score is not tied with
    /// another hit's or the cut-off's.
    private func expectSameRanking(_ a: SearchResults, _ b: SearchResults, _ label: String) throws {
        #expect(a.totalHits == b.totalHits, "\(label): totals \(a.totalHits) and \(b.totalHits)")
        #expect(a.facets.map { "\($0.value)=\($0.count)" }.sorted() == b.facets.map { "\($0.value)=\($0.count)" }.sorted(), "\(label)")
        try #require(a.hits.count == b.hits.count, "\(label): \(a.hits.count) and \(b.hits.count) hits")
        for (x, y) in zip(a.hits, b.hits) {
            #expect(abs(x.score - y.score) <= 1e-9 * max(abs(x.score), 1e-300), "\(label): scores \(x.score) and \(y.score)")
            #expect(x.isRelated == y.isRelated, "\(label)")
        }
        let scores = a.hits.map(\.score)
        for (i, (x, y)) in zip(a.hits, b.hits).enumerated() where scores.filter({ $0 == x.score }).count == 1 {
            // The last place may tie with a hit beyond the cut-off.
            if i == a.hits.count - 1 && a.hits.count == 10 { continue }
            #expect(x.documentID == y.documentID, "\(label): place \(i + 1) \(x.documentID) and \(y.documentID)")
            #expect(x.id == y.id && x.matchingPassages == y.matchingPassages, "\(label): place \(i + 1)")
        }
    }

    @Test func aShardSetChecksSoundAndItsStatisticsAddUp() throws {
        let corpus = ShardedCorpus.shared
        let report = corpus.sharded.check()
        #expect(report.isSound, "\(report.problems)")
        let s = corpus.sharded.statistics()
        #expect(s.shards == 4 && s.documents == corpus.single.documentCount)
        #expect(s.generation == corpus.sharded.shards.reduce(0) { $0 + $1.generation })
        let parts = try corpus.sharded.shards.map { try IndexReader(at: $0.path).statistics() }
        #expect(s.totalBytes == parts.reduce(0) { $0 + $1.totalBytes })
        #expect(s.segments == parts.reduce(0) { $0 + $1.segments })
    }

    @Test func anIDLiveInTwoShardsIsAProblemForCheck() throws {
        let dir = TemporaryDirectory()
        let docs = RelCorpus.documents(3)
        for (i, shard) in ["a", "b"].enumerated() {
            let w = try IndexWriter(at: dir.sub(shard))
            try w.add(docs[i])
            try w.add(docs[2])
            try w.commit()
            w.close()
        }
        let reader = try IndexReader(shards: [dir.sub("a"), dir.sub("b")])
        let report = reader.check()
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.contains(docs[2].id) == true, "\(report.problems)")
    }

    @Test func shardsOfAnotherAnalyzerOrSchemaAreRefusedByName() throws {
        let dir = TemporaryDirectory()
        let docs = RelCorpus.documents(2)
        let w1 = try IndexWriter(at: dir.sub("a"))
        try w1.add(docs[0]); try w1.commit(); w1.close()
        var other = AnalyzerConfiguration.default
        other.emitsBigrams = false
        let w2 = try IndexWriter(at: dir.sub("b"), analyzer: other)
        try w2.add(docs[1]); try w2.commit(); w2.close()
        #expect {
            try IndexReader(shards: [dir.sub("a"), dir.sub("b")])
        } throws: { error in
            guard case KiteError.shardSet(_, let reason) = error else { return false }
            return reason.contains(dir.sub("b")) && reason.contains("analyzer")
        }
        #expect(throws: KiteError.self) { try IndexReader(shards: [dir.sub("a"), dir.sub("missing")]) }
        try ShardSet(shards: ["../a"]).write(directory: dir.sub("set"))
        #expect {
            try IndexReader(shards: [dir.sub("b"), dir.sub("set")])
        } throws: { error in
            guard case KiteError.shardSet(_, let reason) = error else { return false }
            return reason.contains("itself a shard set")
        }
    }

    @Test func aWriterAimedAtAShardSetIsRefusedAndLeavesItAsItWas() throws {
        let corpus = ShardedCorpus.shared
        let set = corpus.directory.sub("set")
        let before = try IndexDirectory.list(set).sorted()
        #expect {
            try IndexWriter(at: set)
        } throws: { error in
            if case KiteError.shardSet = error { return true }
            return false
        }
        #expect(try IndexDirectory.list(set).sorted() == before)
        #expect(throws: KiteError.self) { try ShardSet(shards: ["x"]).write(directory: corpus.directory.sub("single")) }
    }

    @Test func aShardSetBacksUpShardByShardAndTheCopySearchesTheSame() throws {
        let corpus = ShardedCorpus.shared
        let dir = TemporaryDirectory()
        let summary = try IndexBackup.copy(from: corpus.directory.sub("set"), to: dir.sub("copy"))
        #expect(summary.generation == corpus.sharded.generation)
        let copy = try IndexReader(at: dir.sub("copy"))
        #expect(copy.shards.map { $0.path.split(separator: "/").last! } == ["shard-0", "shard-1", "shard-2", "shard-3"])
        for query in corpus.queries().prefix(10) {
            try expectSameRanking(try corpus.sharded.search(query), try copy.search(query), query)
        }
    }

    @Test func oneDirectoryNamedTwiceOrASetThatIsAlsoAnIndexIsRefused() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.sub("a"))
        try w.add(RelCorpus.documents(1)[0]); try w.commit(); w.close()
        for twice in [[dir.sub("a"), dir.sub("a") + "/."], [dir.sub("a"), dir.sub("a/../a")]] {
            #expect {
                try IndexReader(shards: twice)
            } throws: { error in
                guard case KiteError.shardSet(_, let reason) = error else { return false }
                return reason.contains("same directory")
            }
        }
        try Data("a\n".utf8).write(to: URL(fileURLWithPath: dir.sub("a/shards")))
        #expect(throws: KiteError.self) { try IndexReader(at: dir.sub("a")) }
        #expect(throws: KiteError.self) { try ShardSet(shards: ["s0", ""]).write(directory: dir.sub("set")) }
    }

    @Test func aDamagedShardIsNamedByItsDirectory() throws {
        let dir = TemporaryDirectory()
        for (i, shard) in ["a", "b"].enumerated() {
            let w = try IndexWriter(at: dir.sub(shard))
            try w.add(RelCorpus.documents(2, prefix: shard)[i]); try w.commit(); w.close()
        }
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.sub("b")).first { $0.hasSuffix(".doc") })
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: dir.sub("b/" + name)))
        try handle.seek(toOffset: 30)
        try handle.write(contentsOf: Data([0xFF, 0xFF, 0xFF]))
        try handle.close()
        let report = try IndexReader(shards: [dir.sub("a"), dir.sub("b")]).check()
        #expect(!report.isSound && report.problems.allSatisfy { $0.hasPrefix(dir.sub("b")) }, "\(report.problems)")
    }

    @Test func aBackupOfASetThatFailsPartWayLeavesTheDestinationEmpty() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.sub("set/s0"))
        try w.add(RelCorpus.documents(1)[0]); try w.commit(); w.close()
        try ShardSet(shards: ["s0", "s1"]).write(directory: dir.sub("set"))  // s1 is missing
        #expect(throws: KiteError.self) { try IndexBackup.copy(from: dir.sub("set"), to: dir.sub("copy")) }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir.sub("copy"))) ?? []).isEmpty)
        try FileManager.default.createDirectory(atPath: dir.sub("set/s1"), withIntermediateDirectories: true)
        let w1 = try IndexWriter(at: dir.sub("set/s1"))
        try w1.add(RelCorpus.documents(2)[1]); try w1.commit(); w1.close()
        #expect(try IndexBackup.copy(from: dir.sub("set"), to: dir.sub("copy")).files > 2)
        #expect(try IndexReader(at: dir.sub("copy")).documentCount == 2)
    }

    @Test func theShardsFileReadsCommentsBlankLinesAndAbsolutePaths() throws {
        let dir = TemporaryDirectory()
        try Data("# a comment\n\n  s0  \n/abs/s1\r\n".utf8).write(to: URL(fileURLWithPath: dir.sub("shards")))
        let set = try #require(try ShardSet.read(directory: dir.path))
        #expect(set.shards == ["s0", "/abs/s1"])
        #expect(set.paths(in: "/x") == ["/x/s0", "/abs/s1"])
        try Data("# nothing\n".utf8).write(to: URL(fileURLWithPath: dir.sub("shards")))
        #expect(throws: KiteError.self) { try ShardSet.read(directory: dir.path) }
        #expect(try ShardSet.read(directory: dir.sub("none")) == nil)
    }
}

@Suite struct ShardCLITests {
    @Test func theCLISearchesAShardSetOrRepeatedIndexesAsOneAndRefusesToWriteIntoASet() throws {
        let corpus = ShardedCorpus.shared
        let set = corpus.directory.sub("set")
        let single = corpus.directory.sub("single")
        let query = "高质量发展 -疫情"
        let one = try KiteProcess.run(["search", query, "--index", single, "--json", "--limit", "5"])
        let viaSet = try KiteProcess.run(["search", query, "--index", set, "--json", "--limit", "5"])
        let shards = (0..<4).flatMap { ["--index", set + "/s\($0)"] }
        let viaList = try KiteProcess.run(["search", query, "--json", "--limit", "5"] + shards)
        #expect(one.status == 0 && viaSet.status == 0 && viaList.status == 0, "\(viaSet.stderr) \(viaList.stderr)")
        // The same JSON but for the timing field.
        func comparable(_ s: String) throws -> NSDictionary {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
            return object.filter { !$0.key.lowercased().contains("millis") && !$0.key.lowercased().contains("took") } as NSDictionary
        }
        #expect(try comparable(one.stdout) == comparable(viaSet.stdout))
        #expect(try comparable(one.stdout) == comparable(viaList.stdout))

        let stats = try KiteProcess.run(["stats", "--index", set])
        #expect(stats.status == 0 && stats.stdout.contains("shards      4"), "\(stats.stdout)")
        let check = try KiteProcess.run(["check", "--index", set])
        #expect(check.status == 0, "\(check.stderr)")

        let refused = try KiteProcess.run(["index", "--index", set, KiteProcess.repository + "/Corpus/weifang-2023q3-key-work.txt"])
        #expect(refused.status != 0)
        #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("shard"), "\(refused.stderr)")
        let twice = try KiteProcess.run(["index", "--index", single, "--index", set, "x.jsonl"])
        #expect(twice.status != 0 && twice.stderr.contains("--index once"), "\(twice.stderr)")
    }
}
