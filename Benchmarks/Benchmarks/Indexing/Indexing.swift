// Indexing throughput: a new IndexWriter (one analysis thread, default 256 MB RAM budget) adds every
// document of the benchmark corpus (title + body) and commits into a fresh temporary directory; the bare-ICU floor
// word-breaks the same titles and bodies. "text kB/s" is UTF-8 bytes of title + body per second of wall time;
// "index bytes" is the committed index on disk. The paired benchmark runs both in every iteration and reports the
// writer's time as a percentage of the floor's.
import Benchmark
import Kite
import KiteBenchSupport

let benchmarks: @Sendable () -> Void = {
    let metrics = KiteMetrics.standard([KiteMetrics.textKBPerSecond])
    func configuration(_ extra: [BenchmarkMetric]) -> Benchmark.Configuration {
        Benchmark.Configuration(
            metrics: metrics + extra,
            tags: ["corpus": BenchCorpus.path, "bytes": String(BenchCorpus.byteBudget)],
            timeUnits: .milliseconds,
            units: KiteMetrics.plainUnits(metrics + extra),
            warmupIterations: 1,
            scalingFactor: .one,
            maxDuration: .seconds(5),
            maxIterations: 8,
            setup: { _ = BenchCorpus.standard }
        )
    }

    Benchmark("IndexWriter add + commit (1 thread)", configuration: configuration([KiteMetrics.indexBytes])) { benchmark in
        let docs = BenchCorpus.standard
        let dir = TempDirectory("indexing")
        defer { dir.remove() }
        benchmark.startMeasurement()
        try KiteMetrics.timed(benchmark, bytes: BenchCorpus.textBytes(docs)) {
            try KiteFixtures.buildIndex(docs, at: dir.path)
        }
        benchmark.stopMeasurement()
        benchmark.measurement(KiteMetrics.indexBytes, dir.bytes)
    }

    Benchmark("ICU floor: zh word break of title + body", configuration: configuration([])) { benchmark in
        let docs = BenchCorpus.standard
        var words = 0
        benchmark.startMeasurement()
        KiteMetrics.timed(benchmark, bytes: BenchCorpus.textBytes(docs)) {
            words = ICUFloor.countWords(docs, titles: true)
        }
        benchmark.stopMeasurement()
        blackHole(words)
    }

    let pairedMetrics: [BenchmarkMetric] = [.wallClock, .peakMemoryResident, KiteMetrics.percentOfICU]
    var pairedConfiguration = configuration([])
    pairedConfiguration.metrics = pairedMetrics
    pairedConfiguration.units = KiteMetrics.plainUnits(pairedMetrics)
    pairedConfiguration.maxDuration = .seconds(8)
    Benchmark("IndexWriter ÷ ICU floor, paired", configuration: pairedConfiguration) { benchmark in
        let docs = BenchCorpus.standard
        let dir = TempDirectory("indexing-paired")
        defer { dir.remove() }
        var words = 0
        try KiteMetrics.paired(benchmark) {
            words = ICUFloor.countWords(docs, titles: true)
        } kite: {
            try KiteFixtures.buildIndex(docs, at: dir.path)
        }
        blackHole(words)
    }
}
