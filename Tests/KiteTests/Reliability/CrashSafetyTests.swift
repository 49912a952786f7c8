import Foundation
import Testing
@testable import Kite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Crash safety: SIGKILL at any point of indexing, committing and merging loses no committed document. (ReliabilityTests, issue 5; every random choice from a fixed seed.)
extension ReliabilityTests {

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

    /// Runs `kite args`: the first trial whole (its time is `duration`), each later one killed (SIGKILL) at a random
    /// moment within 90 % of that time; counts the kills.
    private func killTrial(
        _ args: [String], trial: Int, duration: inout Double, rng: inout SeededRandom, kills: inout Int
    ) throws {
        let start = Date()
        let child = try RelChild(args)
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
            try killTrial(["merge", "--index", dir], trial: trial, duration: &duration, rng: &rng, kills: &kills)
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
            try killTrial(["delete", "--index", dir] + toDelete, trial: trial, duration: &duration, rng: &rng, kills: &kills)
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
}
