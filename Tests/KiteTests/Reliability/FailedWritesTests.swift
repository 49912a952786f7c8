import Foundation
import Testing
@testable import Kite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Failed writes: a write that fails (a file-size limit, a file that cannot be created) leaves the last commit whole. (ReliabilityTests, issue 5; every random choice from a fixed seed.)
extension ReliabilityTests {

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

    /// A full disk at every write-side operation in turn (``StorageFaults``) of a commit that flushes, a commit that
    /// flushes, writes deletes and merges, and a forced merge: the operation fails with ENOSPC naming its file; the
    /// index still opens at the last commit (or the one whose manifest was renamed into place just before the
    /// failure), sound; and once space is back the same writer retries and goes on, losing nothing.
    @Test func aFullDiskAtEveryWriteStepKeepsTheLastCommitAndTheWriterGoesOn() throws {
        let tmp = TemporaryDirectory()
        let base = RelCorpus.documents(20)
        let more = RelCorpus.documents(15, prefix: "n", paragraphOffset: 500)
        let replacements = RelCorpus.documents(5, paragraphOffset: 900)
        let gone = [base[10].id, base[11].id]
        /// Each step's changes (buffered, no I/O) and what makes them durable.
        let steps: [(change: (IndexWriter) throws -> Void, persist: (IndexWriter) throws -> Void)] = [
            ({ w in for d in more[..<8] { try w.add(d) } }, { try $0.commit() }),
            ({ w in
                for d in more[8...] + replacements { try w.add(d) }
                for id in gone { _ = try w.delete(id: id) }
            }, { try $0.commit() }),  // three segments over a merge factor of 2: the commit merges
            ({ _ in }, { try $0.forceMerge(maxSegments: 1) }),
        ]
        // The documents after 0, 1, 2, 3 steps, id → body.
        var model = [Dictionary(uniqueKeysWithValues: base.map { ($0.id, $0["body"]!) })]
        model.append(model[0].merging(more[..<8].map { ($0.id, $0["body"]!) }) { $1 })
        var second = model[1].merging((more[8...] + replacements).map { ($0.id, $0["body"]!) }) { $1 }
        for id in gone { second[id] = nil }
        model += [second, second]
        let options = IndexWriter.Options(ramBudget: 64 << 20, mergeFactor: 2)

        func documents(_ dir: String) throws -> [String: String] {
            let r = try IndexReader(at: dir)
            #expect(r.check().isSound, "\(r.check().problems)")
            return try Dictionary(uniqueKeysWithValues: Rel.liveIDs(r).map { ($0, try r.document(id: $0)?["body"] ?? "") })
        }
        let baseIndex = tmp.sub("base")
        let first = try IndexWriter(at: baseIndex, options: options)
        for d in base { try first.add(d) }
        try first.commit()
        first.close()
        func run(failAt: Int) throws -> (operations: Int, failed: Bool) {
            let dir = tmp.sub("at-\(failAt)")
            try Rel.copy(baseIndex, dir)
            let w = try IndexWriter(at: dir, options: options)
            defer { w.close() }
            StorageFaults.arm(prefix: dir + "/", failAt: failAt)
            var failed = false
            for (k, step) in steps.enumerated() {
                try step.change(w)
                do {
                    try step.persist(w)
                } catch {
                    failed = true
                    guard case .io(let path, _, ENOSPC) = error as? KiteError, (path + "/").hasPrefix(dir + "/") else {
                        Issue.record("failure \(failAt): \(error)")
                        break
                    }
                    #expect("\(error)".contains("No space left on device") && "\(error)".contains(path), "\(error)")
                    let seen = try documents(dir)  // the disk still full
                    #expect(seen == model[k] || seen == model[k + 1], "failure \(failAt) in step \(k): \(seen.count) documents")
                    StorageFaults.clear()  // space is back: the same writer retries
                    try step.persist(w)
                }
            }
            let operations = StorageFaults.clear()
            #expect(try documents(dir) == model[3], "failure \(failAt)")
            w.close()
            try Rel.expectOnlyReferencedFiles(dir)
            return (operations, failed)
        }
        let total = try run(failAt: .max).operations
        print("full disk: \(total) write-side operations")
        #expect(total > 40, "\(total) write-side operations")
        for failAt in 1...total {
            #expect(try run(failAt: failAt).failed, "operation \(failAt) of \(total) did not fail")
        }
    }
}
