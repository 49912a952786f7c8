import ArgumentParser
import FoundationEssentials
import Kite

extension MatchMode: ExpressibleByArgument {}

/// What `kite run` writes.
enum RunFormat: String, ExpressibleByArgument, CaseIterable {
    /// `qid Q0 docid rank score kite`, for trec_eval and score.py.
    case trec
    /// One JSON object per query: `qid` beside the keys of `kite search --json`.
    case jsonl
}

/// A query's line of `kite run --format jsonl`: its qid and the search response, in one object.
private struct RunLine: Encodable {
    var qid: String
    var response: SearchResponse

    private enum Key: String, CodingKey { case qid }

    func encode(to encoder: Encoder) throws {
        try response.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(qid, forKey: .qid)
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Search every query of a TSV file (qid TAB text) and write a TREC run.")
    @OptionGroup var location: IndexLocation
    @Option(help: "Queries: one 'qid<TAB>text' per line.") var queries: String
    @Option(help: "Where to write the run (qid Q0 docid rank score kite).") var output: String
    @Option(help: "trec, or jsonl: per query one line of kite search --json's object with its qid (counts per period, scores).")
    var format: RunFormat = .trec
    @Option(help: "Hits per query.") var limit = 100
    @Flag(help: "Parse queries with the query syntax (default: each line is plain text).") var parse = false
    @Option(help: "Which documents: exact, related (default: matching ones, then related) or any.") var match: MatchMode = .related
    @Option(help: "BM25 k1; default \(Ranking.default.k1).") var k1: Double?
    @Option(help: "BM25 b; default \(Ranking.default.b).") var b: Double?
    @Option(help: "Weight of rescue bigrams in queries (0 disables); default \(Ranking.default.bigramWeight).") var bigramWeight: Double?
    @Option(help: "Weight of the proximity (phrase) bonus (0 disables); default \(Ranking.default.phraseWeight).") var phraseWeight: Double?
    @Option(help: "Title field boost; default \(Ranking.default.fieldBoosts["title"] ?? 1).") var titleBoost: Double?
    @Option(help: "Weight of single-character query words covered by rescue bigrams; default \(Ranking.default.runUnigramWeight).") var runUnigramWeight: Double?
    @Option(help: "Exponent of the query-coverage factor (0 disables); default \(Ranking.default.coordination).") var coordination: Double?
    @Option(help: "Weight of the whole-text phrase bonus for texts of 3-8 words (0 disables); default \(Ranking.default.fullPhraseWeight).") var fullPhraseWeight: Double?

    @Option(help: "Weight of sub-word query terms (letter/digit parts, bigrams inside Han words); default \(Ranking.default.subwordWeight).") var subwordWeight: Double?
    @Option(help: "Weight of Latin character trigrams of the query; default \(Ranking.default.trigramWeight).") var trigramWeight: Double?
    @Option(help: "Scale proximity bonuses by dl/(dl+L) (0: off); default \(Ranking.default.proximityLength).") var proximityLength: Double?
    @Option(help: "BM25+ lower bound delta (0: off); default \(Ranking.default.delta).") var delta: Double?

    func run() throws {
        let reader = try DefaultIndex.openReader(location)
        guard let data = FileManager.default.contents(atPath: queries), let text = String(validating: Array(data), as: UTF8.self) else {
            throw CLIError.runtime("cannot read queries file \(queries)")
        }
        var ranking = Ranking.default
        if let k1 { ranking.k1 = k1 }
        if let b { ranking.b = b }
        if let bigramWeight { ranking.bigramWeight = bigramWeight }
        if let phraseWeight { ranking.phraseWeight = phraseWeight }
        if let titleBoost { ranking.fieldBoosts["title"] = titleBoost }
        if let runUnigramWeight { ranking.runUnigramWeight = runUnigramWeight }
        if let coordination { ranking.coordination = coordination }
        if let fullPhraseWeight { ranking.fullPhraseWeight = fullPhraseWeight }
        if let subwordWeight { ranking.subwordWeight = subwordWeight }
        if let trigramWeight { ranking.trigramWeight = trigramWeight }
        if let proximityLength { ranking.proximityLength = proximityLength }
        if let delta { ranking.delta = delta }
        let options = SearchOptions(limit: limit, facetField: format == .jsonl ? "period" : nil, highlights: false,
                                    storedFields: false, ranking: ranking, match: match)
        var out = ""
        var count = 0
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2 else { throw CLIError.runtime("\(queries):\(n + 1): expected 'qid<TAB>text'") }
            let qid = String(parts[0])
            let q: Query = parse ? try QueryParser(schema: reader.schema).parse(String(parts[1])) : .text(String(parts[1]), field: nil)
            let results = try reader.search(q, options: options)
            if format == .jsonl {
                out += try encodeJSON(RunLine(qid: qid, response: SearchResponse(results, query: String(parts[1]), mode: match)))
                count += 1
                continue
            }
            // Matching documents come before related ones whatever their BM25 scores, so the score column is
            // the rank's (hits − rank): trec_eval and score.py order a run by score.
            for (rank, hit) in results.hits.enumerated() {
                out += "\(qid) Q0 \(hit.id) \(rank + 1) \(results.hits.count - rank) kite\n"
            }
            count += 1
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(out.utf8)) else {
            throw CLIError.runtime("cannot write \(output)")
        }
        writeErr("\(count) queries → \(output)\n")
    }
}
