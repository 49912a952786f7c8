/// What a highlight marks.
public enum HighlightRule: Hashable, Sendable {
    /// Where the query matches: its chunks (not under a `NOT`) where they occur under a ``TextMatching`` rule, as a
    /// matching hit's highlights are found (新质生产力 marked whole, not every 新, 质 and 力 of the text).
    case matches(TextMatching)
    /// The query's analyzed terms wherever they occur, as a related hit's (and ``MatchMode/any``'s) are found.
    case terms
}

/// Marks a query in stored fields: made once per query (its terms, and its chunks as matching reads them), used
/// for every document of a page or every passage of a document (``IndexReader/highlighter(for:marking:)``).
public struct Highlighter {
    private let reader: IndexReader
    /// The query's positive analyzed terms per field name ("" for every field).
    private let terms: [String: Set<String>]
    /// The query's chunks, when matches are marked.
    private let matches: MatchHighlighter?

    init(reader: IndexReader, terms: [String: Set<String>], matches: MatchHighlighter?) {
        (self.reader, self.terms, self.matches) = (reader, terms, matches)
    }

    /// Byte ranges per text field of `fields` (stored fields, as ``IndexReader/document(id:)`` returns them): where
    /// the query matches, or where its terms occur (as the ``HighlightRule`` it was made with says).
    public func highlights(in fields: [String: String]) throws(KiteError) -> [String: [Range<Int>]] {
        if let matches { return try marks(of: matches, in: fields) }
        return try termMarks(in: fields)
    }

    /// A hit's highlights: a matching hit's matches (its terms, in the rare case no chunk is found where matching
    /// found it, e.g. part of a Latin word with ``TextMatching/substring``); a related hit's terms.
    func hitHighlights(in fields: [String: String], related: Bool) throws(KiteError) -> [String: [Range<Int>]] {
        if let matches, !related {
            let marked = try marks(of: matches, in: fields)
            if !marked.isEmpty { return marked }
        }
        return try termMarks(in: fields)
    }

    private func marks(of matches: MatchHighlighter, in fields: [String: String]) throws(KiteError) -> [String: [Range<Int>]] {
        var highlights: [String: [Range<Int>]] = [:]
        for (i, name) in reader.schema.textFields.enumerated() {
            guard let value = fields[name] else { continue }
            let ranges = try matches.ranges(in: value, field: i, analyzer: reader.analyzer)
            if !ranges.isEmpty { highlights[name] = ranges }
        }
        return highlights
    }

    private func termMarks(in fields: [String: String]) throws(KiteError) -> [String: [Range<Int>]] {
        var highlights: [String: [Range<Int>]] = [:]
        for name in reader.schema.textFields {
            guard let value = fields[name] else { continue }
            let wanted = (terms[name] ?? []).union(terms[""] ?? [])
            if wanted.isEmpty { continue }
            let analyzed: [AnalyzedTerm]
            do { analyzed = try reader.analyzer.terms(in: value) } catch { throw .analysis(error) }
            let ranges = mergedRanges(analyzed.filter { wanted.contains($0.text) }.map(\.sourceRange))
            if !ranges.isEmpty { highlights[name] = ranges }
        }
        return highlights
    }
}

extension IndexReader {
    /// A highlighter of `query` by `rule`, for many documents (a document view: each passage of a long one).
    public func highlighter(for query: Query, marking rule: HighlightRule = .matches(.wordStart)) throws(KiteError) -> Highlighter {
        let planner = Planner(reader: self, ranking: Ranking())
        guard case .matches(let textMatching) = rule else {
            return Highlighter(reader: self, terms: planner.highlightTerms(query), matches: nil)
        }
        let tree = try MatchTree(query, planner: planner, reader: self, rule: textMatching)
        return Highlighter(reader: self, terms: [:], matches: MatchHighlighter(tree))
    }

    /// Byte ranges that `rule` marks in each text field of `fields` (one document; see ``highlighter(for:marking:)``
    /// for many).
    public func highlights(
        of query: Query, in fields: [String: String], marking rule: HighlightRule = .matches(.wordStart)
    ) throws(KiteError) -> [String: [Range<Int>]] {
        try highlighter(for: query, marking: rule).highlights(in: fields)
    }
}

