import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Kite

/// The default index: the bundled `Corpus/`, indexed on first use into the user's cache directory.
enum DefaultIndex {
    /// `$KITE_DEFAULT_INDEX`, or `$XDG_CACHE_HOME/kite/default-index`, or `$HOME/.cache/kite/default-index`.
    static var path: String {
        let env = ProcessInfo.processInfo.environment
        if let p = env["KITE_DEFAULT_INDEX"], !p.isEmpty { return p }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (home + "/.cache")
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

    /// Builds the default index if it is missing or out of date (or always, with `force`); a file-system failure
    /// (an unwritable cache) is one clear runtime error.
    static func build(force: Bool) throws {
        do {
            try buildUnchecked(force: force)
        } catch let error as CLIError {
            throw error
        } catch let error as KiteError {
            throw error
        } catch {
            throw CLIError.runtime("cannot build the default index in \(path): \(describe(error)) "
                + "(set KITE_DEFAULT_INDEX or XDG_CACHE_HOME to a writable directory, or pass --index)")
        }
    }

    private static func buildUnchecked(force: Bool) throws {
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
            commitEvery: nil, ramBudget: IndexWriter.Options.defaultRAMBudget, threads: ProcessInfo.processInfo.activeProcessorCount,
            progressLabel: "default index")
        try stamp.write(toFile: building + "/" + stampName, atomically: false, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.moveItem(atPath: building, toPath: target)
        writeErr(summary + "\n")
    }

    /// Opens the index of `location`, building the default one first if needed.
    static func openReader(_ location: IndexLocation) throws -> IndexReader {
        if location.isDefault { try build(force: false) }
        if location.index.count > 1 { return try IndexReader(shards: location.index) }
        return try IndexReader(at: location.path)
    }
}
