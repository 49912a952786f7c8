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

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an index (default: the bundled government reports).",
        discussion: """
            A document matches when its text holds every whitespace-separated chunk of the query, starting where a \
            word starts (专项债 matches 专项债券; 高教 does not match 提高教育); counts and charts count matching \
            documents, a long report once. When fewer match than --limit, related documents (sharing words with the \
            query) follow, marked and not counted.
            Query syntax: chunks (all must match), "quoted phrases" (whole words), OR between alternatives, AND, \
            NOT, +must, -mustnot, (groups), title:word, period:2023 (takes in 2023H1, 2023Q3, 2023-09), \
            period:[2019 TO 2023].
            """)

    @Argument(help: ArgumentHelp(
        "The query; several words are one query (kite search 发展 -疫情 = kite search '发展 -疫情'); - reads it from standard input.",
        valueName: "query"))
    var words: [String] = []
    @OptionGroup var location: IndexLocation
    @Option(parsing: .unconditional, help: "Number of hits to show (0: counts only).") var limit = 10
    @Option(parsing: .unconditional, help: "Hits to skip before the first one shown (paging).") var offset = 0
    @Option(help: "Only documents of this period (e.g. 2023Q3, 2019, 2026-02).") var period: String?
    @Option(help: "Only periods from this one on (inclusive).") var from: String?
    @Option(help: "Only periods up to this one (inclusive; 2023 includes 2023Q3).") var to: String?
    @Flag(help: "Print one JSON object: hits with offsets, counts per period (README.md, JSON output).") var json = false
    @Flag(help: "Print JSON lines: one hit per line (for pipelines).") var jsonLines = false
    @Option(help: "Colour: auto (when standard output is a terminal and NO_COLOR is unset), always or never.")
    var color: ColorChoice = .auto
    @Flag(help: "Print counts of matching documents per period as a bar chart.") var byPeriod = false
    @Option(help: "exact: only documents that match; related: those, then related ones when fewer match; any: any document with a query word, passages one by one.")
    var match: MatchMode = .related
    @Flag(help: "A chunk must also end where a word ends (whole words).") var wholeWords = false
    @Flag(help: "A chunk may start anywhere, as grep finds it (义教 in 主义教育).") var substring = false
    @Flag(help: "List every matching passage of a long document (default: its best, with a count).") var passages = false
    @Option(help: "Order: score (default), newest or oldest (by period; documents without one last).")
    var sort: HitOrder = .score

    /// The options that take a value (`Main.arguments` keeps each value with its option when it moves the query's
    /// words); `CLITests` checks the list against `kite search --help`.
    static let valueOptions: Set<String> = ["--index", "--limit", "--offset", "--period", "--from", "--to", "--color",
                                            "--match", "--sort"]

    /// Whether `argument` is an option whose value is the next argument.
    static func takesValue(_ argument: String) -> Bool { valueOptions.contains(argument) }

    func validate() throws {
        guard !words.isEmpty else { throw ValidationError("give a query (or - to read it from standard input)") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more (0 shows counts only)") }
        guard offset >= 0 && offset <= 1 << 30 else { throw ValidationError("--offset must be between 0 and 2^30") }
        if json && jsonLines { throw ValidationError("--json excludes --json-lines") }
        if period != nil && (from != nil || to != nil) { throw ValidationError("--period excludes --from/--to") }
        if wholeWords && substring { throw ValidationError("--whole-words excludes --substring") }
        if sort != .score && match == .any { throw ValidationError("--sort \(sort.rawValue) needs --match exact or related") }
    }

    func run() throws {
        let text = try queryText()
        let reader = try DefaultIndex.openReader(location)
        var q = try QueryParser(schema: reader.schema).parse(text)
        if let period {
            q = .boolean([Query.Clause(.must, q), Query.Clause(.filter, .keyword(field: "period", value: period))])
        } else if from != nil || to != nil {
            q = .boolean([Query.Clause(.must, q), Query.Clause(.filter, .range(field: "period", lower: from, upper: to))])
        }
        warnAboutPeriods(reader)
        let rule: TextMatching = wholeWords ? .wholeWords : substring ? .substring : .wordStart
        if let warning = reader.analyzerWarning { writeErr("kite: warning: \(warning)\n") }
        let results = try reader.search(
            q, options: {
                var o = SearchOptions(limit: limit, offset: offset, match: match, textMatching: rule)
                o.sort = sort
                return o
            }())
        if json || jsonLines {
            let response = SearchResponse(results, query: text, mode: match, firstRank: offset + 1)
            writeOut(jsonLines ? try response.hits.map(encodeJSON).joined() : try encodeJSON(response))
            return
        }
        let color = color.enabled(for: STDOUT_FILENO)
        var out = ""
        if byPeriod {
            out += periodChart(results, color: color)
        }
        if !byPeriod || limit > 0 {
            for (i, hit) in results.hits.enumerated() {
                let period = hit.fields["period"] ?? "-"
                let who = hit.fields["department"] ?? hit.fields["province"] ?? ""
                let title = hit.fields["title"] ?? ""
                let head = [who, title].filter { !$0.isEmpty }.joined(separator: " — ")
                let score = fixed(hit.score, 3)
                if hit.isRelated && (i == 0 || !results.hits[i - 1].isRelated) {
                    let note = "related documents (they do not contain the query; not counted):"
                    out += color ? "\u{1B}[2m\(note)\u{1B}[0m\n" : note + "\n"
                }
                if color {
                    let rank = "\u{1B}[1m\(offset + i + 1).\u{1B}[0m"
                    let meta = "\u{1B}[2m\(score)\u{1B}[0m  \u{1B}[36m\(hit.id)\u{1B}[0m  \u{1B}[33m\(period)\u{1B}[0m"
                    out += rank + " " + meta + "  " + head + "\n"
                } else {
                    out += "\(offset + i + 1). \(score)  \(hit.id)  \(period)  \(head)\n"
                }
                if let body = hit.fields["body"] {
                    let snippet = Snippet(text: body, highlights: hit.highlights["body"] ?? [], maxCharacters: 90)
                    out += "   " + render(snippet, color: color) + "\n"
                }
                if hit.matchingPassages > 1 {
                    out += passages ? "   passages: " + hit.passages.joined(separator: " ") + "\n"
                        : "   (\(hit.matchingPassages - 1) more matching passage(s) of \(hit.documentID); --passages lists them)\n"
                }
            }
            out += summary(results) + "\n"
        }
        writeOut(out)
    }

    /// "3 documents match, top 2 shown" / "1 document matches; 4 related shown" / with --match any, hits.
    private func summary(_ r: SearchResults) -> String {
        if match == .any {
            let shown = r.hits.count
            return (r.totalHits == 1 ? "1 hit" : "\(r.totalHits) hits") + (shown < r.totalHits ? ", top \(shown) shown" : "")
        }
        let exact = r.hits.filter { !$0.isRelated }.count, related = r.hits.count - exact
        var line = r.totalHits == 1 ? "1 document matches" : "\(r.totalHits) documents match"
        if exact < r.totalHits { line += ", top \(exact) shown" }
        if related > 0 { line += "; \(related) related shown" }
        return line
    }

    /// One line on standard error when the period options cannot select anything.
    private func warnAboutPeriods(_ reader: IndexReader) {
        if let from, let to, let a = ReportPeriod(from), let b = ReportPeriod(to),
           a.year > b.year || (a.year == b.year && a.months.lowerBound > b.months.upperBound) {
            writeErr("kite: warning: --from \(from) is after --to \(to): no period is in that range\n")
        }
        if let period {
            let values = reader.values(ofKeyword: "period")
            let outer = ReportPeriod(period)
            if !values.contains(where: { $0 == period || (outer != nil && ReportPeriod($0).map(outer!.contains) == true) }) {
                writeErr("kite: warning: no document of this index has period \(period)\n")
            }
        }
    }

    private func render(_ s: Snippet, color: Bool) -> String {
        var bytes = Array(s.text.utf8)
        for r in s.highlights.reversed() {
            let (open, close) = color ? ("\u{1B}[1;31m", "\u{1B}[0m") : ("[", "]")
            bytes.insert(contentsOf: Array(close.utf8), at: r.upperBound)
            bytes.insert(contentsOf: Array(open.utf8), at: r.lowerBound)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func periodChart(_ r: SearchResults, color: Bool) -> String {
        // Matches without a period are a bar of their own, last (a document has at most one period).
        let undated = r.totalHits - r.facets.reduce(0) { $0 + $1.count }
        let bars = r.facets + (undated > 0 ? [(value: "(no period)", count: undated)] : [])
        guard let maxCount = bars.map(\.count).max(), maxCount > 0 else { return "no matches\n" }
        let width = 40
        let labelWidth = bars.map { $0.value.count }.max() ?? 4
        var out = ""
        for f in bars {
            let n = max(1, Int((Double(f.count) / Double(maxCount) * Double(width)).rounded()))
            let bar = String(repeating: "█", count: n)
            let label = padded(f.value, to: labelWidth)
            out += color ? "\(label)  \u{1B}[32m\(bar)\u{1B}[0m \(f.count)\n" : "\(label)  \(bar) \(f.count)\n"
        }
        let unit = match == .any ? (r.totalHits == 1 ? "hit" : "hits") : (r.totalHits == 1 ? "document" : "documents")
        out += "\(r.totalHits) \(unit) in \(r.facets.count) period\(r.facets.count == 1 ? "" : "s")"
            + (undated > 0 ? " (\(undated) without a period)" : "") + "\n"
        return out
    }

    /// The query argument, or standard input's text for `-`.
    private func queryText() throws -> String {
        guard words == ["-"] else { return words.joined(separator: " ") }
        guard let text = String(validating: readStandardInput(), as: UTF8.self) else {
            throw CLIError.runtime("the query on standard input is not UTF-8")
        }
        guard let first = text.firstIndex(where: { !$0.isWhitespace }), let last = text.lastIndex(where: { !$0.isWhitespace }) else {
            throw CLIError.runtime("no query on standard input")
        }
        return String(text[first...last])
    }
}

extension HitOrder: ExpressibleByArgument {}
