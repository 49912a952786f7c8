import Foundation
import Testing
@testable import Kite

// Readers opening while a writer commits (issue 10).
//
// A writer that commits tiny segments, deletes and merges as fast as it can keeps removing the files of the commit
// before; readers open in a loop on threads and as separate `kite` processes. A reader must never fail because a
// commit moved on while it opened. `KITE_STRESS_CYCLES` raises the number of commits (CI runs a bounded number).

enum CommitRace {
    static var cycles: Int { Int(ProcessInfo.processInfo.environment["KITE_STRESS_CYCLES"] ?? "") ?? 250 }

    /// Commits `cycles` times: 1–4 adds, replacements and deletes each, a merge whenever more than two segments
    /// exist and a full merge every 17th (so nearly every commit removes files a moment-old manifest named). Returns the failures.
    static func writer(_ dir: String, cycles: Int, running: RelShared) {
        do {
            let w = try IndexWriter(at: dir, options: .init(mergeFactor: 2))
            var rng = SeededRandom(seed: 0x0010_1A5E)
            var live: [String] = []
            var next = 0
            for cycle in 0..<cycles {
                for _ in 0..<(1 + rng.next() % 4) {
                    try w.add(Document(id: "r\(next)", fields: ["body": "zzrace w\(next) 发展", "period": "2025"]))
                    live.append("r\(next)")
                    next += 1
                }
                if live.count > 8 {
                    let victim = live.remove(at: Int(rng.next() % UInt64(live.count)))
                    _ = try w.delete(id: victim)
                    try w.add(Document(id: live[0], fields: ["body": "zzrace replaced", "period": "2026"]))
                }
                if cycle % 17 == 16 { try w.forceMerge(maxSegments: 1) } else { try w.commit() }
                running.committed()
            }
            running.stop = true
            w.close()
        } catch {
            running.fail("writer: \(error)")
        }
        running.stop = true
    }

    static func seed(_ dir: String) throws {
        let w = try IndexWriter(at: dir)
        try w.add(Document(id: "seed", fields: ["body": "zzrace seed", "period": "2024"]))
        try w.commit()
        w.close()
    }
}

@Suite(.serialized) struct CommitRaceTests {

    /// Four threads open readers and search while a writer commits and merges; every open succeeds and every reader
    /// sees a whole commit (hits = live documents).
    @Test func readerThreadsNeverFailWhileCommitsRemoveFiles() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        try CommitRace.seed(dir)
        let shared = RelShared()
        let writer = relThread { CommitRace.writer(dir, cycles: CommitRace.cycles, running: shared) }
        var readers: [DispatchSemaphore] = []
        for t in 0..<4 {
            readers.append(relThread {
                while !shared.stop {
                    do {
                        let r = try IndexReader(at: dir)
                        let hits = try r.search("zzrace", options: SearchOptions(limit: 2, highlights: t % 2 == 0))
                        if hits.totalHits != r.documentCount {
                            shared.fail("generation \(r.generation): \(hits.totalHits) hits of \(r.documentCount)")
                        }
                        shared.observe(generation: r.generation, count: r.documentCount)
                    } catch {
                        shared.fail("reader \(t): \(error)")
                    }
                }
            })
        }
        writer.wait()
        for r in readers { r.wait() }
        #expect(shared.failures.isEmpty, "\(shared.failures.prefix(5))")
        #expect(!shared.observed.isEmpty)
        // Files a pinned reader kept alive are gone once a writer opens and closes with no reader about: only the
        // last commit's remain.
        try IndexWriter(at: dir).close()
        let manifest = try Manifest.read(directory: dir)
        let segmentFiles = Set(try IndexDirectory.list(dir).filter { $0.hasPrefix("seg-") })
        #expect(segmentFiles == manifest.referencedFiles.subtracting([Manifest.fileName]))
    }

    /// `kite search` and `kite stats` as separate processes, started over and over while a writer commits: every one
    /// exits 0.
    @Test func readerProcessesNeverFailWhileCommitsRemoveFiles() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        try CommitRace.seed(dir)
        let shared = RelShared()
        let writer = relThread { CommitRace.writer(dir, cycles: CommitRace.cycles * 2, running: shared) }
        var readers: [DispatchSemaphore] = []
        for t in 0..<2 {
            readers.append(relThread {
                var runs = 0
                while !shared.stop || runs == 0 {
                    runs += 1
                    let args = t == 0 ? ["search", "--index", dir, "zzrace"] : ["stats", "--index", dir]
                    do {
                        let out = try KiteProcess.run(args)
                        if out.status != 0 { shared.fail("kite \(args[0]) exited \(out.status): \(out.stderr)") }
                    } catch {
                        shared.fail("spawn: \(error)")
                    }
                }
            })
        }
        writer.wait()
        for r in readers { r.wait() }
        #expect(shared.failures.isEmpty, "\(shared.failures.prefix(5))")
    }

    /// The protocol step by step, on one thread: a reader has read the manifest (and holds the pin) when a commit
    /// and a full merge drop every file it names; the files are still there for it to open, and the writer's next
    /// commit after the pin is released removes them. Without the pin this fails every time.
    @Test func filesOfAPinnedManifestSurviveACommitThatDropsThem() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let w = try IndexWriter(at: dir, options: .init(mergeFactor: 2))
        for i in 0..<3 {
            try w.add(Document(id: "p\(i)", fields: ["body": "zzrace \(i)", "period": "2025"]))
            try w.commit()
        }
        let opened = try IndexDirectory.pinned(dir) { () throws(KiteError) in
            let old = try Manifest.read(directory: dir)
            _ = try w.delete(id: "p0")
            try w.forceMerge(maxSegments: 1)
            let current = try Manifest.read(directory: dir)
            #expect(old.referencedFiles.subtracting(current.referencedFiles).count >= 6)
            return try old.segments.map { info throws(KiteError) in
                try SegmentReader(directory: dir, info: info, textFieldCount: Schema.default.textFields.count,
                    keywordFieldCount: Schema.default.keywordFields.count)
            }
        }
        #expect(opened.reduce(0) { $0 + $1.liveCount } == 3)
        try w.add(Document(id: "p9", fields: ["body": "zzrace 9", "period": "2025"]))
        try w.commit()
        let current = try Manifest.read(directory: dir)
        let segmentFiles = Set(try IndexDirectory.list(dir).filter { $0.hasPrefix("seg-") })
        #expect(segmentFiles == current.referencedFiles.subtracting([Manifest.fileName]))
        w.close()
    }

    /// A file the current commit names but that is gone is corruption, reported as such (not retried forever).
    @Test func aFileMissingFromTheCurrentCommitIsCorrupt() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        try CommitRace.seed(dir)
        let manifest = try Manifest.read(directory: dir)
        let victim = manifest.segments[0].fileName(.postings)
        #expect(unlink(dir + "/" + victim) == 0)
        #expect(throws: KiteError.corrupt(file: Manifest.fileName, reason: "names \(victim), which is missing")) {
            _ = try IndexReader(at: dir)
        }
    }
}
