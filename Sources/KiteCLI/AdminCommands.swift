import ArgumentParser
import FoundationEssentials
import Kite

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Documents, segments, terms and bytes of an index.")
    @OptionGroup var location: IndexLocation
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let reader = try DefaultIndex.openReader(location)
        let s = reader.statistics()
        let dictionary = reader.analyzer.configuration.dictionary
        if json {
            writeOut(try encodeJSON(StatsResponse(reader)))
            return
        }
        var out = "index       \(reader.path)\n"
        if reader.shards.count > 1 {
            out += "shards      \(reader.shards.count) (" + reader.shards.map(\.path).joined(separator: ", ") + ")\n"
        }
        out += "documents   \(s.documents)\ndeleted     \(s.deletedDocuments)\nsegments    \(s.segments)\n"
        out += "terms       " + s.terms.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        out += "generation  \(s.generation)\nanalyzer    \(s.analyzer)\n"
        if let dictionary { out += "dictionary  \(dictionary.wordCount) words (digest \(dictionary.digest))\n" }
        out += "bytes       \(s.totalBytes) (" + s.bytesByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")\n"
        writeOut(out)
    }
}

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete documents by id (one commit).")
    @OptionGroup var location: IndexLocation
    @Argument(help: "Document ids.") var ids: [String]

    func run() throws {
        let reader = try DefaultIndex.openReader(location)
        // Over shards, in each (a document is in one; deleting where it is not changes nothing).
        var found = 0
        for shard in reader.shards {
            let writer = try IndexWriter(at: shard.path, schema: reader.schema, analyzer: reader.analyzer.configuration)
            for id in ids where try writer.delete(id: id) { found += 1 }
            try writer.commit()
            writer.close()
        }
        writeOut("deleted \(found) of \(ids.count) ids\n")
    }
}

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", abstract: "Merge segments, dropping deleted documents.")
    @OptionGroup var location: IndexLocation
    @Option(help: "Merge until at most this many segments remain.") var maxSegments = 1

    func validate() throws {
        guard maxSegments >= 1 else { throw ValidationError("--max-segments must be at least 1") }
    }

    func run() throws {
        let reader = try DefaultIndex.openReader(location)
        let before = reader.segmentCount
        // Over shards, each shard to at most that many.
        for shard in reader.shards {
            let writer = try IndexWriter(at: shard.path, schema: reader.schema, analyzer: reader.analyzer.configuration)
            try writer.forceMerge(maxSegments: maxSegments)
            writer.close()
        }
        let after = try DefaultIndex.openReader(location)
        writeOut("segments \(before) → \(after.segmentCount), documents \(after.documentCount), deleted \(after.deletedCount)\n")
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Verify every checksum and invariant; exit status 0 only if the index is sound.")
    @OptionGroup var location: IndexLocation
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let reader = try DefaultIndex.openReader(location)
        let report = reader.check()
        if json {
            struct Check: Encodable {
                var sound: Bool
                var filesVerified, postingsDecoded: Int
                var problems: [String]
            }
            writeOut(try encodeJSON(Check(sound: report.isSound, filesVerified: report.filesVerified,
                                          postingsDecoded: report.postingsDecoded, problems: report.problems)))
        } else if report.isSound {
            writeOut("ok: \(report.filesVerified) files verified, \(report.postingsDecoded) postings decoded, \(reader.documentCount) documents\n")
        } else {
            for p in report.problems { writeErr("kite: \(p)\n") }
        }
        if !report.isSound { throw ExitCode(2) }
    }
}
