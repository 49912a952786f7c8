import ArgumentParser
import Foundation
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
        let result: [String: Any] = [
            "documents": stats.documents, "textMB": mb, "seconds": seconds, "docsPerSecond": Double(stats.documents) / seconds,
            "mbPerSecond": mb / seconds, "peakRSSMiB": peak, "indexBytes": stats.totalBytes,
            "storedBytes": stats.bytesByKind["sto"] ?? 0, "threads": threads, "icuWords": words,
            "icuSeconds": icuSeconds, "icuMBPerSecond": mb / icuSeconds, "ratioToICU": icuSeconds / seconds,
            "analyzer": stats.analyzer, "dictionaryWords": analyzer.dictionary?.wordCount ?? 0,
            "dictionarySeconds": readSeconds,
        ]
        if json {
            writeOut(try jsonString(result) + "\n")
            return
        }
        writeOut(String(format: """
            documents   %d (%.1f MB of text)
            indexing    %.2f s, %.0f docs/s, %.1f MB/s, %d thread(s), peak RSS %.0f MiB
            index size  %.1f MB (%.3f of the text; stored text %.1f MB)
            ICU floor   %.2f s, %.1f MB/s (%d words), same text, same process
            ratio       Kite end to end at %.0f %% of bare ICU's throughput
            """, stats.documents, mb, seconds, Double(stats.documents) / seconds, mb / seconds, threads,
            peak, Double(stats.totalBytes) / 1e6, Double(stats.totalBytes) / Double(max(bytes, 1)),
            Double(stats.bytesByKind["sto"] ?? 0) / 1e6, icuSeconds, mb / icuSeconds, words, 100 * icuSeconds / seconds)
            // (Not in the format: a fingerprint is text, not a format.)
            + "\nanalyzer    \(stats.analyzer)" + (analyzer.dictionary.map { " (a dictionary of \($0.wordCount) words)" } ?? "") + "\n\n")
    }
}
