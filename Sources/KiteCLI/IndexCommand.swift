import ArgumentParser
import Foundation
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
    @Option(help: "RAM budget of the writer in MB before it flushes a segment.") var ramBudget = 256
    @Option(help: "Analysis threads, each filling its own segment (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Rebuild the default index of the bundled corpus.") var rebuildDefault = false
    @OptionGroup var analysis: AnalysisOptions

    func validate() throws {
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
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        if rebuildDefault {
            try DefaultIndex.build(force: true)
            if paths.isEmpty { return }
        }
        let ingestion = Ingestion(format: format, period: period.flatMap(ReportPeriod.init),
                                  passageThreshold: passagesOver > 0 ? passagesOver : nil)
        let summary = try Indexer.run(
            files: try Indexer.expand(paths), into: location.path, analyzer: analysis.configuration,
            ingestion: ingestion, strict: strict, commitEvery: commitEvery, ramBudget: ramBudget << 20, threads: threads)
        writeErr(summary + "\n")
    }
}

extension Ingestion.Format: ExpressibleByArgument {}

/// Runs an indexing job with progress and a summary.
enum Indexer {
    /// A file to index, with the id a plain-text file gets: its path relative to the directory given (nil for a
    /// file given directly: its name).
    struct Input {
        var path: String
        var name: String?
    }

    /// Files of `paths`, directories expanded (recursively, sorted, hidden files skipped).
    static func expand(_ paths: [String]) throws -> [Input] {
        var files: [Input] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw CLIError.runtime("\(p): no such file or directory") }
            if isDir.boolValue {
                guard let e = fm.enumerator(atPath: p) else { throw CLIError.runtime("\(p): cannot list directory") }
                var found: [Input] = []
                for case let rel as String in e {
                    let full = p + "/" + rel
                    var d: ObjCBool = false
                    if !rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                       fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue,
                       [".jsonl", ".ndjson", ".txt"].contains(where: { rel.lowercased().hasSuffix($0) }) {
                        found.append(Input(path: full, name: rel))
                    }
                }
                files += found.sorted { $0.path < $1.path }
            } else {
                files.append(Input(path: p, name: nil))
            }
        }
        return files
    }

    static func openWriter(_ path: String, analyzer: AnalyzerConfiguration, ramBudget: Int, threads: Int) throws -> IndexWriter {
        do {
            return try IndexWriter(at: path, analyzer: analyzer, options: .init(ramBudget: ramBudget, threads: threads))
        } catch let KiteError.configurationMismatch(p, _, found) {
            throw CLIError.runtime("index at \(p) was built with \(found); pass the same analysis options or use another --index")
        }
    }

    static func run(
        files: [Input], into path: String, analyzer: AnalyzerConfiguration, ingestion: Ingestion, strict: Bool,
        commitEvery: Int?, ramBudget: Int, threads: Int = 1, progressLabel: String = "indexing"
    ) throws -> String {
        let writer = try openWriter(path, analyzer: analyzer, ramBudget: ramBudget, threads: threads)
        let totalBytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? Int) ?? 0) }
        let progress = Progress(totalBytes: totalBytes, label: progressLabel)
        var documents = 0
        var errors: [IngestError] = []
        var doneBytes = 0
        let start = Date()
        // Document ids seen in this run: a second document with one of them replaces the first, which is reported.
        var seen = Set<[UInt8]>()  // bytes, as the writer compares ids
        var duplicates = 0
        for input in files {
            let file = input.path
            do {
                var inFile = 0
                try ingestion.forEachDocument(inFile: file, documentName: input.name, { doc in
                    let passage = PassageID.split(doc.id)
                    if passage == nil || passage?.number == 1, !seen.insert(Array((passage?.document ?? doc.id).utf8)).inserted {
                        duplicates += 1
                        let error = IngestError(path: file, line: 0, reason: .duplicateID(passage?.document ?? doc.id))
                        if duplicates <= 5 || strict { progress.clear(); writeErr("kite: \(error)\n") }
                        if strict { errors.append(error) }
                    }
                    try writer.add(doc)
                    documents += 1
                    if let n = commitEvery, documents % n == 0 { try writer.commit() }
                    if documents % 64 == 0 { progress.update(documents: documents, bytes: doneBytes + inFile) }
                }, onError: { error in
                    errors.append(error)
                    progress.clear()
                    writeErr("kite: \(error)\n")
                }, onProgress: { inFile = $0 })
            } catch let error as IngestError {
                errors.append(error)
                progress.clear()
                writeErr("kite: \(error)\n")
            }
            doneBytes += (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            progress.update(documents: documents, bytes: doneBytes)
        }
        progress.clear()
        if strict && !errors.isEmpty {
            writer.rollback()
            throw CLIError.runtime("\(errors.count) input error(s); nothing committed (--strict)")
        }
        try writer.commit()
        let live = writer.liveDocumentCount
        writer.close()
        let seconds = Date().timeIntervalSince(start)
        let mb = Double(totalBytes) / 1_000_000
        var line = String(format: "indexed %d documents from %d file(s), %.1f MB in %.2f s (%.1f MB/s); index has %d documents",
                          documents, files.count, mb, seconds, mb / max(seconds, 1e-9), live)
        if !errors.isEmpty { line += "; \(errors.count) input error(s) skipped" }
        if duplicates > 0 { line += "; \(duplicates) id(s) given more than once (the later document replaced the earlier)" }
        line += String(format: "; peak memory %.0f MiB", peakMemoryMiB())
        return line
    }
}

