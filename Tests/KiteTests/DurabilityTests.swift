import Foundation
import Testing
@testable import Kite

// Backups while writing, export and reindex, and indexes of another ICU version (issue 15).

@Suite(.serialized) struct DurabilityTests {
    /// An index of format version 2 (stored blocks in zlib), written by Kite 0.4 and checked in: it is read,
    /// searched, checked, exported and merged without a rebuild; what a merge writes is this build's version (zstd,
    /// join filters).
    @Test func aVersion2IndexWrittenByKite04StaysReadable() throws {
        let dir = TemporaryDirectory()
        let path = dir.sub("index")
        try FileManager.default.copyItem(atPath: KiteProcess.repository + "/Tests/Fixtures/index-v2", toPath: path)
        func storedVersions() throws -> Set<UInt32> {
            let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".sto") }
            return Set(try names.map { name in
                let data = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))
                return data.withUnsafeBytes { FileFormat.version(of: $0) }
            })
        }
        #expect(try storedVersions() == [2])
        var before: [Document] = []
        let old = try IndexReader(at: path)
        try old.forEachDocument { before.append($0) }
        #expect(before.count == 85 && old.check().isSound, "\(old.check())")
        let hit = try #require(try old.search("升规纳统").hits.first)
        #expect(hit.id == "2023Q3/59/2" && hit.fields["body"]?.contains("升规纳统") == true)

        let writer = try IndexWriter(at: path)
        try writer.forceMerge()
        writer.close()
        #expect(try storedVersions() == [FileFormat.version])
        var after: [Document] = []
        let merged = try IndexReader(at: path)
        try merged.forEachDocument { after.append($0) }
        #expect(after == before && merged.segmentCount == 1 && merged.check().isSound)
    }

    /// Twenty backups, hard-linked and copied in turn, taken while another thread keeps adding, committing every four
    /// documents and merging (files of older commits are removed as it goes): each is a whole index of one commit —
    /// it opens, checks sound, and holds exactly the documents of some commit — and stays so after the writer has
    /// merged away the files it linked.
    @Test func backupsWhileAWriterCommitsAreWholeCommits() throws {
        let dir = TemporaryDirectory()
        let docs = RelCorpus.documents(4_000)
        let w = try IndexWriter(at: dir.sub("idx"), options: .init(ramBudget: 1 << 20, mergeFactor: 2))
        try w.add(docs[0])
        try w.commit()
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var backupsDone = false
            var writerError: String?
            var added = 1
        }
        let shared = Shared(), source = dir.sub("idx")
        let writer = Thread {
            do {
                for d in docs.dropFirst() {
                    if shared.lock.withLock({ shared.backupsDone }) { break }
                    try w.add(d)
                    let added = shared.lock.withLock { shared.added += 1; return shared.added }
                    if added % 4 == 1 { try w.commit() }
                }
            } catch {
                shared.lock.withLock { shared.writerError = "\(error)" }
            }
        }
        writer.start()
        var taken: [(path: String, summary: IndexBackup.Summary)] = []
        for k in 0..<20 {
            let dest = dir.sub("backup\(k)")
            taken.append((dest, try IndexBackup.copy(from: source, to: dest, method: k % 2 == 0 ? .linkWhenPossible : .copy)))
            Rel.sleep(seconds: 0.005)
        }
        shared.lock.withLock { shared.backupsDone = true }
        while !writer.isFinished { Rel.sleep(seconds: 0.01) }
        try w.commit()
        try w.forceMerge()
        w.close()
        #expect(shared.writerError == nil, "\(shared.writerError ?? "")")
        let added = shared.lock.withLock { shared.added }
        #expect(added < docs.count, "the writer ran out of documents before the backups were taken")
        var counts: [Int] = []
        for (k, (dest, summary)) in taken.enumerated() {
            let r = try IndexReader(at: dest)
            #expect(r.generation == summary.generation && r.check().isSound, "\(dest)")
            #expect(try Rel.liveIDs(r) == Set(docs.prefix(r.documentCount).map(\.id)), "\(dest) is one commit's documents")
            #expect(r.documentCount % 4 == 1, "\(dest): \(r.documentCount) documents is no commit's count")
            #expect(k % 2 == 0 ? summary.linkedFiles == summary.files - 1 : summary.linkedFiles == 0, "\(summary)")
            try Rel.expectOnlyReferencedFiles(dest)
            counts.append(r.documentCount)
        }
        #expect(counts == counts.sorted() && Set(counts).count > 1, "\(counts)")
        print("backups under load: documents \(counts), \(added) added")
        // A backup that cannot copy a file (here: one gone from the source) fails and leaves an empty destination.
        let broken = dir.sub("broken")
        try IndexBackup.copy(from: source, to: broken + "-source")
        let victim = try #require(try FileManager.default.contentsOfDirectory(atPath: broken + "-source").first { $0.hasSuffix(".sto") })
        try FileManager.default.removeItem(atPath: broken + "-source/" + victim)
        #expect(throws: KiteError.self) { try IndexBackup.copy(from: broken + "-source", to: broken) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: broken).isEmpty)
        #expect(throws: KiteError.self) { try IndexBackup.copy(from: source, to: taken[0].path) }
        try IndexBackup.copy(from: source, to: dir.sub("final"))
        #expect(try IndexReader(at: dir.sub("final")).documentCount == added)
    }

    /// A full disk (a 3 MB tmpfs; the test needs the right to mount one, and is skipped without it): adding and
    /// committing fail with a typed ENOSPC error, the last commit stays whole and searchable, no stray file is left,
    /// and `kite index` says so in one line with status 2.
    @Test(.enabled(if: FullDisk.canMount, "needs permission to mount a tmpfs"))
    func aFullDiskFailsCleanlyAndKeepsTheLastCommit() throws {
        let dir = TemporaryDirectory()
        let fs = dir.sub("fs")
        try FileManager.default.createDirectory(atPath: fs, withIntermediateDirectories: true)
        #expect(try Rel.shell("mount -t tmpfs -o size=3m tmpfs \"$1\"", [fs]).status == 0)
        defer { _ = try? Rel.shell("umount \"$1\"", [fs]) }
        let docs = RelCorpus.documents(4_000)
        let w = try IndexWriter(at: fs + "/idx", options: .init(ramBudget: 256 << 10, mergeFactor: 4))
        var committed = 0
        var failure: KiteError?
        for (i, d) in docs.enumerated() {
            do {
                try w.add(d)
                if i % 50 == 49 { try w.commit(); committed = i + 1 }
            } catch {
                failure = error
                break
            }
        }
        w.close()
        guard case .io(_, _, let code)? = failure else { Issue.record("no ENOSPC: \(String(describing: failure))"); return }
        #expect(code == ENOSPC && committed > 0)
        let r = try IndexReader(at: fs + "/idx")
        #expect(r.documentCount == committed && r.check().isSound, "\(r.documentCount) in the index, \(committed) committed, failure \(String(describing: failure))")
        #expect(try r.search("统计", options: SearchOptions(limit: 0)).totalHits >= 0)
        try Rel.expectOnlyReferencedFiles(fs + "/idx")

        try RelCorpus.jsonl(docs).write(toFile: dir.sub("big.jsonl"), atomically: false, encoding: .utf8)
        let cli = try KiteProcess.run(["index", dir.sub("big.jsonl"), "--index", fs + "/cli"])
        #expect(cli.status == 2 && cli.stderr.split(separator: "\n").count == 1, "\(cli.stderr)")
        #expect(cli.stderr.contains("No space left on device"), "\(cli.stderr)")
    }

    /// `kite export` writes JSONL that `kite index` reads back to the same documents (passages included), and
    /// `kite backup` copies an index that searches alike.
    @Test func exportReadsBackToTheSameDocuments() throws {
        let dir = TemporaryDirectory()
        let corpus = KiteProcess.repository + "/Corpus"
        try KiteProcess.run(["index", corpus + "/weifang-2023q3-key-work.txt", corpus + "/gov-work-reports-national.jsonl",
                             "--index", dir.sub("a")])
        let first = try KiteProcess.run(["export", "--index", dir.sub("a"), "--output", dir.sub("a.jsonl")])
        #expect(first.status == 0 && first.stderr.hasPrefix("exported "), "\(first.stderr)")
        let again = try KiteProcess.run(["index", dir.sub("a.jsonl"), "--index", dir.sub("b")])
        #expect(again.status == 0 && !again.stderr.contains("error"), "\(again.stderr)")
        let second = try KiteProcess.run(["export", "--index", dir.sub("b")])
        let lines = { (s: String) in s.split(separator: "\n").sorted() }
        #expect(lines(try String(contentsOfFile: dir.sub("a.jsonl"), encoding: .utf8)) == lines(second.stdout))
        #expect(second.stdout.contains("#2\"") && second.stdout.contains("升规纳统"), "passages and Chinese as is")
        let backup = try KiteProcess.run(["backup", "--index", dir.sub("a"), dir.sub("c")])
        #expect(backup.status == 0 && backup.stdout.hasPrefix("backed up generation"), "\(backup.stderr)")
        try Rel.expectSameResults(try IndexReader(at: dir.sub("a")), try IndexReader(at: dir.sub("c")),
                                  queries: ["升规纳统", "统计 普查", "高质量发展"])
        let refused = try KiteProcess.run(["backup", "--index", dir.sub("a"), dir.sub("c")])
        #expect(refused.status == 2 && refused.stderr.contains("not empty"))
    }

    /// An index analyzed by another ICU major version (a system upgrade) opens: stored fields, ids, checks and
    /// search work, search with a warning; `kite reindex` rebuilds it with the running analyzer, the same documents.
    @Test func anIndexOfAnotherICUVersionOpensWithAWarningAndReindexes() throws {
        let dir = TemporaryDirectory()
        let old = dir.sub("old")
        let w = try IndexWriter(at: old, options: .init(ramBudget: 1 << 20))
        for d in RelCorpus.documents(60) { try w.add(d) }
        try w.commit()
        w.close()
        var manifest = try Manifest.read(directory: old)
        let other = ICUVersion.major == 71 ? 70 : 71
        manifest.analyzer = manifest.analyzer.replacingOccurrences(of: "icu\(ICUVersion.major);", with: "icu\(other);")
        try manifest.write(directory: old)

        let r = try IndexReader(at: old)
        #expect(r.analyzerWarning?.contains("icu\(other)") == true && r.check().isSound)
        #expect(try r.document(id: "d0007")?["period"] == RelCorpus.documents(60)[7]["period"])
        let res = try r.search("统计", options: SearchOptions(limit: 5))
        #expect(res.warnings == [r.analyzerWarning!])
        #expect(throws: KiteError.self) { try IndexWriter(at: old) }  // never mix two analyzers' segments

        let cli = try KiteProcess.run(["search", "统计", "--index", old, "--limit", "1"])
        #expect(cli.status == 0 && cli.stderr.hasPrefix("kite: warning: the index was analyzed with icu\(other)"))
        let rebuilt = try KiteProcess.run(["reindex", "--index", old, "--output", dir.sub("new"), "--ram-budget", "1"])
        #expect(rebuilt.status == 0 && rebuilt.stderr.contains("reindexed 60 documents"), "\(rebuilt.stderr)")
        let n = try IndexReader(at: dir.sub("new"))
        #expect(n.analyzerWarning == nil && n.analyzer.configuration == .default)
        var before: [Document] = [], after: [Document] = []
        try r.forEachDocument { before.append($0) }
        try n.forEachDocument { after.append($0) }
        #expect(before.sorted { $0.id < $1.id } == after.sorted { $0.id < $1.id })
        #expect(try n.search("统计", options: SearchOptions(limit: 0)).totalHits == res.totalHits)
    }
}

/// Whether this process may mount a tmpfs (root in a VM or container that allows it).
enum FullDisk {
    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        let probe = NSTemporaryDirectory() + "kite-tmpfs-probe-\(getpid())"
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard let mounted = try? Rel.shell("mount -t tmpfs -o size=1m tmpfs \"$1\"", [probe]), mounted.status == 0 else {
            return false
        }
        _ = try? Rel.shell("umount \"$1\"", [probe])
        return true
    }()
}
