import ArgumentParser
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
@_spi(Benchmarks) import Kite

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Index a JSONL corpus into a temporary directory and compare with bare ICU segmentation of the same text.")

    @Argument(help: "A JSONL corpus ({\"id\", \"text\"[, \"title\"]} per line).") var corpus: String
    @Option(help: "Analysis threads (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print JSON.") var json = false
    /// The analyzer Kite indexes with (as for `kite index`): `--dictionary FILE` measures the cost of a user
    /// dictionary against the same run without one.
    @OptionGroup var analysis: AnalysisOptions

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        // A bad dictionary file fails here, before any work; reading a good one counts as indexing time.
        let readStart = Date()
        let analyzer = try analysis.configuration()
        let readSeconds = Date().timeIntervalSince(readStart)
        // The same text Kite indexes (title and body of each document), for the ICU floor.
        var texts: [String] = []
        var bytes = 0
        var reader = try JSONLinesReader(contentsOfFile: corpus)
        while let line = reader.next() {
            let doc = JSONLMapping.default.document(from: try line.get())
            for key in ["title", "body"] { if let t = doc[key] { texts.append(t); bytes += t.utf8.count } }
        }
        let icu = try ICUBaseline()
        let icuStart = Date()
        var words = 0
        for t in texts { words += icu.countWords(t) }
        let icuSeconds = Date().timeIntervalSince(icuStart)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kite-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = Date()
        _ = try Indexer.run(files: [Indexer.Input(path: corpus, name: nil)], into: dir, analyzer: analyzer, ingestion: Ingestion(passageThreshold: nil),
                            strict: false, commitEvery: nil, ramBudget: IndexWriter.Options.defaultRAMBudget, threads: threads, progressLabel: "bench")
        let seconds = Date().timeIntervalSince(start) + readSeconds
        let peak = peakMemoryMiB()
        let stats = try IndexReader(at: dir).statistics()
        let mb = Double(bytes) / 1_000_000
        let result = BenchResult(
            documents: stats.documents, textMB: mb, seconds: seconds, docsPerSecond: Double(stats.documents) / seconds,
            mbPerSecond: mb / seconds, peakRSSMiB: peak, indexBytes: stats.totalBytes,
            storedBytes: stats.bytesByKind["sto"] ?? 0, threads: threads, icuWords: words,
            icuSeconds: icuSeconds, icuMBPerSecond: mb / icuSeconds, ratioToICU: icuSeconds / seconds,
            analyzer: stats.analyzer, dictionaryWords: analyzer.dictionary?.wordCount ?? 0,
            dictionarySeconds: readSeconds)
        if json {
            writeOut(try encodeJSON(result))
            return
        }
        let text = Double(stats.totalBytes) / Double(max(bytes, 1)), stored = Double(stats.bytesByKind["sto"] ?? 0) / 1e6
        writeOut("""
            documents   \(stats.documents) (\(fixed(mb, 1)) MB of text)
            indexing    \(fixed(seconds, 2)) s, \(fixed(Double(stats.documents) / seconds, 0)) docs/s, \(fixed(mb / seconds, 1)) MB/s, \
            \(threads) thread(s), peak RSS \(fixed(peak, 0)) MiB
            index size  \(fixed(Double(stats.totalBytes) / 1e6, 1)) MB (\(fixed(text, 3)) of the text; stored text \(fixed(stored, 1)) MB)
            ICU floor   \(fixed(icuSeconds, 2)) s, \(fixed(mb / icuSeconds, 1)) MB/s (\(words) words), same text, same process
            ratio       Kite end to end at \(fixed(100 * icuSeconds / seconds, 0)) % of bare ICU's throughput
            """
            + "\nanalyzer    \(stats.analyzer)" + (analyzer.dictionary.map { " (a dictionary of \($0.wordCount) words)" } ?? "") + "\n\n")
    }
}

/// What `kite bench --json` prints (keys sorted).
struct BenchResult: Encodable {
    var documents: Int
    var textMB, seconds, docsPerSecond, mbPerSecond, peakRSSMiB: Double
    var indexBytes, storedBytes, threads, icuWords: Int
    var icuSeconds, icuMBPerSecond, ratioToICU: Double
    var analyzer: String
    var dictionaryWords: Int
    var dictionarySeconds: Double
}
