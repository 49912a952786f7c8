import Benchmark
import Foundation
import Kite

/// SplitMix64: a small seeded generator, so sampled queries are the same on every run and machine.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Query strings of each type, drawn from the corpus with a fixed seed.
public struct QuerySets: Sendable {
    /// `w`
    public var single: [String] = []
    /// `w1 w2` (OR, Kite's default operator)
    public var or2: [String] = []
    /// `+w1 +w2`
    public var and2: [String] = []
    /// `"w1 w2"`, two words adjacent in a document
    public var phrase: [String] = []

    /// Samples `count` queries of each type from `docs`: each query is drawn from ONE random document, so AND and
    /// phrase queries have at least one hit. Words are Kite's analyzed words (not rescue bigrams) of 1–12 letters.
    public static func sample(from docs: [BenchDocument], count: Int = 200, seed: UInt64 = 42) -> QuerySets {
        var rng = SeededGenerator(seed: seed)
        let analyzer = Analyzer()
        // Per document: its words in position order (nil where a position holds no eligible word).
        var cache: [Int: [String?]] = [:]
        func words(_ i: Int) -> [String?] {
            if let w = cache[i] { return w }
            let terms = (try? analyzer.terms(inUTF8: docs[i].bodyUTF8)) ?? []
            var byPosition: [String?] = []
            for t in terms where t.kind == .word {
                while byPosition.count < t.position { byPosition.append(nil) }
                byPosition.append(eligible(t.text) ? t.text : nil)
            }
            cache[i] = byPosition
            return byPosition
        }
        var sets = QuerySets()
        var attempts = 0
        func draw(_ make: ([String?], inout SeededGenerator) -> String?) -> [String] {
            var out: [String] = []
            var seen: Set<String> = []
            while out.count < count, attempts < count * 1_000 {
                attempts += 1
                let ws = words(Int.random(in: 0..<docs.count, using: &rng))
                if let q = make(ws, &rng), seen.insert(q).inserted { out.append(q) }
            }
            return out
        }
        func distinct(_ ws: [String?]) -> [String] { Array(Set(ws.compactMap { $0 })).sorted() }
        sets.single = draw { ws, rng in distinct(ws).randomElement(using: &rng) }
        func pair(_ ws: [String?], _ rng: inout SeededGenerator) -> (String, String)? {
            let d = distinct(ws)
            guard d.count >= 2 else { return nil }
            let a = d.randomElement(using: &rng)!
            var b = a
            while b == a { b = d.randomElement(using: &rng)! }
            return (a, b)
        }
        sets.or2 = draw { ws, rng in pair(ws, &rng).map { "\($0.0) \($0.1)" } }
        sets.and2 = draw { ws, rng in pair(ws, &rng).map { "+\($0.0) +\($0.1)" } }
        sets.phrase = draw { ws, rng in
            let starts = ws.indices.dropLast().filter { ws[$0] != nil && ws[$0 + 1] != nil && ws[$0] != ws[$0 + 1] }
            guard let i = starts.randomElement(using: &rng) else { return nil }
            return "\"\(ws[i]!) \(ws[i + 1]!)\""
        }
        return sets
    }

    /// 1–12 letters (no digits, punctuation or query operators).
    static func eligible(_ w: String) -> Bool {
        let n = w.count
        guard n >= 1, n <= 12, w.allSatisfy(\.isLetter) else { return false }
        return !["and", "or", "not"].contains(w.lowercased())
    }
}

/// A fresh directory under the system temporary directory, removed by ``remove()``.
public struct TempDirectory: Sendable {
    public let path: String

    public init(_ label: String) {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/kite-bench-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.removeItem(atPath: path)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Bytes of the regular files in the directory (recursively).
    public var bytes: Int {
        var total = 0
        if let e = FileManager.default.enumerator(atPath: path) {
            for case let name as String in e {
                let attrs = try? FileManager.default.attributesOfItem(atPath: "\(path)/\(name)")
                if attrs?[.type] as? FileAttributeType == .typeRegular { total += (attrs?[.size] as? Int) ?? 0 }
            }
        }
        return total
    }
}

/// Index building shared by the suites.
public enum KiteFixtures {
    /// Adds `docs` to a new index at `path` with `options` (default: one analysis thread) and commits after each of
    /// `batches` equal parts (`batches` segments when the options do not merge after commits).
    public static func buildIndex(
        _ docs: [BenchDocument], at path: String, options: IndexWriter.Options = IndexWriter.Options(threads: 1),
        batches: Int = 1
    ) throws {
        let writer = try IndexWriter(at: path, options: options)
        let per = max(1, (docs.count + batches - 1) / batches)
        for (i, d) in docs.enumerated() {
            try writer.add(d.kiteDocument)
            if (i + 1) % per == 0 || i + 1 == docs.count { try writer.commit() }
        }
        writer.close()
    }

