// Query latency by query type. Setup builds one index of the benchmark corpus and samples 200 queries of each
// type from it (seed 42; words from one random document, so AND and phrase queries match). Each iteration runs ONE
// query (cycling through the list), top-10, no facets, highlights or stored fields, so the wall-clock percentiles
// are per-query latencies and throughput is queries per second. The warm-up runs every query once. Queries count
// every match (exact total hits) unless named "top 10 only".
import Benchmark
import Kite
import KiteBenchSupport

let benchmarks: @Sendable () -> Void = {
    // No CPU time: the kernel's per-process CPU clock ticks in 10 ms, far above one query.
    let metrics: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident]
    let configuration = Benchmark.Configuration(
        metrics: metrics,
        tags: ["corpus": BenchCorpus.path, "bytes": String(BenchCorpus.byteBudget)],
        timeUnits: .microseconds,
        warmupIterations: 200,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 4_000,
        setup: { _ = KiteFixtures.queryIndex },
        teardown: { KiteFixtures.queryIndex.directory.remove() }
    )

    func register(
        _ name: String, ranking: Ranking = .default, countsAllHits: Bool = true,
        _ pick: @escaping @Sendable (QuerySets) -> [String]
    ) {
        var options = KiteFixtures.latencyOptions
        options.ranking = ranking
        options.countsAllHits = countsAllHits
        Benchmark(name, configuration: configuration) { benchmark in
            let fixture = KiteFixtures.queryIndex
            let queries = pick(fixture.queries)
            let query = queries[benchmark.currentIteration % queries.count]
            benchmark.startMeasurement()
            let results = try fixture.reader.search(query, options: options)
            benchmark.stopMeasurement()
            blackHole(results)
        }
    }

    register("single term") { $0.single }
    register("2 terms OR") { $0.or2 }
    register("2 terms AND (+a +b)") { $0.and2 }
    register("phrase \"a b\"") { $0.phrase }
    register("2 terms OR, plain BM25 (no bigram/phrase bonus)", ranking: .plainBM25) { $0.or2 }
    // Top 10 only (SearchOptions.countsAllHits off): MaxScore / block-max skipping instead of counting every match.
    register("single term, top 10 only", countsAllHits: false) { $0.single }
    register("2 terms OR, top 10 only", countsAllHits: false) { $0.or2 }
    register("2 terms AND (+a +b), top 10 only", countsAllHits: false) { $0.and2 }
}
