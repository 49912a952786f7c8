import Foundation
import Testing
@testable import Kite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Reliability (issue 5): crashes, failed writes, damaged files, hostile input and concurrent use.
//
// Every random choice comes from a fixed seed, so a failure reproduces. The `kite` binary is driven as a child
// process wherever a process must die (SIGKILL) or run under a resource limit.

// MARK: - Tests

@Suite(.serialized) struct ReliabilityTests {

    // MARK: 1. Crash safety

    /// `kite index --commit-every N` killed with SIGKILL at random moments: after every kill the index is the state
    /// of some completed commit (none, or exactly the first k·N documents, or all of them), sound, and a writer
    /// opens and removes the dead writer's leftovers. At the end the recovered index, completed, searches exactly
    /// like one built cleanly.
    @Test func killedIndexingLeavesTheLastCommit() throws {
        let tmp = TemporaryDirectory()
        let n = 5
        let docs = RelCorpus.documents(60)
        let order = docs.map(\.id)
        var files: [String] = []
        for f in 0..<(docs.count / 6) {
            let path = tmp.sub(String(format: "part-%02d.jsonl", f))
            try RelCorpus.jsonl(docs[(f * 6)..<((f + 1) * 6)]).write(toFile: path, atomically: false, encoding: .utf8)
            files.append(path)
        }

        // The clean build, which also measures how long a run takes.
        let clean = tmp.sub("clean")
        let started = Date()
        let built = try KiteProcess.run(["index"] + files + ["--index", clean, "--commit-every", "\(n)", "--passages-over", "0"])
        let fullRun = Date().timeIntervalSince(started)
        try #require(built.status == 0, "\(built.stderr)")
        let reference = try IndexReader(at: clean)
        try #require(reference.documentCount == docs.count)

        let dir = tmp.sub("crashed")
        let args = ["index"] + files + ["--index", dir, "--commit-every", "\(n)", "--passages-over", "0"]
        var rng = SeededRandom(seed: 0x5EED_0001)
        var committed = 0  // documents in the last commit seen; a commit is never lost, so this only grows
        var kills = 0, finished = 0, runs = 0, noIndexYet = 0, leftoverFiles = 0, restarts = 0
        // How long a whole run takes, shortened by every run that finishes before its kill: on a loaded machine the
        // clean run may have been slow, and kills drawn from its time would mostly come too late.
        var runTime = fullRun
        while (kills < 52 || committed == 0 || committed == order.count) && runs < 200 {
            runs += 1
            let start = Date()
            let child = try RelChild(args)
            Rel.sleep(seconds: runTime * 1.1 * Rel.unit(&rng))
            child.kill9()
            let end = child.wait()
            if end.killed {
                kills += 1
            } else {
                finished += 1
                runTime = min(runTime, Date().timeIntervalSince(start))
                #expect(end.status == 0, "run \(runs) exited with \(end.status)")
            }

            if let reader = try Rel.openIfPresent(dir) {
                let ids = try Rel.liveIDs(reader)
                let k = ids.count
                #expect(k % n == 0 || k == order.count, "run \(runs): \(k) documents is not a whole number of batches")
                #expect(ids == Set(order.prefix(k)), "run \(runs): the documents are not the first \(k)")
                #expect(k >= committed, "run \(runs): a commit was lost (\(committed) → \(k) documents)")
                committed = k
                let report = reader.check()
                #expect(report.isSound, "run \(runs): \(report.problems)")
                for _ in 0..<3 where k > 0 {
                    let id = order[Int(rng.next() % UInt64(k))]
                    #expect(try reader.document(id: id) == reference.document(id: id), "run \(runs): \(id) differs")
                }
            } else {
                #expect(committed == 0, "run \(runs): the index disappeared")
                noIndexYet += 1
            }
            leftoverFiles += try Rel.unreferencedFiles(dir).count
            try Rel.reopenWriterAndCheckFiles(dir)

            if committed == order.count {
                // Complete: start again from nothing, so that early and partial states keep being hit.
                try FileManager.default.removeItem(atPath: dir)
                committed = 0
                restarts += 1
            }
        }
        #expect(kills >= 50)

        // Resume: index the documents the crashed index lacks, merge away the replaced copies, compare.
        let rest = Array(docs[committed...])
        if !rest.isEmpty {
            let restFile = tmp.sub("rest.jsonl")
            try RelCorpus.jsonl(rest).write(toFile: restFile, atomically: false, encoding: .utf8)
            let resumed = try KiteProcess.run(["index", restFile, "--index", dir, "--passages-over", "0"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
        }
        let merged = try KiteProcess.run(["merge", "--index", dir])
        #expect(merged.status == 0, "\(merged.stderr)")
        let recovered = try IndexReader(at: dir)
        #expect(recovered.documentCount == docs.count)
        #expect(recovered.deletedCount == 0)
        #expect(recovered.check().isSound)
        #expect(try Rel.liveIDs(recovered) == Set(order))
        try Rel.expectSameResults(recovered, reference, queries: [
            "发展", "高质量发展", "\"科技 创新\"", "就业 OR 民生", "改革 period:2025Q1", "title:经济", "+建设 -上海",
            "period:[2025 TO 2026] 城市",
        ])
        print("ReliabilityTests: indexing killed \(kills) times in \(runs) runs (\(finished) ran to the end, "
              + "\(noIndexYet) before the first commit, \(restarts) restarts from scratch, \(leftoverFiles) leftover "
              + "files removed by the next writer); a run takes \(String(format: "%.2f", fullRun)) s; resumed at "
              + "\(committed) of \(docs.count) documents; no commit lost")
    }

    /// `kite merge` and `kite delete` killed at random moments: the index opens, is sound, and holds exactly the
    /// state before or the state after.
    @Test func killedMergesAndDeletesLeaveBeforeOrAfter() throws {
        let tmp = TemporaryDirectory()
        let template = tmp.sub("template")
        let docs = RelCorpus.documents(180)
        do {
            let w = try IndexWriter(at: template, options: .init(mergesAfterCommit: false))
            for (i, d) in docs.enumerated() {
                try w.add(d)
                if i % 30 == 29 { try w.commit() }
            }
            for i in stride(from: 3, to: docs.count, by: 11) { try w.delete(id: docs[i].id) }
            try w.commit()
            w.close()
        }
        let base = try IndexReader(at: template)
        let baseIDs = try Rel.liveIDs(base)
        let baseSegments = base.segmentCount, baseDeleted = base.deletedCount
        #expect(baseSegments == 6 && baseDeleted > 0)
        let probe = "发展 OR 改革"
        let baseHits = try base.search(probe, options: SearchOptions(limit: 0)).totalHits

        var rng = SeededRandom(seed: 0x5EED_0002)
        var kills = 0, before = 0, after = 0

        // Merges: the document set never changes; the segments are either all the old ones or one new one.
        var duration = 0.0
        for trial in 0..<13 {
            let dir = tmp.sub("merge-\(trial)")
            try Rel.copy(template, dir)
            let start = Date()
            let child = try RelChild(["merge", "--index", dir])
            if trial > 0 {
                Rel.sleep(seconds: duration * 0.9 * Rel.unit(&rng))
                child.kill9()
            }
            let end = child.wait()
            if trial == 0 {
                duration = Date().timeIntervalSince(start)
                #expect(!end.killed && end.status == 0)
            }
            if end.killed { kills += 1 } else { #expect(end.status == 0) }
            let r = try IndexReader(at: dir)
            #expect(r.check().isSound, "merge trial \(trial)")
            #expect(try Rel.liveIDs(r) == baseIDs, "merge trial \(trial)")
            #expect(try r.search(probe, options: SearchOptions(limit: 0)).totalHits == baseHits)
            if r.segmentCount == 1 && r.deletedCount == 0 {
                after += 1
            } else if r.segmentCount == baseSegments && r.deletedCount == baseDeleted {
                before += 1
            } else {
                Issue.record("merge trial \(trial): \(r.segmentCount) segments, \(r.deletedCount) deleted: neither before nor after")
            }
            try Rel.reopenWriterAndCheckFiles(dir)
            try FileManager.default.removeItem(atPath: dir)
        }

        // Deletes: all of them or none.
        var toDelete = (0..<20).map { docs[1 + 9 * $0].id }  // live ones (and a few already deleted)
        toDelete += [docs[3].id, "no-such-id", "d9999"]
        let afterIDs = baseIDs.subtracting(toDelete)
        #expect(afterIDs.count < baseIDs.count)
        for trial in 0..<13 {
            let dir = tmp.sub("delete-\(trial)")
            try Rel.copy(template, dir)
            let start = Date()
            let child = try RelChild(["delete", "--index", dir] + toDelete)
            if trial > 0 {
                Rel.sleep(seconds: duration * 0.9 * Rel.unit(&rng))
                child.kill9()
            }
            let end = child.wait()
            if trial == 0 {
                duration = Date().timeIntervalSince(start)
                #expect(!end.killed && end.status == 0)
            }
            if end.killed { kills += 1 } else { #expect(end.status == 0) }
            let r = try IndexReader(at: dir)
            #expect(r.check().isSound, "delete trial \(trial)")
            let ids = try Rel.liveIDs(r)
            if ids == baseIDs {
                before += 1
            } else if ids == afterIDs {
                after += 1
            } else {
                Issue.record("delete trial \(trial): \(ids.count) documents, neither \(baseIDs.count) nor \(afterIDs.count)")
            }
            try Rel.reopenWriterAndCheckFiles(dir)
            try FileManager.default.removeItem(atPath: dir)
        }
        #expect(kills >= 12)
        print("ReliabilityTests: merges and deletes killed \(kills) times; \(before) left the state before, \(after) the state after")
    }

    // MARK: 2. Failed writes

    /// `kite index` under a file-size limit (`ulimit -f`, with SIGXFSZ ignored so that write() fails with EFBIG):
    /// either the run succeeds, or it exits with status 2 and one `kite: …` line, and the previous commit is
    /// intact.
    @Test(.disabled(if: underThreadSanitizer, "the ThreadSanitizer runtime itself dies under ulimit -f (SIGBUS, exit 66)"))
    func fileSizeLimitLeavesThePreviousCommit() throws {
        let tmp = TemporaryDirectory()
        let base = tmp.sub("base")
        let first = RelCorpus.documents(60)
        let baseFile = tmp.sub("base.jsonl")
        try RelCorpus.jsonl(first).write(toFile: baseFile, atomically: false, encoding: .utf8)
        let built = try KiteProcess.run(["index", baseFile, "--index", base, "--passages-over", "0"])
        try #require(built.status == 0, "\(built.stderr)")
        let baseReader = try IndexReader(at: base)
        let baseIDs = try Rel.liveIDs(baseReader)

        // New documents, and replacements of 20 old ones (so that a commit would also write delete files).
        let added = RelCorpus.documents(80, prefix: "n", paragraphOffset: 500)
        let replaced = RelCorpus.documents(20, paragraphOffset: 900)
        let moreFile = tmp.sub("more.jsonl")
        try RelCorpus.jsonl(added + replaced).write(toFile: moreFile, atomically: false, encoding: .utf8)
        let afterIDs = baseIDs.union(added.map(\.id))

        var failed = 0, succeeded = 0
        for blocks in [1, 3, 8, 21, 55, 144, 400, 100_000] {
            let dir = tmp.sub("limit-\(blocks)")
            try Rel.copy(base, dir)
            let r = try Rel.shell("trap '' XFSZ; ulimit -f \(blocks) && exec \"$0\" \"$@\"",
                                  ["index", moreFile, "--index", dir, "--passages-over", "0"])
            let reader = try IndexReader(at: dir)
            let ids = try Rel.liveIDs(reader)
            if r.status == 0 {
                succeeded += 1
                #expect(ids == afterIDs, "limit \(blocks)")
                #expect(try reader.document(id: replaced[0].id)?["body"] == replaced[0]["body"])
            } else {
                failed += 1
                #expect(r.status == 2, "limit \(blocks): status \(r.status)")
                let lines = r.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix("kite: "), "limit \(blocks): \(r.stderr)")
                #expect(ids == baseIDs, "limit \(blocks): the previous commit changed")
                #expect(try reader.document(id: replaced[0].id) == baseReader.document(id: replaced[0].id))
            }
            let report = reader.check()
            #expect(report.isSound, "limit \(blocks): \(report.problems)")
            try Rel.reopenWriterAndCheckFiles(dir)
            try FileManager.default.removeItem(atPath: dir)
        }
        #expect(failed >= 4)
        #expect(succeeded >= 1)
        print("ReliabilityTests: file-size limits: \(failed) runs failed cleanly, \(succeeded) succeeded")
    }

    /// A commit whose `manifest.tmp`, or whose next delete file, cannot be created (a directory is in the way,
    /// which stops root too): `commit()` throws `KiteError.io`, the previous commit is intact, and a retry after
    /// the obstacle is gone publishes everything or nothing.
    @Test func commitThatCannotCreateAFileLeavesThePreviousCommit() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let docs = RelCorpus.documents(60)
        do {
            let w = try IndexWriter(at: dir)
            for d in docs[..<40] { try w.add(d) }
            try w.commit()
            w.close()
        }
        var expected = Set(docs[..<40].map(\.id))

        // 1. manifest.tmp is a directory.
        do {
            let w = try IndexWriter(at: dir)
            for d in docs[40...] { try w.add(d) }
            try w.delete(id: docs[0].id)
            let obstacle = dir + "/" + Manifest.temporaryName
            try FileManager.default.createDirectory(atPath: obstacle, withIntermediateDirectories: false)
            do {
                try w.commit()
                Issue.record("commit succeeded although manifest.tmp could not be created")
            } catch {
                guard case .io = error else { Issue.record("expected an io error, got \(error)"); throw error }
            }
            let r = try IndexReader(at: dir)
            #expect(try Rel.liveIDs(r) == expected)
            #expect(r.check().isSound)
            try FileManager.default.removeItem(atPath: obstacle)
            // Retry: all or nothing.
            let next = expected.union(docs[40...].map(\.id)).subtracting([docs[0].id])
            do {
                try w.commit()
                expected = next
            } catch {
                // A writer may refuse to go on after a failure; then nothing of it is published.
            }
            let r2 = try IndexReader(at: dir)
            #expect(try Rel.liveIDs(r2) == expected)
            #expect(r2.check().isSound)
            w.close()
            try Rel.reopenWriterAndCheckFiles(dir)
        }

        // 2. The next delete generation of a segment is a directory.
        do {
            let m = try Manifest.read(directory: dir)
            let victim = try #require(m.segments.first)
            var next = victim
            next.deleteGeneration += 1
            let obstacle = dir + "/" + next.fileName(.deletes)
            try FileManager.default.createDirectory(atPath: obstacle, withIntermediateDirectories: false)
            let w = try IndexWriter(at: dir)
            let r0 = try IndexReader(at: dir)
            let live = try #require((0..<r0.segments[0].docCount).first { !r0.segments[0].deletes.contains($0) })
            let inVictim = try #require(r0.segments[0].id(of: live))
            #expect(try w.delete(id: inVictim))
            try w.add(Document(id: "extra", fields: ["body": "另外一个文件"]))
            do {
                try w.commit()
                Issue.record("commit succeeded although \(next.fileName(.deletes)) could not be created")
            } catch {
                guard case .io = error else { Issue.record("expected an io error, got \(error)"); throw error }
            }
            w.close()
            try FileManager.default.removeItem(atPath: obstacle)
            let r = try IndexReader(at: dir)
            #expect(try Rel.liveIDs(r) == expected)
            #expect(r.check().isSound)
            try Rel.reopenWriterAndCheckFiles(dir)
        }
    }

    /// Without root, a read-only index directory makes `commit()` fail; the previous commit stays.
    @Test(.enabled(if: geteuid() != 0, "root ignores directory permissions"))
    func readOnlyDirectoryLeavesThePreviousCommit() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let docs = RelCorpus.documents(30)
        let w0 = try IndexWriter(at: dir)
        for d in docs[..<20] { try w0.add(d) }
        try w0.commit()
        w0.close()
        let w = try IndexWriter(at: dir)
        for d in docs[20...] { try w.add(d) }
        chmod(dir, 0o555)
        defer { chmod(dir, 0o755) }
        #expect(throws: KiteError.self) { try w.commit() }
        w.close()
        let r = try IndexReader(at: dir)
        #expect(try Rel.liveIDs(r) == Set(docs[..<20].map(\.id)))
        #expect(r.check().isSound)
    }

    // MARK: 3. Damaged files

    /// An index of two segments, each with deletes, and the manifest; files by kind of segment 0 and 1.
    struct DamageFixture {
        let dir: String
        let files: [(kind: String, name: String, other: String)]  // other: the same kind in the other segment
        let otherManifest: String  // the manifest of another index (other segment ids)
    }

    static func makeDamageFixture(_ tmp: TemporaryDirectory) throws -> DamageFixture {
        let dir = tmp.sub("idx")
        // "发展" in every body, so that its postings have packed blocks and skip data.
        let docs = RelCorpus.documents(280, extra: "发展 ", maxLength: 40)
        let w = try IndexWriter(at: dir, options: .init(mergesAfterCommit: false))
        for d in docs[..<140] { try w.add(d) }
        try w.commit()
        for d in docs[140...] { try w.add(d) }
        try w.commit()
        for i in stride(from: 0, to: docs.count, by: 13) { try w.delete(id: docs[i].id) }
        try w.commit()
        w.close()
        let m = try Manifest.read(directory: dir)
        precondition(m.segments.count == 2 && m.segments.allSatisfy { $0.deleteGeneration > 0 })
        var files: [(String, String, String)] = []
        for kind in SegmentInfo.segmentFileKinds + [.deletes] {
            files.append((kind.fileExtension, m.segments[0].fileName(kind), m.segments[1].fileName(kind)))
        }
        files.append(("manifest", Manifest.fileName, ""))
        let otherDir = tmp.sub("other")
        let o = try IndexWriter(at: otherDir)
        try o.add(docs[0])
        try o.commit()
        o.close()
        return DamageFixture(dir: dir, files: files, otherManifest: otherDir + "/" + Manifest.fileName)
    }

    enum DamageOutcome {
        case openFailed(KiteError)
        case checkFailed([String])
        case undetected
    }

    /// Opens the damaged index, searches it in several ways and checks it.
    static func probe(_ dir: String) -> (DamageOutcome, searchErrors: Int) {
        let reader: IndexReader
        do {
            reader = try IndexReader(at: dir)
        } catch {
            return (.openFailed(error), 0)
        }
        var searchErrors = 0
        let queries = ["发展", "\"高质量 发展\"", "改革 period:2025Q1", "title:经济 OR 城市", "-发展 建设",
                       "period:[2025 TO *]"]
        for (i, q) in queries.enumerated() {
            do {
                _ = try reader.search(q, options: SearchOptions(limit: 5 + 40 * (i % 2), offset: i, highlights: i % 2 == 0))
            } catch {
                searchErrors += 1
            }
        }
        do {
            _ = try reader.document(id: "d0007")
            _ = try reader.document(id: "d0200")
        } catch {
            searchErrors += 1
        }
        _ = reader.statistics()
        let report = reader.check()
        return (report.isSound ? .undetected : .checkFailed(report.problems), searchErrors)
    }

    /// Applies `damage` to one file of the fixture, probes, restores the file; records an issue unless the
    /// damage was detected (open failed naming the file, or check named it).
    static func trial(
        _ fx: DamageFixture, file: String, what: String, counts: inout [String: Int],
        damage: (inout [UInt8]) -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let path = fx.dir + "/" + file
        let original = try Rel.readFile(path)
        var bytes = original
        damage(&bytes)
        if bytes == original { return }
        try Rel.writeFile(path, bytes)
        defer { try? Rel.writeFile(path, original) }
        let (outcome, searchErrors) = probe(fx.dir)
        counts["trials", default: 0] += 1
        if searchErrors > 0 { counts["search errors", default: 0] += 1 }
        switch outcome {
        case .openFailed(let e):
            counts["open failed", default: 0] += 1
            switch e {
            case .corrupt(let f, _), .unsupportedVersion(let f, _):
                #expect(f == file, "\(what): error names \(f), not \(file): \(e)", sourceLocation: sourceLocation)
            case .io(_, _, let err) where err == ENOENT && file == Manifest.fileName:
                break  // a manifest naming other segments
            default:
                Issue.record("\(what): unexpected error \(e)", sourceLocation: sourceLocation)
            }
        case .checkFailed(let problems):
            counts["check failed", default: 0] += 1
            #expect(problems.contains { $0.contains(file) }, "\(what): check does not name \(file): \(problems)",
                    sourceLocation: sourceLocation)
        case .undetected:
            Issue.record("\(what): damage not detected by open, search or check", sourceLocation: sourceLocation)
        }
    }

