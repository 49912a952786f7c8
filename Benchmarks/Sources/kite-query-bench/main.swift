// kite-query-bench INDEX QUERIES [--reps N] [--ranking default|plain] [--limit K]
//
// In-process per-query latency of a Kite index, measured the way compare/run.sh measures the peers: QUERIES has one
// query per line, words separated by spaces. Each query runs as OR (`w1 w2 w3`, Kite's default operator) and as AND
// (`+w1 +w2 +w3`), top-K (default 10), no facets, highlights or stored fields, one thread; each twice: counting every
// match ("or", "and": exact total hits, as tantivy's search with count=True) and top-K only ("or_top", "and_top":
// SearchOptions.countsAllHits off, so MaxScore / block-max skipping may leave out documents that cannot enter the
// top K). The four run with SearchOptions.match = .any (every document with a query term matches, as the peers' OR
// and AND); "match" runs the words as one query under Kite's default (.related: the documents holding every word at a
// word start, counted exactly, then related ones), the mode users get. One warm-up pass over all queries, then N timed passes (default 5); a query's latency is its median over
// the passes (ContinuousClock around the search call, query parsing and planning included). Prints one JSON line:
//   {"or":{"p50_us":…,"p95_us":…,"mean_us":…,"queries_with_hits":…,"total_hits_top10":…},"and":{…},"or_top":{…},…}
import Foundation
import Kite

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("kite-query-bench: \(message)\n".utf8))
    exit(2)
}

struct Settings {
    static let usage = "usage: kite-query-bench INDEX QUERIES [--reps N] [--ranking default|plain] [--limit K]"
    var index = ""
    var queries = ""
    var reps = 5
    var limit = 10
    var rankingName = "default"
    var ranking = Ranking.default

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

func measure(_ strings: [String], reader: IndexReader, options: SearchOptions, reps: Int) -> String {
    var hits: [Int] = []
    for q in strings {  // warm-up, and the hit counts
        do { hits.append(try reader.search(q, options: options).hits.count) } catch { fail("query \(q): \(error)") }
    }
    var perQuery = Array(repeating: [Double](), count: strings.count)
    let clock = ContinuousClock()
    for _ in 0..<max(1, reps) {
        for (i, q) in strings.enumerated() {
            let start = clock.now
            let r = try? reader.search(q, options: options)
            perQuery[i].append(microseconds(clock.now - start))
            withExtendedLifetime(r) {}
        }
    }
    let medians = perQuery.map { xs -> Double in
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }.sorted()
    func r1(_ x: Double) -> String { String(format: "%.1f", x) }
    return "{\"p50_us\":\(r1(percentile(medians, 0.5))),\"p95_us\":\(r1(percentile(medians, 0.95)))"
        + ",\"mean_us\":\(r1(medians.reduce(0, +) / Double(medians.count)))"
        + ",\"queries_with_hits\":\(hits.filter { $0 > 0 }.count),\"total_hits_top10\":\(hits.reduce(0, +))}"
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
    var modes: [String] = []
    for (name, strings, opts) in [
        ("or", orQueries, options), ("and", andQueries, options), ("or_top", orQueries, topOnly),
        ("and_top", andQueries, topOnly), ("match", orQueries, matching),
    ] {
        modes.append("\"\(name)\":" + measure(strings, reader: reader, options: opts, reps: settings.reps))
    }
    print("{" + modes.joined(separator: ",") + ",\"queries\":\(queries.count),\"reps\":\(settings.reps)"
        + ",\"ranking\":\"\(settings.rankingName)\",\"documents\":\(reader.documentCount)"
        + ",\"segments\":\(reader.segmentCount)}")
}

main()
