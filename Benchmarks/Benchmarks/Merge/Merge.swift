// Merge throughput: an index of two segments (the benchmark corpus split in halves, two commits, merges after
// commit off) is built once; each iteration copies it to a fresh directory (not measured), then opens a writer and
// runs forceMerge(maxSegments: 1) (which commits) and closes it. "text kB/s" is source text bytes per second of
// merge time; "index bytes" is the merged index on disk.
import Benchmark
import Foundation
import Kite
import KiteBenchSupport

/// The two-segment index every iteration starts from.
let template: TempDirectory = {
    let dir = TempDirectory("merge-template")
    do {
        try KiteFixtures.buildIndex(
            BenchCorpus.standard, at: dir.path, options: IndexWriter.Options(mergesAfterCommit: false, threads: 1), batches: 2)
        let segments = try IndexReader(at: dir.path).segmentCount
        precondition(segments == 2, "expected 2 segments, got \(segments)")
    } catch {
        fatalError("building the merge template failed: \(error)")
    }
    return dir
}()

let benchmarks: @Sendable () -> Void = {
    let metrics = KiteMetrics.standard([KiteMetrics.textKBPerSecond, KiteMetrics.indexBytes])
    let configuration = Benchmark.Configuration(
        metrics: metrics,
        tags: ["corpus": BenchCorpus.path, "bytes": String(BenchCorpus.byteBudget)],
        timeUnits: .milliseconds,
        units: KiteMetrics.plainUnits(metrics),
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(4),
        maxIterations: 10,
        setup: { _ = template },
        teardown: { template.remove() }
    )

    Benchmark("forceMerge 2 segments → 1", configuration: configuration) { benchmark in
        let dir = TempDirectory("merge")
        defer { dir.remove() }
        try FileManager.default.copyItem(atPath: template.path, toPath: dir.path)
        try? FileManager.default.removeItem(atPath: dir.path + "/write.lock")
        benchmark.startMeasurement()
        try KiteMetrics.timed(benchmark, bytes: BenchCorpus.textBytes(BenchCorpus.standard)) {
            let writer = try IndexWriter(at: dir.path, options: IndexWriter.Options(mergesAfterCommit: false, threads: 1))
            try writer.forceMerge(maxSegments: 1)
            writer.close()
        }
        benchmark.stopMeasurement()
        benchmark.measurement(KiteMetrics.indexBytes, dir.bytes)
    }
}