    /// Truncation, extension and swapping of every file kind, and the version, magic and configuration checks.
    /// A keywords file whose sorted id order lists a document twice (CRC fixed up, so only validation can tell)
    /// is corrupt at open: otherwise `documents(withID:)` would miss the document left out, and a delete or update
    /// would leave it live.
    @Test func idOrderListingADocumentTwiceIsCorrupt() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let w = try IndexWriter(at: dir)
        for i in 0..<5 { try w.add(Document(id: "id\(i)", fields: ["body": "正文 \(i)"])) }
        try w.commit()
        w.close()
        let info = try #require(try Manifest.read(directory: dir).segments.first)
        let name = info.fileName(.keywords)
        var bytes = try Rel.readFile(dir + "/" + name)
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        let startsAt = u64(bytes.count - FileFormat.footerSize - 8)
        let orderAt = startsAt + 8 * (info.docCount + 1)
        bytes[(orderAt + 4)..<(orderAt + 8)] = bytes[orderAt..<(orderAt + 4)]  // the first document, twice
        Rel.fixCRC(&bytes)
        try Rel.writeFile(dir + "/" + name, bytes)
        do {
            _ = try IndexReader(at: dir)
            Issue.record("a duplicated id order entry was not detected")
        } catch KiteError.corrupt(let file, let reason) {
            #expect(file == name && reason.contains("listed twice"), "\(reason)")
        }
    }

    /// Top-k search skips blocks by their skip entries' maximum frequency and minimum length, so an entry that does
    /// not bound its block must be reported, not trusted: a too-small maximum frequency fails the block's decoding,
    /// a too-large minimum length fails `check`.
    @Test func skipEntryMaximaThatDoNotBoundTheirBlockAreDetected() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let w = try IndexWriter(at: dir)
        for i in 0..<300 { try w.add(Document(id: "d\(i)", fields: ["body": "共同 词语 共同 第\(i)篇"])) }
        try w.commit()
        w.close()
        let info = try #require(try Manifest.read(directory: dir).segments.first)
        let name = info.fileName(.postings)
        let original = try Rel.readFile(dir + "/" + name)
        // The skip entries of 共同 (df 300: three blocks), right after its block-count varint.
        let reader = try IndexReader(at: dir)
        let body = try #require(reader.schema.textFields.firstIndex(of: "body"))
        let term = try #require(try Array("共同".utf8).withUnsafeBytes { try reader.segments[0].lookup(field: body, term: $0) })
        #expect(term.docFrequency == 300)
        let skip = term.postingsOffset + 1  // VInt 3 is one byte
        func damaged(_ field: Int, _ value: UInt32) throws {
            var bytes = original
            for k in 0..<4 { bytes[skip + field * 4 + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
            Rel.fixCRC(&bytes)
            try Rel.writeFile(dir + "/" + name, bytes)
        }
        try damaged(3, 1)  // MaxFreq 1, but 共同 occurs twice in every document
        #expect(throws: KiteError.self) { _ = try IndexReader(at: dir).search("共同", options: SearchOptions(facetField: nil)) }
        #expect(try !IndexReader(at: dir).check().isSound)
        try damaged(4, 1_000)  // MinLength far above the documents' lengths
        let report = try IndexReader(at: dir).check()
        #expect(report.problems.contains { $0.contains(name) && $0.contains("maxima") }, "\(report.problems)")
        try Rel.writeFile(dir + "/" + name, original)
        #expect(try IndexReader(at: dir).check().isSound)
    }

    @Test func truncatedAndSwappedFilesAreDetected() throws {
        let tmp = TemporaryDirectory()
        let fx = try Self.makeDamageFixture(tmp)
        var counts: [String: Int] = [:]
        for (kind, name, other) in fx.files {
            let size = try Rel.readFile(fx.dir + "/" + name).count
            let lengths = Set([0, 1, 4, 8, 12, 23, 24, 25, 31, 32, 40, size / 4, size / 2, 3 * size / 4,
                               size - 16, size - 9, size - 8, size - 5, size - 4, size - 1]).filter { $0 >= 0 && $0 < size }
            for length in lengths.sorted() {
                try Self.trial(fx, file: name, what: "\(kind) cut to \(length) of \(size)", counts: &counts) {
                    $0.removeLast($0.count - length)
                }
            }
            try Self.trial(fx, file: name, what: "\(kind) + 1 byte", counts: &counts) { $0.append(0) }
            try Self.trial(fx, file: name, what: "\(kind) + 64 bytes", counts: &counts) {
                $0 += (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37) }
            }
            try Self.trial(fx, file: name, what: "\(kind) emptied body", counts: &counts) {
                $0 = Array($0[..<24]) + Array($0[($0.count - 8)...])
            }
            let swapIn = try Rel.readFile(other.isEmpty ? fx.otherManifest : fx.dir + "/" + other)
            try Self.trial(fx, file: name, what: "\(kind) swapped with \(other.isEmpty ? "another index's" : other)",
                           counts: &counts) { $0 = swapIn }
        }

        // Version from the future, with a valid CRC: unsupportedVersion, for every kind. Wrong magic: corrupt.
        for (kind, name, _) in fx.files {
            let path = fx.dir + "/" + name
            let original = try Rel.readFile(path)
            var future = original
            let next = FileFormat.version + 1
            future[8] = UInt8(next)
            Rel.fixCRC(&future)
            try Rel.writeFile(path, future)
            #expect(throws: KiteError.unsupportedVersion(file: name, version: next), "\(kind)") { _ = try IndexReader(at: fx.dir) }
            var magic = original
            magic[0] = UInt8(ascii: "C")
            Rel.fixCRC(&magic)
            try Rel.writeFile(path, magic)
            #expect(throws: KiteError.corrupt(file: name, reason: "not a Kite file (bad magic)"), "\(kind)") {
                _ = try IndexReader(at: fx.dir)
            }
            try Rel.writeFile(path, original)
            counts["trials", default: 0] += 2
        }
        #expect(try IndexReader(at: fx.dir).check().isSound)

        // Another analyzer or schema.
        let whitespace = AnalyzerConfiguration(segmenter: .whitespace)
        #expect(throws: KiteError.self) { _ = try IndexReader(at: fx.dir, analyzer: whitespace) }
        do {
            _ = try IndexReader(at: fx.dir, analyzer: whitespace)
        } catch {
            guard case .configurationMismatch = error else { Issue.record("reader: \(error)"); return }
        }
        do {
            let w = try IndexWriter(at: fx.dir, analyzer: AnalyzerConfiguration(emitsBigrams: false))
            w.close()
            Issue.record("a writer opened with another analyzer")
        } catch {
            guard case .configurationMismatch = error else { Issue.record("writer: \(error)"); return }
        }
        do {
            let w = try IndexWriter(at: fx.dir, schema: Schema(textFields: ["body"], keywordFields: ["period"]))
            w.close()
            Issue.record("a writer opened with another schema")
        } catch {
            guard case .configurationMismatch = error else { Issue.record("writer schema: \(error)"); return }
        }
        // An index recorded under another ICU major version (CRC fixed up).
        let manifestPath = fx.dir + "/" + Manifest.fileName
        let original = try Rel.readFile(manifestPath)
        var patched = original
        let marker = Array("icu\(ICUVersion.major);".utf8)
        if let at = (0...(patched.count - marker.count)).first(where: { Array(patched[$0..<($0 + marker.count)]) == marker }),
            marker.count == 6 {
            patched[at + 3] = UInt8(ascii: ICUVersion.major == 99 ? "8" : "9")
            patched[at + 4] = UInt8(ascii: "9")
            Rel.fixCRC(&patched)
            try Rel.writeFile(manifestPath, patched)
            // It opens, with a warning (its data is all there; query analysis may differ), and no writer touches it.
            let other = try IndexReader(at: fx.dir)
            #expect(other.analyzerWarning != nil && other.check().isSound)
            do {
                let w = try IndexWriter(at: fx.dir)
                w.close()
                Issue.record("a writer opened an index of another ICU version")
            } catch {
                guard case .configurationMismatch = error else { Issue.record("ICU version: \(error)"); return }
            }
            try Rel.writeFile(manifestPath, original)
        }
        counts["trials", default: 0] += 4
        #expect(try IndexReader(at: fx.dir).check().isSound)

        // The CLI: `kite check` fails with status 2 naming the damaged file; `kite search` fails with one line.
        let doc = fx.files.first { $0.kind == "doc" }!.name, tim = fx.files.first { $0.kind == "tim" }!.name
        for (name, damage) in [(doc, { (b: inout [UInt8]) in b[b.count / 2] ^= 0x10 }), (tim, { (b: inout [UInt8]) in b.removeLast(3) })] {
            let path = fx.dir + "/" + name
            let original = try Rel.readFile(path)
            var bytes = original
            damage(&bytes)
            try Rel.writeFile(path, bytes)
            let check = try KiteProcess.run(["check", "--index", fx.dir])
            #expect(check.status == 2, "\(name): \(check.stdout)")
            #expect(check.stderr.hasPrefix("kite: ") && check.stderr.contains(name), "\(check.stderr)")
            let search = try KiteProcess.run(["search", "发展 OR 改革", "--index", fx.dir, "--limit", "50"])
            if search.status != 0 {
                #expect(search.status == 2)
                #expect(search.stderr.split(separator: "\n").count == 1 && search.stderr.hasPrefix("kite: "), "\(search.stderr)")
            }
            try Rel.writeFile(path, original)
            counts["trials", default: 0] += 1
        }
        print("ReliabilityTests: truncation/swap/version trials \(counts)")
    }

    /// Seeded random byte flips anywhere in every file kind: every flip is detected (every file has a CRC), by
    /// open or by check, and nothing crashes.
    @Test func flippedBytesAreDetected() throws {
        let tmp = TemporaryDirectory()
        let fx = try Self.makeDamageFixture(tmp)
        var counts: [String: Int] = [:]
        var rng = SeededRandom(seed: 0x5EED_0003)
        for (kind, name, _) in fx.files {
            let size = try Rel.readFile(fx.dir + "/" + name).count
            for _ in 0..<26 {
                let at = Int(rng.next() % UInt64(size))
                let mask = UInt8(1 + rng.next() % 255)
                try Self.trial(fx, file: name, what: "\(kind) byte \(at) of \(size) ^ \(mask)", counts: &counts) {
                    $0[at] ^= mask
                }
            }
        }
        #expect(try IndexReader(at: fx.dir).check().isSound)
        #expect(counts["trials", default: 0] >= 200)
        print("ReliabilityTests: random byte flips \(counts)")
    }

    /// The high bit flipped in each byte of the header and of the last 16 bytes of every file (the trailer offsets
    /// of `.tim` and `.sto` are there).
    @Test func flippedHeaderAndTrailerBitsAreDetected() throws {
        let tmp = TemporaryDirectory()
        let fx = try Self.makeDamageFixture(tmp)
        var counts: [String: Int] = [:]
        for (kind, name, _) in fx.files {
            let size = try Rel.readFile(fx.dir + "/" + name).count
            for at in Array(0..<24) + Array((size - 16)..<size) {
                try Self.trial(fx, file: name, what: "\(kind) byte \(at) of \(size) ^ 0x80", counts: &counts) {
                    $0[at] ^= 0x80
                }
            }
        }
        #expect(try IndexReader(at: fx.dir).check().isSound)
        print("ReliabilityTests: header/trailer flips \(counts)")
    }

    /// High bits flipped in the block index and trailer of `.sto` (not checksummed on open), a block offset near
    /// `Int.max`, and `.tim` offsets with the high bit set under a valid CRC (a crafted file): `corrupt`, no trap.
    /// (Found by these tests: `Int(u64)` trapped on the high bit, and `Offset + CompressedLength` overflowed.)
    @Test func damagedStoredFieldsIndexDoesNotCrash() throws {
        let tmp = TemporaryDirectory()
        let fx = try Self.makeDamageFixture(tmp)
        var counts: [String: Int] = [:]
        let name = fx.files.first { $0.kind == "sto" }!.name
        let bytes = try Rel.readFile(fx.dir + "/" + name)
        let size = bytes.count
        func u64(_ b: [UInt8], at: Int) -> Int { Int(b[at..<(at + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) }
        let indexOffset = u64(bytes, at: size - 16)
        for at in indexOffset..<size {
            // Not 0x40: it would turn a RawLength into ~1 GiB (see storedBlockLengthIsBoundedBeforeAllocating).
            for mask: UInt8 in [0x80, 0x01] {
                try Self.trial(fx, file: name, what: "sto byte \(at) of \(size) (index at \(indexOffset)) ^ \(mask)", counts: &counts) {
                    $0[at] ^= mask
                }
            }
        }
        // The first block's Offset (after BlockCount and FirstDoc) near Int.max: Offset + CompressedLength overflows.
        try Self.trial(fx, file: name, what: "sto block offset near Int.max", counts: &counts) {
            for i in 0..<8 { $0[indexOffset + 1 + 4 + i] = i == 7 ? 0x7F : 0xFF }
        }
        // A .tim whose index offset has the high bit set, with its CRC fixed up.
        let tim = fx.files.first { $0.kind == "tim" }!.name
        try Self.trial(fx, file: tim, what: "tim index offset high bit, valid CRC", counts: &counts) {
            $0[$0.count - 9] ^= 0x80
            Rel.fixCRC(&$0)
        }
        print("ReliabilityTests: stored-fields index flips \(counts)")
    }

    /// A stored block whose RawLength was damaged to ~2 GiB (one byte of `.sto`, which is not checksummed on open):
    /// opening gives `corrupt` at once, without allocating RawLength bytes first (a raw length beyond zlib's maximum
    /// expansion of the compressed length is rejected when the block index is read).
    @Test
    func storedBlockLengthIsBoundedBeforeAllocating() throws {
        let tmp = TemporaryDirectory()
        let fx = try Self.makeDamageFixture(tmp)
        let name = fx.files.first { $0.kind == "sto" }!.name
        let path = fx.dir + "/" + name
        var bytes = try Rel.readFile(path)
        let indexOffset = Int(bytes[(bytes.count - 16)..<(bytes.count - 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        try #require(bytes[indexOffset] < 0x80)  // BlockCount is a one-byte VInt; block 0's entry follows
        bytes[indexOffset + 1 + 19] = 0x7F  // high byte of block 0's RawLength: ~2 GiB
        try Rel.writeFile(path, bytes)
        let t0 = Date()
        do {
            let r = try IndexReader(at: fx.dir)
            #expect(throws: KiteError.self) { _ = try r.document(id: "d0001") }
            #expect(throws: KiteError.self) { _ = try r.search("发展", options: SearchOptions(limit: 10)) }
            #expect(!r.check().isSound)
        } catch {
            guard case .corrupt(let file, _) = error else { Issue.record("\(error)"); return }
            #expect(file == name)
        }
        let t = Date().timeIntervalSince(t0)
        #expect(t < 1, "took \(t) s")
    }

    // MARK: 4. Hostile input

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

    // MARK: 5. Concurrency

    /// Four threads open readers and search while a writer adds, replaces, deletes, commits and merges: every
    /// reader sees one commit whole (hits of a term in every document = its document count = a committed count),
    /// and a reader kept open throughout keeps its snapshot.
    @Test func readersSeeWholeCommitsWhileAWriterWorks() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let initial = 200
        do {
            let w = try IndexWriter(at: dir)
            for i in 0..<initial { try w.add(Document(id: "c\(i)", fields: ["body": "zzcommon w\(i) 发展", "period": "2024"])) }
            try w.commit()
            w.close()
        }
        let shared = RelShared()
        shared.plan(initial)
        let kept = try IndexReader(at: dir)

        let writer = relThread {
            do {
                let w = try IndexWriter(at: dir, options: .init(mergeFactor: 3))
                var rng = SeededRandom(seed: 0x5EED_0006)
                var live = (0..<initial).map { "c\($0)" }
                var next = initial
                var iteration = 0
                let deadline = Date().addingTimeInterval(3.5)
                while Date() < deadline {
                    iteration += 1
                    for _ in 0..<(3 + rng.next() % 20) {
                        try w.add(Document(id: "c\(next)", fields: ["body": "zzcommon w\(next)", "period": "2025"]))
                        live.append("c\(next)")
                        next += 1
                    }
                    for _ in 0..<(rng.next() % 6) {  // replacements
                        let id = live[Int(rng.next() % UInt64(live.count))]
                        try w.add(Document(id: id, fields: ["body": "zzcommon replaced", "period": "2026"]))
                    }
                    for _ in 0..<(rng.next() % 8) where live.count > 50 {
                        let i = Int(rng.next() % UInt64(live.count))
                        guard try w.delete(id: live[i]) else { shared.fail("delete of \(live[i]) found nothing"); break }
                        live.remove(at: i)
                    }
                    shared.plan(live.count)
                    if iteration % 6 == 0 {
                        try w.forceMerge(maxSegments: 1 + Int(rng.next() % 2))
                    } else {
                        try w.commit()
                    }
                    if w.liveDocumentCount != live.count {
                        shared.fail("writer counts \(w.liveDocumentCount), model \(live.count)")
                    }
                    shared.committed()
                }
                w.close()
            } catch {
                shared.fail("writer: \(error)")
            }
            shared.stop = true
        }
        var readers: [DispatchSemaphore] = []
        for t in 0..<4 {
            readers.append(relThread {
                var iterations = 0
                while !shared.stop || iterations < 3 {
                    iterations += 1
                    do {
                        let r = try IndexReader(at: dir)
                        let n = r.documentCount
                        let hits = try r.search("zzcommon", options: SearchOptions(limit: 3, highlights: t % 2 == 0))
                        if hits.totalHits != n { shared.fail("generation \(r.generation): \(hits.totalHits) hits, \(n) documents") }
                        let all = try r.search(Query.all, options: SearchOptions(limit: 0, facetField: "period"))
                        if all.totalHits != n { shared.fail("generation \(r.generation): all finds \(all.totalHits) of \(n)") }
                        if all.facets.reduce(0, { $0 + $1.count }) != n { shared.fail("facets do not add up to \(n)") }
                        shared.observe(generation: r.generation, count: n)
                        let k = try kept.search("zzcommon", options: SearchOptions(limit: 2, highlights: t % 2 == 1))
                        if k.totalHits != initial || kept.documentCount != initial {
                            shared.fail("the kept reader sees \(k.totalHits) hits of \(kept.documentCount)")
                        }
                    } catch {
                        shared.fail("reader \(t): \(error)")
                    }
                }
            })
        }
        writer.wait()
        for r in readers { r.wait() }

        #expect(shared.failures.isEmpty, "\(shared.failures.prefix(10))")
        let planned = shared.planned
        var generations = 0
        for (g, counts) in shared.observed {
            generations += 1
            #expect(counts.count == 1, "generation \(g) seen with \(counts.sorted()) documents")
            #expect(counts.isSubset(of: planned), "generation \(g): \(counts.sorted()) is no committed count")
        }
        #expect(shared.commits >= 5)
        #expect(generations >= 3)
        #expect(kept.check().isSound)
        let last = try IndexReader(at: dir)
        #expect(last.check().isSound)
        try Rel.expectOnlyReferencedFiles(dir)
        print("ReliabilityTests: \(shared.searches) concurrent reader iterations over \(generations) generations while "
              + "\(shared.commits) commits ran")
    }

    /// While a `kite index` process holds the lock, a writer in this process gets `indexLocked`, and readers keep
    /// working, each seeing whole commits.
    @Test func aSecondWriterIsLockedOutWhileReadersWork() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let n = 25
        let docs = RelCorpus.documents(600)
        var files: [String] = []
        for f in 0..<4 {
            let path = tmp.sub("in-\(f).jsonl")
            try RelCorpus.jsonl(docs[(f * 150)..<((f + 1) * 150)]).write(toFile: path, atomically: false, encoding: .utf8)
            files.append(path)
        }
        let child = try RelChild(["index"] + files + ["--index", dir, "--commit-every", "\(n)", "--passages-over", "0"],
                                 stderr: tmp.sub("stderr"))
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: dir + "/" + Manifest.fileName) && child.isRunning && Date() < deadline {
            usleep(2_000)
        }
        var lockedOut = 0, opens = 0
        var generations = Set<UInt64>()
        var iteration = 0
        while child.isRunning && Date() < deadline {
            iteration += 1
            if iteration % 5 == 1 {
                do {
                    let w = try IndexWriter(at: dir)
                    w.close()
                    // Only acceptable if the child has already finished its work.
                    if try IndexReader(at: dir).documentCount != docs.count {
                        Issue.record("a second writer opened while kite index was running")
                    }
                } catch {
                    if case .indexLocked = error { lockedOut += 1 } else { Issue.record("writer: \(error)") }
                }
            }
            let r = try IndexReader(at: dir)
            opens += 1
            generations.insert(r.generation)
            let count = r.documentCount
            #expect(count % n == 0 || count == docs.count, "\(count) documents is not a whole number of batches")
            #expect(try r.search("zzcommonnotthere 发展 OR 改革", options: SearchOptions(limit: 3)).totalHits <= count)
            #expect(try r.search(Query.all, options: SearchOptions(limit: 0)).totalHits == count)
        }
        let end = child.wait()
        #expect(!end.killed && end.status == 0, "\((try? String(contentsOfFile: tmp.sub("stderr"), encoding: .utf8)) ?? "")")
        #expect(lockedOut >= 1)
        #expect(generations.count >= 2)
        let final = try IndexReader(at: dir)
        #expect(final.documentCount == docs.count)
        #expect(final.check().isSound)
        try Rel.reopenWriterAndCheckFiles(dir)
        print("ReliabilityTests: second writer locked out \(lockedOut) times; \(opens) reader opens saw \(generations.count) generations")
    }
}


