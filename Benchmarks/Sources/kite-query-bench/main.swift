// kite-query-bench INDEX QUERIES [--reps N] [--ranking default|plain] [--limit K] [--mode NAME] [--slowest N]
//
// In-process per-query latency of a Kite index, measured the way compare/run.sh measures the peers: QUERIES has one
// query per line, words separated by spaces. Each query runs as OR (`w1 w2 w3`, Kite's default operator) and as AND
// (`+w1 +w2 +w3`), top-K (default 10), no facets, highlights or stored fields, one thread; each twice: counting every
// match ("or", "and": exact total hits, as tantivy's search with count=True) and top-K only ("or_top", "and_top":
// SearchOptions.countsAllHits off, so MaxScore / block-max skipping may leave out documents that cannot enter the
// top K). The four run with SearchOptions.match = .any (every document with a query term matches, as the peers' OR
// and AND); "match" runs the words as one query under Kite's default (.related: the documents holding every word at a
// word start, counted exactly, then related ones), the mode users get. One warm-up pass over all queries, then N timed passes (default 5); a query's latency is its median over
// the passes (ContinuousClock around the search call, query parsing and planning included; the passes of all modes
// alternate, so a slow spell of this noisy machine weighs on every mode alike). `--mode` runs one mode
// only; `--slowest N` lists each mode's N slowest queries on standard error (where to look first). Prints one JSON line:
//   {"or":{"p50_us":…,"p95_us":…,"mean_us":…,"queries_with_hits":…,"total_hits_top10":…},"and":{…},"or_top":{…},…}
import Foundation
import Kite

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("kite-query-bench: \(message)\n".utf8))
    exit(2)
}

struct Settings {
    static let usage =
        "usage: kite-query-bench INDEX QUERIES [--reps N] [--ranking default|plain] [--limit K] [--mode NAME] [--slowest N]"
    var index = ""
    var queries = ""
    var reps = 5
    var limit = 10
    var rankingName = "default"
    var ranking = Ranking.default
    var mode: String?
    var slowest = 0

    static func parse(_ arguments: [String]) -> Settings {
        var s = Settings()
        var positional: [String] = []
        var rest = arguments[...]
        func number(_ flag: String) -> Int {
            guard let v = rest.popFirst(), let n = Int(v), n > 0 else { fail("\(flag) needs a positive number") }
            return n
        }
        while let a = rest.popFirst() {
            switch a {
            case "--reps": s.reps = number(a)
            case "--limit": s.limit = number(a)
            case "--slowest": s.slowest = number(a)
            case "--mode":
                guard let v = rest.popFirst() else { fail("--mode needs or, and, or_top, and_top or match") }
                s.mode = v
            case "--ranking":
                guard let v = rest.popFirst() else { fail("--ranking needs default or plain") }
                s.rankingName = v
            case "-h", "--help":
                print(Settings.usage)
                exit(0)
            default: positional.append(a)
            }
        }
        guard positional.count == 2 else { fail(Settings.usage) }
        s.index = positional[0]
        s.queries = positional[1]
        switch s.rankingName {
        case "default": s.ranking = .default
        case "plain": s.ranking = .plainBM25
        default: fail("unknown ranking \(s.rankingName)")
        }
        return s
    }
}


func microseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) * 1e-12
}

/// Linear interpolation between closest ranks, as numpy's default and peers.py.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    let k = Double(sorted.count - 1) * p
    let lo = Int(k)
    let hi = min(lo + 1, sorted.count - 1)
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - Double(lo))
}

/// One mode: its queries, options and, once run, the hit counts and per-query times.
struct Mode {
    let name: String
    let strings: [String]
    let options: SearchOptions
    var hits: [Int] = []
    var times: [[Double]] = []

    init(_ name: String, _ strings: [String], _ options: SearchOptions) {
        self.name = name
        self.strings = strings
        self.options = options
        times = Array(repeating: [], count: strings.count)
    }

    /// Warm-up, and the hit counts.
    mutating func warm(_ reader: IndexReader) {
        for q in strings {
            do { hits.append(try reader.search(q, options: options).hits.count) } catch { fail("query \(q): \(error)") }
        }
    }

    /// One timed pass over the queries.
    mutating func pass(_ reader: IndexReader) {
        let clock = ContinuousClock()
        for (i, q) in strings.enumerated() {
            let start = clock.now
            let r = try? reader.search(q, options: options)
            times[i].append(microseconds(clock.now - start))
            withExtendedLifetime(r) {}
        }
    }

    func summary(slowest: Int) -> String {
        let unsorted = times.map { xs -> Double in
            let s = xs.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        let medians = unsorted.sorted()
        func r1(_ x: Double) -> String { String(format: "%.1f", x) }
        for i in unsorted.indices.sorted(by: { unsorted[$0] > unsorted[$1] }).prefix(slowest) {
            FileHandle.standardError.write(Data("\(name)\t\(r1(unsorted[i]))\t\(hits[i])\t\(strings[i])\n".utf8))
        }
        return "{\"p50_us\":\(r1(percentile(medians, 0.5))),\"p95_us\":\(r1(percentile(medians, 0.95)))"
            + ",\"mean_us\":\(r1(medians.reduce(0, +) / Double(medians.count)))"
            + ",\"queries_with_hits\":\(hits.filter { $0 > 0 }.count),\"total_hits_top10\":\(hits.reduce(0, +))}"
    }
}

func main() {
    let settings = Settings.parse(Array(CommandLine.arguments.dropFirst()))
    let reader: IndexReader
    do { reader = try IndexReader(at: settings.index) } catch { fail("cannot open \(settings.index): \(error)") }
    guard let text = try? String(contentsOfFile: settings.queries, encoding: .utf8) else {
        fail("cannot read \(settings.queries)")
    }
    let queries = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.filter { !$0.isEmpty }
    guard !queries.isEmpty else { fail("no queries in \(settings.queries)") }
    let matching = SearchOptions(
        limit: settings.limit, facetField: nil, highlights: false, storedFields: false, ranking: settings.ranking)
    var options = matching
    options.match = .any
    var topOnly = options
    topOnly.countsAllHits = false
    let orQueries = queries.map { $0.joined(separator: " ") }
    let andQueries = queries.map { $0.map { "+" + $0 }.joined(separator: " ") }
    var modes = [
        Mode("or", orQueries, options), Mode("and", andQueries, options), Mode("or_top", orQueries, topOnly),
        Mode("and_top", andQueries, topOnly), Mode("match", orQueries, matching),
    ].filter { settings.mode == nil || settings.mode == $0.name }
    for i in modes.indices { modes[i].warm(reader) }
    // Passes alternate between modes, so that a slow spell of the machine weighs on every mode alike.
    for _ in 0..<settings.reps {
        for i in modes.indices { modes[i].pass(reader) }
    }
    let results = modes.map { "\"\($0.name)\":" + $0.summary(slowest: settings.slowest) }
    print("{" + results.joined(separator: ",") + ",\"queries\":\(queries.count),\"reps\":\(settings.reps)"
        + ",\"ranking\":\"\(settings.rankingName)\",\"documents\":\(reader.documentCount)"
        + ",\"segments\":\(reader.segmentCount)}")
}

main()
