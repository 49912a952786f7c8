/// What a highlight marks.
public enum HighlightRule: Hashable, Sendable {
    /// Where the query matches: its chunks (not under a `NOT`) where they occur under a ``TextMatching`` rule, as a
    /// matching hit's highlights are found (新质生产力 marked whole, not every 新, 质 and 力 of the text).
    case matches(TextMatching)
    /// The query's analyzed terms wherever they occur, as a related hit's (and ``MatchMode/any``'s) are found.
    case terms
}

/// Where a query's chunks occur in a text, by the rule that decided the match (``TextMatching``): what a matching
/// hit marks, so that a search for 新质生产力 marks 新质生产力 where the document holds it, not every 新, 质 and 力
/// that the analyzer's terms of the query (words, rescue bigrams, single characters) would find anywhere.
struct MatchHighlighter {
    /// The chunks not under a `NOT`, with the text fields they apply to (indexes of ``Schema/textFields``).
    let chunks: [(chunk: Chunk, fields: [Int], rule: TextMatching)]

    init(_ tree: MatchTree) {
        let positive = Set(tree.positiveLeaves)
        chunks = tree.leaves.enumerated().compactMap { i, leaf in
            guard positive.contains(i), case .chunk(let chunk, let fields, let rule) = leaf else { return nil }
            return (chunk, fields, rule)
        }
    }

    /// Byte ranges of `text`, the value of text field `field`, where a chunk occurs; merged, in order.
    func ranges(in text: String, field: Int, analyzer: Analyzer) throws(KiteError) -> [Range<Int>] {
        let wanted = chunks.filter { $0.fields.contains(field) }
        guard !wanted.isEmpty else { return [] }
        let terms: [AnalyzedTerm]
        do { terms = try analyzer.terms(in: text) } catch { throw .analysis(error) }
        let units = TextUnits(terms, text: text)
        return mergedRanges(wanted.flatMap { units.occurrences(of: $0.chunk, rule: $0.rule) })
    }
}

/// A text's words as matching compares them (as ``Chunk`` cuts a query): one unit per Han character, one per other
/// word, each with where it starts and ends a word and the source bytes it came from.
struct TextUnits {
    private(set) var units: [String] = []
    private(set) var startsWord: [Bool] = []
    private(set) var endsWord: [Bool] = []
    private(set) var source: [Range<Int>] = []

    init(_ terms: [AnalyzedTerm], text: String) {
        let bytes = Array(text.utf8)
        for word in terms.filter({ $0.kind == .word }).sorted(by: { $0.position < $1.position }) {
            guard word.text.unicodeScalars.contains(where: { $0.properties.isIdeographic }) else {
                append(word.text, word.sourceRange, starts: true, ends: true)
                continue
            }
            let characters = word.text.map(String.init)
            // Character i of the word is character i of its source where the counts agree (folding traditional to
            // simplified keeps them); otherwise (PDF repair joined spaced characters) each unit marks the whole word.
            let pieces = Self.characterRanges(bytes, word.sourceRange)
            for (i, c) in characters.enumerated() {
                let range = pieces.count == characters.count ? pieces[i] : word.sourceRange
                append(c, range, starts: i == 0, ends: i == characters.count - 1)
            }
        }
    }

    private mutating func append(_ unit: String, _ range: Range<Int>, starts: Bool, ends: Bool) {
        units.append(unit)
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

    /// Source byte ranges where `chunk` occurs under `rule`: at a word start (and ending at a word end, for
    /// ``TextMatching/wholeWords``), or anywhere (``TextMatching/substring``, unit by unit).
    func occurrences(of chunk: Chunk, rule: TextMatching) -> [Range<Int>] {
        let n = chunk.count
        guard n > 0, n <= units.count else { return [] }
        var found: [Range<Int>] = []
        for start in 0...(units.count - n) {
            if rule != .substring && !startsWord[start] { continue }
            if rule == .wholeWords && !endsWord[start + n - 1] { continue }
            guard units[start..<(start + n)].elementsEqual(chunk.units) else { continue }
            found.append(source[start].lowerBound..<source[start + n - 1].upperBound)
        }
        return found
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
