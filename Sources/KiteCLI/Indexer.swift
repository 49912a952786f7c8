import FoundationEssentials
import Kite

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
            var isDir = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw CLIError.runtime("\(p): no such file or directory") }
            if isDir {
                guard let e = try? fm.subpathsOfDirectory(atPath: p) else { throw CLIError.runtime("\(p): cannot list directory") }
                var found: [Input] = []
                var skipped: [String] = []
                for rel in e {
                    let full = p + "/" + rel
                    var d = false
                    guard !rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                          fm.fileExists(atPath: full, isDirectory: &d), !d else { continue }
                    if [".jsonl", ".ndjson", ".txt"].contains(where: { rel.lowercased().hasSuffix($0) }) {
                        found.append(Input(path: full, name: rel))
                    } else {
                        skipped.append(rel)
                    }
                }
                files += found.sorted { $0.path < $1.path }
                if !skipped.isEmpty {
                    let names = skipped.sorted().prefix(3).joined(separator: ", ") + (skipped.count > 3 ? ", …" : "")
                    writeErr("kite: skipped \(skipped.count) file(s) in \(p) that are not .jsonl, .ndjson or .txt: \(names)\n")
                }
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
            let hint = found.contains(";dict=") ? " (--dictionary with the same words)" : ""
            throw CLIError.runtime("index at \(p) was built with \(found); pass the same analysis options\(hint) or use another --index")
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
            do throws(IngestionFailure<KiteError>) {
                var inFile = 0
                try ingestion.forEachDocument(inFile: file, documentName: input.name, { (doc: Document) throws(KiteError) in
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
            } catch {
                switch error {
                case .input(let error):
                    errors.append(error)
                    progress.clear()
                    writeErr("kite: \(error)\n")
                case .body(let error):
                    throw error
                }
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
        func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }
        var line = "indexed \(count(documents, "document")) from \(count(files.count, "file")), "
            + "\(fixed(mb, 1)) MB in \(fixed(seconds, 2)) s (\(fixed(mb / max(seconds, 1e-9), 1)) MB/s)"
            + "; index has \(count(live, "document"))"
        if !errors.isEmpty { line += "; \(errors.count) input error(s) skipped" }
        if duplicates > 0 { line += "; \(duplicates) id(s) given more than once (the later document replaced the earlier)" }
        line += "; peak memory \(fixed(peakMemoryMiB(), 0)) MiB"
        return line
    }
}
