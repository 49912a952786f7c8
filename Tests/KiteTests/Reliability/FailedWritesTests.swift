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
}
