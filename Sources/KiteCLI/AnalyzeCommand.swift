import ArgumentParser
import FoundationEssentials
import Kite

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show how Kite analyzes text (argument or standard input).")

    @Flag(help: "Print the segmented words separated by two spaces, one output line per input line (SIGHAN format).")
    var words = false

    @Flag(help: "Print the terms as JSON.")
    var json = false

    @OptionGroup var analysis: AnalysisOptions

    @Argument(help: "Text to analyze; standard input when omitted.")
    var text: String?

    func run() throws {
        let analyzer = Analyzer(try analysis.configuration())
        let input: [UInt8]
        if let text { input = Array(text.utf8) } else { input = readStandardInput() }
        do {
            if words {
                var out = ""
                out.reserveCapacity(input.count * 2)
                for line in input.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast(input.last == 0x0A ? 1 : 0) {
                    guard let s = String(validating: line, as: UTF8.self) else {
                        throw AnalysisError.invalidUTF8(byteOffset: line.startIndex)
                    }
                    out += try analyzer.segments(of: s).joined(separator: "  ")
                    out += "\n"
                }
                writeOut(out)
                return
            }
            let terms = try analyzer.terms(inUTF8: input)
            let text = String(decoding: input, as: UTF8.self)
            if json {
                // All offsets in one pass over the text (a span per term would walk it once per term).
                let spans = SearchResponse.Span.spans(terms.map(\.sourceRange), in: text)
                writeOut(try encodeJSON(zip(terms, spans).map { AnalyzedTermRecord($0, span: $1) }))
            } else {
                // term, position, UTF-8 byte start and end in the input, kind: tab-separated.
                var out = ""
                for t in terms {
                    // A join's term begins with the control byte of its term space; the kind column names it.
                    let shown = t.kind == .join ? String(t.text.dropFirst()) : t.text
                    out += "\(shown)\t\(t.position)\t\(t.sourceRange.lowerBound)\t\(t.sourceRange.upperBound)\t\(t.kind.rawValue)\n"
                }
                writeOut(out)
            }
        } catch let error as AnalysisError {
            throw CLIError.runtime("analyze: \(error)")
        }
    }
}

/// Analyzer settings shared by the commands that build or analyze.
struct AnalysisOptions: ParsableArguments {
    @Option(help: "Segmenter: icu (default) or whitespace (pre-tokenized text).")
    var segmenter: AnalyzerConfiguration.Segmenter = .icu
    @Flag(help: "Do not repair PDF-extraction artefacts (broken lines, spaced digits).")
    var noRepair = false
    @Flag(help: "Do not fold traditional characters to simplified.")
    var noFoldTraditional = false
    @Flag(help: "Do not add character bigrams over runs of single-character words.")
    var noBigrams = false
    @Option(help: "Sub-word terms: sum of 1 letter/digit parts, 2 Latin trigrams, 4 bigrams inside Han words (0: none).")
    var subwords = AnalyzerConfiguration.default.subwords.rawValue
    @Flag(help: "Do not add joins (a smaller index; exact matching then walks single characters' positions, slower).")
    var noJoins = false
    @Option(name: .customLong("dictionary"),
            help: ArgumentHelp("A user dictionary: one word per line, optionally with a frequency and a tag (jieba, IK); repeatable. An index keeps its dictionary.", valueName: "file"))
    var dictionaries: [String] = []
    @Flag(help: "Do not learn number frames from the dictionary's number words (3项, 12项 → any 1–2 digit number before 项 is one word).")
    var noNumberPatterns = false

    /// The analyzer these options describe; reading a dictionary file can fail (one line, exit status 2).
    func configuration() throws -> AnalyzerConfiguration {
        var dictionary: UserDictionary?
        if !dictionaries.isEmpty && segmenter == .whitespace {
            throw CLIError.runtime("--dictionary needs the icu segmenter (whitespace-separated text is already segmented)")
        }
        if !dictionaries.isEmpty {
            do {
                dictionary = UserDictionary(merging: try dictionaries.map { try UserDictionary(contentsOfFile: $0) })
            } catch let error as UserDictionary.ParseError {
                throw CLIError.runtime("\(error)")
            }
        }
        return AnalyzerConfiguration(
            segmenter: segmenter, repairsExtractionArtifacts: !noRepair, foldsTraditional: !noFoldTraditional,
            emitsBigrams: !noBigrams, subwords: AnalyzerConfiguration.Subwords(rawValue: subwords), emitsJoins: !noJoins,
            dictionary: dictionary, learnsNumberPatterns: !noNumberPatterns)
    }
}

extension AnalyzerConfiguration.Segmenter: ExpressibleByArgument {}

/// One analyzed term as `kite analyze --json` prints it: offsets in Unicode scalars and in UTF-8 bytes.
struct AnalyzedTermRecord: Encodable {
    var term: String
    var kind: String
    var position: Int
    var start: Int
    var end: Int
    var utf8Start: Int
    var utf8End: Int

    init(_ t: AnalyzedTerm, span: SearchResponse.Span) {
        term = t.text
        kind = t.kind.rawValue
        position = t.position
        (start, end, utf8Start, utf8End) = (span.start, span.end, span.utf8Start, span.utf8End)
    }
}