/// Where a query's chunks occur in a text, by the rule that decided the match (``TextMatching``): what a matching
/// hit marks, so that a search for 新质生产力 marks 新质生产力 where the document holds it, not every 新, 质 and 力
/// that the analyzer's terms of the query (words, rescue bigrams, single characters) would find anywhere.
struct MatchHighlighter {
    /// The chunks not under a `NOT`, with their units' Han scalars (``TextUnits/hanScalar(_:)``, computed once per
    /// query) and the text fields they apply to (indexes of ``Schema/textFields``).
    let chunks: [(chunk: Chunk, scalars: [UInt32], fields: [Int], rule: TextMatching)]

    init(_ tree: MatchTree) {
        let positive = Set(tree.positiveLeaves)
        chunks = tree.leaves.enumerated().compactMap { i, leaf in
            guard positive.contains(i), case .chunk(let chunk, let fields, let rule) = leaf else { return nil }
            return (chunk, chunk.units.map(TextUnits.hanScalar), fields, rule)
        }
    }

    /// Byte ranges of `text`, the value of text field `field`, where a chunk occurs; merged, in order.
    func ranges(in text: String, field: Int, analyzer: Analyzer) throws(KiteError) -> [Range<Int>] {
        let wanted = chunks.filter { $0.fields.contains(field) }
        guard !wanted.isEmpty else { return [] }
        let terms: [AnalyzedTerm]
        do { terms = try analyzer.terms(in: text) } catch { throw .analysis(error) }
        let units = TextUnits(terms, text: text)
        return mergedRanges(wanted.flatMap { units.occurrences(of: $0.chunk, scalars: $0.scalars, rule: $0.rule) })
    }
}

/// A text's words as matching compares them (as ``Chunk`` cuts a query): one unit per Han character, one per other
/// word, each with where it starts and ends a word and the source bytes it came from.
struct TextUnits {
    /// The unit's scalar when it is one Han scalar (the common case, compared without a string), else 0.
    private(set) var scalars: [UInt32] = []
    /// The unit's text when it is not one Han scalar, else "".
    private(set) var texts: [String] = []
    private(set) var startsWord: [Bool] = []
    private(set) var endsWord: [Bool] = []
    private(set) var source: [Range<Int>] = []

    init(_ terms: [AnalyzedTerm], text: String) {
        let bytes = Array(text.utf8)
        reserve(bytes.count / 3 + 1)
        var last = Int.min
        var inOrder = true
        for term in terms where term.kind == .word {
            if term.position < last { inOrder = false; break }
            last = term.position
        }
        if inOrder {
            for term in terms where term.kind == .word { add(term, bytes) }
        } else {
            for term in terms.filter({ $0.kind == .word }).sorted(by: { $0.position < $1.position }) { add(term, bytes) }
        }
    }

    private mutating func reserve(_ n: Int) {
        scalars.reserveCapacity(n)
        texts.reserveCapacity(n)
        source.reserveCapacity(n)
        startsWord.reserveCapacity(n)
        endsWord.reserveCapacity(n)
    }

    /// Appends the units of `word`, whose source is in `bytes`.
    private mutating func add(_ word: AnalyzedTerm, _ bytes: [UInt8]) {
        let range = word.sourceRange
        let scalarsOfWord = word.text.unicodeScalars
        // The common case, a word of Han characters only: one unit per scalar (a grapheme each), and scalar i of the
        // word is scalar i of its source where the counts agree (folding traditional to simplified, and NFKC, map
        // one to one); otherwise (PDF repair joined spaced characters) each unit marks the whole word.
        if scalarsOfWord.allSatisfy({ TokenStream.isHan($0.value) }) && !scalarsOfWord.isEmpty {
            let count = scalarsOfWord.count
            let exact = range.lowerBound >= 0 && range.upperBound <= bytes.count
                && bytes[range].reduce(0) { $0 + ($1 & 0xC0 != 0x80 ? 1 : 0) } == count
            var from = range.lowerBound
            for (i, scalar) in scalarsOfWord.enumerated() {
                var piece = range
                if exact {
                    var to = from + 1
                    while to < range.upperBound && bytes[to] & 0xC0 == 0x80 { to += 1 }
                    piece = from..<to
                    from = to
                }
                append(scalar: scalar.value, "", piece, starts: i == 0, ends: i == count - 1)
            }
            return
        }
        guard scalarsOfWord.contains(where: { $0.properties.isIdeographic }) else {
            append(scalar: 0, word.text, range, starts: true, ends: true)
            return
        }
        // Han mixed with other characters: its Han characters and the runs between them, as ``Chunk`` cuts a query.
        let units = Chunk.units(of: word.text)
        let pieces = Self.characterRanges(bytes, range)
        let exact = pieces.count == word.text.count
        for (i, u) in units.enumerated() {
            let piece = exact ? pieces[u.characters.lowerBound].lowerBound..<pieces[u.characters.upperBound - 1].upperBound : range
            append(scalar: Self.hanScalar(u.text), u.text, piece, starts: i == 0, ends: i == units.count - 1)
        }
    }