    /// An index of ``BenchCorpus/standard`` built once per process, and the queries sampled from the same documents.
    public static let queryIndex: (reader: IndexReader, queries: QuerySets, directory: TempDirectory) = {
        let docs = BenchCorpus.standard
        let dir = TempDirectory("query")
        do {
            try buildIndex(docs, at: dir.path)
            let reader = try IndexReader(at: dir.path)
            return (reader, QuerySets.sample(from: docs), dir)
        } catch {
            fatalError("building the query index failed: \(error)")
        }
    }()

    /// Search options of the latency benchmarks: top-10, no facets, highlights or stored fields.
    public static let latencyOptions = SearchOptions(limit: 10, facetField: nil, highlights: false, storedFields: false)
}

/// Metrics and helpers for throughput reporting.
public enum KiteMetrics {
    /// Text processed per second of the iteration's own wall time, in kB/s (1 kB = 1,000 bytes of UTF-8).
    public static let textKBPerSecond = BenchmarkMetric.custom("text kB/s", polarity: .prefersLarger, useScalingFactor: false)
    /// Kite's wall time as a percentage of the bare-ICU floor's wall time on the same text, both run alternately in
    /// the same iteration (so machine load drifts affect both alike).
    public static let percentOfICU = BenchmarkMetric.custom("Kite / ICU floor time (%)", polarity: .prefersSmaller, useScalingFactor: false)
    /// Bytes on disk of the index an iteration produced.
    public static let indexBytes = BenchmarkMetric.custom("index bytes", polarity: .prefersSmaller, useScalingFactor: false)

    /// Wall time, CPU time, peak RSS and malloc count, plus `extra` (for whole-corpus iterations, whose throughput
    /// is reported as ``textKBPerSecond``: the built-in `.throughput` would only count iterations per second).
    public static func standard(_ extra: [BenchmarkMetric] = []) -> [BenchmarkMetric] {
        [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal] + extra
    }

    /// Units that print custom metrics unscaled.
    public static func plainUnits(_ metrics: [BenchmarkMetric]) -> [BenchmarkMetric: BenchmarkUnits] {
        var units: [BenchmarkMetric: BenchmarkUnits] = [:]
        for m in metrics { if case .custom = m { units[m] = .count } }
        return units
    }

    /// Times `body` with a monotonic clock and records `bytes` / elapsed as ``textKBPerSecond``.
    @inline(__always)
    public static func timed<R>(_ benchmark: Benchmark, bytes: Int, _ body: () throws -> R) rethrows -> R {
        let (r, seconds) = try clocked(body)
        if seconds > 0 { benchmark.measurement(textKBPerSecond, Int((Double(bytes) / 1_000 / seconds).rounded())) }
        return r
    }

    /// `body`'s result and its wall time in seconds.
    @inline(__always)
    public static func clocked<R>(_ body: () throws -> R) rethrows -> (R, Double) {
        let start = ContinuousClock.now
        let r = try body()
        let elapsed = ContinuousClock.now - start
        return (r, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// Runs `icu` and `kite` alternately (the order flipping every iteration) and records Kite's time as a percentage
    /// of ICU's as ``percentOfICU``.
    public static func paired(_ benchmark: Benchmark, icu: () -> Void, kite: () throws -> Void) rethrows {
        var icuSeconds = 0.0, kiteSeconds = 0.0
        if benchmark.currentIteration % 2 == 0 {
            icuSeconds = clocked(icu).1
            kiteSeconds = try clocked(kite).1
        } else {
            kiteSeconds = try clocked(kite).1
            icuSeconds = clocked(icu).1
        }
        if icuSeconds > 0 { benchmark.measurement(percentOfICU, Int((kiteSeconds / icuSeconds * 100).rounded())) }
    }
}
