import ArgumentParser
import FoundationEssentials
import Kite

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index files (JSONL, text, reports) or directories of them; one commit at the end.",
        discussion: """
            Interrupted (Ctrl-C, kill -9, power loss), a run leaves the index as it was before it. Malformed lines \
            are reported with file and line and skipped; with --strict, any of them means nothing is committed.
            """)

    @Argument(help: "Files or directories to index.") var paths: [String] = []
    @OptionGroup var location: IndexLocation
    @Option(help: "Input format: auto, jsonl, text or report.") var format: Ingestion.Format = .auto
    @Option(help: "Period of every document (e.g. 2023Q3), overriding titles, dates and file names.") var period: String?
    @Flag(help: "Commit nothing if any input line or file is malformed.") var strict = false
    @Option(help: "Also commit every N documents (for very long runs).") var commitEvery: Int?
    @Option(help: "Split bodies longer than this many characters into passages (0: never).") var passagesOver = 5_000
    @Option(help: "RAM budget of the writer in MB (buffers and what a flush allocates) before it flushes a segment.")
    var ramBudget = IndexWriter.Options.defaultRAMBudget >> 20
    @Option(help: "Analysis threads, each filling its own segment (default: all cores).")
    var threads: Int?
    @Flag(help: "Rebuild the default index of the bundled corpus.") var rebuildDefault = false
    @OptionGroup var analysis: AnalysisOptions

    func validate() throws {
        try location.requireOne("kite index")
        if paths.isEmpty && !rebuildDefault { throw ValidationError("give files or directories to index, or --rebuild-default") }
        if !paths.isEmpty && location.isDefault {
            throw ValidationError("give --index DIR for your files (the bundled demo index is rebuilt only from Corpus/)")
        }
        if let period, ReportPeriod(period) == nil { throw ValidationError("--period \(period) is not a period (2023, 2023Q3, 2023H1, 2023-09)") }
        if let n = commitEvery, n < 1 { throw ValidationError("--commit-every must be at least 1") }
        if strict && commitEvery != nil {
            throw ValidationError("--strict commits nothing on an input error, so it cannot be combined with --commit-every")
        }
        if ramBudget < 1 { throw ValidationError("--ram-budget must be at least 1 MB") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        if rebuildDefault {
            try DefaultIndex.build(force: true)
            if paths.isEmpty { return }
        }
        let ingestion = Ingestion(format: format, period: period.flatMap(ReportPeriod.init),
                                  passageThreshold: passagesOver > 0 ? passagesOver : nil)
        let summary = try Indexer.run(
            files: try Indexer.expand(paths), into: location.path, analyzer: try analysis.configuration(),
            ingestion: ingestion, strict: strict, commitEvery: commitEvery, ramBudget: ramBudget << 20,
            threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        writeErr(summary + "\n")
    }
}

extension Ingestion.Format: ExpressibleByArgument {}
