import Foundation
import Testing
@testable import Kite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Concurrency: readers and writers of one index at once, across threads and processes. (ReliabilityTests, issue 5; every random choice from a fixed seed.)
extension ReliabilityTests {

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
