import ArgumentParser
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Kite

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the last commit of an index, consistent even while a writer runs.",
        discussion: """
            DEST must not exist or be empty; the manifest is written last, so an interrupted backup is no index. On \
            the same file system, files are hard links (Kite never changes a file once written); --copy copies them.
            """)
    @OptionGroup var location: IndexLocation
    @Argument(help: "Where to put the copy.") var destination: String
    @Flag(help: "Copy every file, even where a hard link is possible (a backup that survives the loss of the disk).")
    var copy = false

    func validate() throws { try location.requireOne("kite backup") }

    func run() throws {
        let reader = try DefaultIndex.openReader(location)
        let summary = try IndexBackup.copy(from: reader.path, to: destination, method: copy ? .copy : .linkWhenPossible)
        writeOut("backed up generation \(summary.generation) of \(reader.path) to \(destination): \(summary.files) files "
            + "(\(summary.linkedFiles) linked), \(fixed(Double(summary.bytes) / 1_000_000, 1)) MB\n")
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the stored documents of an index as JSONL, which kite index reads back.",
        discussion: "One object per live document: its id and stored fields (passages of a long document as the passages).")
    @OptionGroup var location: IndexLocation
    @Option(name: .shortAndLong, help: "Output file (default: standard output).") var output: String?

    func run() throws {
        let reader = try DefaultIndex.openReader(location)
        if let warning = reader.analyzerWarning { writeErr("kite: warning: \(warning)\n") }
        let descriptor: Int32
        if let output {
            descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw CLIError.runtime("cannot create \(output): \(systemMessage(errno))") }
        } else {
            descriptor = STDOUT_FILENO
        }
        defer { if output != nil { close(descriptor) } }
        var buffer = ""
        var count = 0
        try reader.forEachDocument { (document: Document) throws(KiteError) in
            do { buffer += try Export.line(document) } catch {
                throw .invalidDocument(id: document.id, reason: "cannot be written as JSON: \(error)")
            }
            count += 1
            if buffer.utf8.count > 1 << 20 {
                if let code = writeAll(descriptor, buffer) {
                    throw .io(path: output ?? "standard output", operation: "write", errno: code)
                }
                buffer = ""
            }
        }
        if let code = writeAll(descriptor, buffer) {
            throw CLIError.runtime("cannot write \(output ?? "standard output"): \(systemMessage(code))")
        }
        if output != nil { writeErr("exported \(count) document\(count == 1 ? "" : "s") to \(output!)\n") }
    }
}

struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild an index from its own stored fields with this Kite's analyzer (after an ICU upgrade).",
        discussion: """
            The new index keeps the old one's analysis settings (segmenter, repair, folding, bigrams, sub-words, \
            joins) under this Kite's ICU; ids, periods and keyword fields are kept; memory stays within the RAM \
            budget. OUTPUT must not exist or be empty. To change analysis settings, export and index again.
            """)
    @OptionGroup var location: IndexLocation
    @Option(help: "The new index directory.") var output: String
    @Option(help: "RAM budget of the writer in MB (buffers and what a flush allocates) before it flushes a segment.")
    var ramBudget = IndexWriter.Options.defaultRAMBudget >> 20

    func validate() throws {
        if ramBudget < 1 { throw ValidationError("--ram-budget must be at least 1 MB") }
    }

    func run() throws {
        let reader = try DefaultIndex.openReader(location)
        if let names = try? FileManager.default.contentsOfDirectory(atPath: output), !names.isEmpty {
            throw CLIError.runtime("\(output) is not empty; reindex writes a new index")
        }
        let configuration = reader.analyzer.configuration  // parsed from the fingerprint: the running ICU's
        let writer = try IndexWriter(at: output, schema: reader.schema, analyzer: configuration,
                                     options: .init(ramBudget: ramBudget << 20))
        var count = 0
        do {
            try reader.forEachDocument { (document: Document) throws(KiteError) in
                try writer.add(document)
                count += 1
            }
            try writer.commit()
        } catch {
            writer.rollback()
            writer.close()
            throw error
        }
        writer.close()
        writeErr("reindexed \(count) document\(count == 1 ? "" : "s") from \(reader.path) into \(output) "
            + "(\(configuration.fingerprint))\n")
    }
}

enum Export {
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// One JSONL line: `id` first, then the stored fields, keys sorted, UTF-8 as is.
    static func line(_ document: Document) throws -> String {
        var fields = document.fields
        fields["id"] = nil
        let id = String(decoding: try encoder.encode(document.id), as: UTF8.self)
        let body = String(decoding: try encoder.encode(fields), as: UTF8.self)
        return "{\"id\":\(id)" + (fields.isEmpty ? "}" : "," + body.dropFirst()) + "\n"
    }
}
