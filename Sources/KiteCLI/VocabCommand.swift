import ArgumentParser
import FoundationEssentials
import Kite

/// `kite vocab`: proposes words for a user dictionary from a corpus (``VocabularyDiscovery``).
struct VocabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vocab",
        abstract: "Propose words the analyzer splits but the corpus uses as units, ranked, ready for --dictionary.",
        discussion: """
            Prints one candidate a line: word, pieces (as the analyzer cuts it), occurrences, documents, score. \
            With --output, also writes the words as a dictionary file (word and occurrences a line).
            """)

    @Argument(help: "JSONL, text and report files, or directories of them (as kite index reads).")
    var paths: [String]
    @Option(help: "Propose words occurring at least this many times.") var minCount = 5
    @Option(help: "How many words to propose.") var top = 100
    @Option(name: .shortAndLong, help: ArgumentHelp("Also write the words as a dictionary file.", valueName: "file"))
    var output: String?
    @Flag(help: "Print the candidates as JSON.") var json = false
    @Option(help: "Input format: auto, jsonl, text or report.") var format: Ingestion.Format = .auto
    @OptionGroup var analysis: AnalysisOptions

    func validate() throws {
        if minCount < 1 { throw ValidationError("--min-count must be at least 1") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        var discovery = VocabularyDiscovery(analyzer: Analyzer(try analysis.configuration()), minimumCount: minCount)
        let ingestion = Ingestion(format: format, passageThreshold: nil)  // documents whole: the score counts documents
        var documents = 0
        for input in try Indexer.expand(paths) {
            do throws(IngestionFailure<any Error>) {
                try ingestion.forEachDocument(inFile: input.path, documentName: input.name, { doc in
                    var first = true
                    for field in ["title", "body"] {
                        guard let text = doc.fields[field] else { continue }
                        do { try discovery.add(text, newDocument: first) } catch { throw CLIError.runtime("vocab: \(doc.id): \(error)") }
                        first = false
                    }
                    documents += 1
                }, onError: { error in writeErr("kite: \(error)\n") })
            } catch {
                switch error {  // the file's own error (unreadable, not UTF-8), or the closure's
                case .input(let error): throw error
                case .body(let error): throw error
                }
            }
        }
        let found = discovery.candidates(limit: top)
        if json {
            writeOut(try encodeJSON(found) + "\n")
        } else {
            writeOut(found.map { "\($0.word)\t\($0.pieces.joined(separator: "/"))\t\($0.count)\t\($0.documents)\t\(fixed($0.score, 1))\n" }.joined())
        }
        if let output {
            let text = "# kite vocab: \(found.count) words from \(documents) documents (word, occurrences)\n"
                + found.map { "\($0.word) \($0.count)\n" }.joined()
            do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                throw CLIError.runtime("vocab: cannot write \(output): \(describe(error, of: output))")
            }
        }
        writeErr("\(found.count) word\(found.count == 1 ? "" : "s") proposed from \(documents) document\(documents == 1 ? "" : "s")\n")
    }
}