    /// `unit`'s scalar when it is one Han scalar, else 0.
    static func hanScalar(_ unit: String) -> UInt32 {
        let scalars = unit.unicodeScalars
        guard let first = scalars.first, scalars.count == 1, TokenStream.isHan(first.value) else { return 0 }
        return first.value
    }

    /// Unit `i`'s text.
    private func text(_ i: Int) -> String { scalars[i] != 0 ? String(Character(Unicode.Scalar(scalars[i])!)) : texts[i] }

    /// Whether unit `i` is unit `j` of `chunk` (whose Han scalars are `wanted`).
    private func unit(_ i: Int, is j: Int, of chunk: Chunk, _ wanted: [UInt32]) -> Bool {
        wanted[j] != 0 || scalars[i] != 0 ? wanted[j] == scalars[i] : texts[i] == chunk.units[j]
    }

    private mutating func append(scalar: UInt32, _ unit: String, _ range: Range<Int>, starts: Bool, ends: Bool) {
        scalars.append(scalar)
        texts.append(unit)
        source.append(range)
        startsWord.append(starts)
        endsWord.append(ends)
    }

    /// The byte ranges of the characters of `bytes[range]`.
    private static func characterRanges(_ bytes: [UInt8], _ range: Range<Int>) -> [Range<Int>] {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { return [] }
        var out: [Range<Int>] = []
        var offset = range.lowerBound
        for character in String(decoding: bytes[range], as: UTF8.self) {
            let count = character.utf8.count
            out.append(offset..<(offset + count))
            offset += count
        }
        return out
    }

    /// Source byte ranges where `chunk` (its units' Han scalars `wanted`) occurs under `rule`: at a word start (and
    /// ending at a word end, for ``TextMatching/wholeWords``), or anywhere (``TextMatching/substring``, unit by unit).
    func occurrences(of chunk: Chunk, scalars wanted: [UInt32], rule: TextMatching) -> [Range<Int>] {
        let n = chunk.count
        guard n > 0, n <= scalars.count else { return [] }
        var found: [Range<Int>] = []
        for start in 0...(scalars.count - n) {
            if rule == .substring {
                if let range = anywhere(chunk, wanted, at: start) { found.append(range) }
                continue
            }
            if !startsWord[start] || (rule == .wholeWords && !endsWord[start + n - 1]) { continue }
            guard (0..<n).allSatisfy({ unit(start + $0, is: $0, of: chunk, wanted) }) else { continue }
            found.append(source[start].lowerBound..<source[start + n - 1].upperBound)
        }
        return found
    }

    /// Where `chunk` occurs from unit `start` on as ``TextMatching/substring`` finds it: Han characters one by one,
    /// and a first (last) Latin word that may end (begin) a longer word — `AI` in `TAIWAN` — marked within it.
    private func anywhere(_ chunk: Chunk, _ scalarsWanted: [UInt32], at start: Int) -> Range<Int>? {
        let n = chunk.count
        var lower = source[start].lowerBound, upper = source[start + n - 1].upperBound
        for i in 0..<n {
            let k = start + i
            if unit(k, is: i, of: chunk, scalarsWanted) { continue }
            let (unit, wanted) = (text(k), chunk.units[i])
            guard !chunk.han[i], i == 0 || i == n - 1, let found = unit.firstRange(of: wanted) else { return nil }
            let isSuffix = found.upperBound == unit.endIndex, isPrefix = found.lowerBound == unit.startIndex
            guard (i == 0 || isPrefix) && (i == n - 1 || isSuffix) else { return nil }
            // The unit is the folded word; its offsets hold in the source when both have the same length (ASCII).
            guard unit.utf8.count == source[k].count else { continue }
            let offset = unit.utf8.distance(from: unit.startIndex, to: found.lowerBound)
            if i == 0 { lower = source[k].lowerBound + offset }
            if i == n - 1 { upper = source[k].lowerBound + offset + wanted.utf8.count }
        }
        return lower..<upper
    }
}

/// `ranges` sorted, with overlapping and touching ones merged.
func mergedRanges(_ ranges: [Range<Int>]) -> [Range<Int>] {
    var merged: [Range<Int>] = []
    for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
        if let last = merged.last, r.lowerBound <= last.upperBound {
            merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
        } else {
            merged.append(r)
        }
    }
    return merged
}
