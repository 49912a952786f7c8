// Analysis throughput: Kite's `Analyzer().terms(inUTF8:)` against bare ICU word breaking (C, same process, same
// text). Each iteration analyzes the body of every document of the benchmark corpus (BenchCorpus: the first ~5 MB of
// KITE_BENCH_CORPUS, default laws.jsonl); "text kB/s" is UTF-8 input bytes per second of that iteration. The paired
// benchmark runs both in every iteration and reports Kite's time as a percentage of ICU's, which holds up better than
// two separate throughputs on a busy machine.
import Benchmark
import Kite
import KiteBenchSupport

let benchmarks: @Sendable () -> Void = {
    let metrics = KiteMetrics.standard([KiteMetrics.textKBPerSecond])
    let configuration = Benchmark.Configuration(
        metrics: metrics,
        tags: ["corpus": BenchCorpus.path, "bytes": String(BenchCorpus.byteBudget)],
        timeUnits: .milliseconds,
        units: KiteMetrics.plainUnits(metrics),
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(4),
        maxIterations: 12,
        setup: { _ = BenchCorpus.standard }
    )

    Benchmark("Kite Analyzer.terms(inUTF8:)", configuration: configuration) { benchmark in
        let docs = BenchCorpus.standard
        let analyzer = Analyzer()
        var terms = 0
        benchmark.startMeasurement()
        try KiteMetrics.timed(benchmark, bytes: BenchCorpus.bodyBytes(docs)) {
            for d in docs { terms &+= try analyzer.terms(inUTF8: d.bodyUTF8).count }
        }
        benchmark.stopMeasurement()
        blackHole(terms)
    }

    Benchmark("ICU floor: UTF-8→UTF-16 + zh word break", configuration: configuration) { benchmark in
        let docs = BenchCorpus.standard
        var words = 0
        benchmark.startMeasurement()
        KiteMetrics.timed(benchmark, bytes: BenchCorpus.bodyBytes(docs)) {
            for d in docs { words &+= ICUFloor.countWords(d.bodyUTF8) }
        }
        benchmark.stopMeasurement()
        blackHole(words)
    }

    let pairedMetrics: [BenchmarkMetric] = [.wallClock, .peakMemoryResident, KiteMetrics.percentOfICU]
    var pairedConfiguration = configuration
    pairedConfiguration.metrics = pairedMetrics
    pairedConfiguration.units = KiteMetrics.plainUnits(pairedMetrics)
    pairedConfiguration.maxDuration = .seconds(6)
    Benchmark("Kite analyzer ÷ ICU floor, paired", configuration: pairedConfiguration) { benchmark in
        let docs = BenchCorpus.standard
        let analyzer = Analyzer()
        var n = 0
        try KiteMetrics.paired(benchmark) {
            for d in docs { n &+= ICUFloor.countWords(d.bodyUTF8) }
        } kite: {
            for d in docs { n &+= try analyzer.terms(inUTF8: d.bodyUTF8).count }
        }
        blackHole(n)
    }
}