/// A progress bar on standard error, only when it is a terminal.
final class Progress {
    let totalBytes: Int
    let label: String
    let enabled = isatty(STDERR_FILENO) == 1
    let start = Date()
    private var last = Date.distantPast
    private var shown = false

    init(totalBytes: Int, label: String) {
        self.totalBytes = totalBytes
        self.label = label
    }

    func update(documents: Int, bytes: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(last) > 0.1 else { return }
        last = now
        let elapsed = now.timeIntervalSince(start)
        let fraction = totalBytes > 0 ? min(1, Double(bytes) / Double(totalBytes)) : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let mbps = Double(bytes) / 1_000_000 / max(elapsed, 1e-9)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let text = String(format: "\r%@ %@ %3.0f%%  %d docs  %.1f/%.1f MB  %.1f MB/s  ETA %.0fs ", label, bar, fraction * 100,
                          documents, Double(bytes) / 1_000_000, Double(totalBytes) / 1_000_000, mbps, eta)
        writeErr(text)
        shown = true
    }

    func clear() {
        guard enabled, shown else { return }
        writeErr("\r\u{1B}[K")
        shown = false
    }
}

/// The default index: the bundled `Corpus/`, indexed on first use into the user's cache directory.
enum DefaultIndex {
    /// `$KITE_DEFAULT_INDEX`, or `$XDG_CACHE_HOME/kite/default-index`, or `~/.cache/kite/default-index`.
    static var path: String {
        let env = ProcessInfo.processInfo.environment
        if let p = env["KITE_DEFAULT_INDEX"], !p.isEmpty { return p }
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return cache + "/kite/default-index"
    }

    /// `$KITE_CORPUS`, or the `Corpus/` folder of the source tree this binary was built from.
    static var corpus: String {
        if let p = ProcessInfo.processInfo.environment["KITE_CORPUS"], !p.isEmpty { return p }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Corpus").path
    }

    static let stampName = "kite-default.stamp"

    /// What the default index was built from: corpus files with sizes and times, and the analyzer.
    static func stamp() throws -> String {
        let files = try corpusFiles()
        var s = "analyzer=\(AnalyzerConfiguration.default.fingerprint)\nformat=\(IndexReader.formatVersion)\n"
        for f in files {
            let attrs = try FileManager.default.attributesOfItem(atPath: f)
            let size = attrs[.size] as? Int ?? 0
            let date = (attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            s += "\(f.split(separator: "/").last ?? "") \(size) \(Int(date))\n"
        }
        return s
    }

    static func corpusFiles() throws -> [String] {
        let dir = corpus
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            throw CLIError.runtime("bundled corpus not found at \(dir) (set KITE_CORPUS or pass --index)")
        }
        return names.filter { $0.hasSuffix(".jsonl") || $0.hasSuffix(".txt") }.sorted().map { dir + "/" + $0 }
    }

    /// Builds the default index if it is missing or out of date (or always, with `force`).
    static func build(force: Bool) throws {
        let target = path
        let stamp = try stamp()
        if !force, let existing = try? String(contentsOfFile: target + "/" + stampName, encoding: .utf8), existing == stamp,
           FileManager.default.fileExists(atPath: target + "/manifest") {
            return
        }
        // Build next to the target, then swap it in, so that an interrupted build leaves no half index behind.
        let building = target + ".building-\(getpid())"
        try? FileManager.default.removeItem(atPath: building)
        try FileManager.default.createDirectory(atPath: building, withIntermediateDirectories: true)
        writeErr("building the default index of \(corpus) in \(target)\n")
        let summary = try Indexer.run(
            files: try corpusFiles().map { Indexer.Input(path: $0, name: nil) }, into: building, analyzer: .default, ingestion: Ingestion(), strict: false,
            commitEvery: nil, ramBudget: 256 << 20, threads: ProcessInfo.processInfo.activeProcessorCount,
            progressLabel: "default index")
        try stamp.write(toFile: building + "/" + stampName, atomically: false, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.moveItem(atPath: building, toPath: target)
        writeErr(summary + "\n")
    }

    /// Opens the index of `location`, building the default one first if needed.
    static func openReader(_ location: IndexLocation) throws -> IndexReader {
        if location.isDefault { try build(force: false) }
        return try IndexReader(at: location.path)
    }
}
