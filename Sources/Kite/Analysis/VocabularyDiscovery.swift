/// New-word discovery: proposes words that the analyzer splits but a corpus uses as units, for a ``UserDictionary``.
///
/// Candidates are runs of two to four adjacent Han words of the segmenter (at most eight characters, never across
/// punctuation or other scripts). Each is scored by how often documents use it, how much more often its parts occur
/// together than apart (cohesion: the smallest pointwise mutual information over its cut points), how freely it
/// combines at both ends (the smaller of its left and right neighbour-character entropies), how much of it the
/// segmenter left as single characters (a word the segmenter knows is rarely worth proposing) and its length:
///
///     score = ln(1 + documents) · min(PMI, 6) · min(entropy, 3) · (single-character words / words) · characters
///
/// Candidates need at least ``minimumCount`` occurrences, PMI above 2, both entropies above 1, and no single
/// function character (的, 了, 是, 在, …) at either end. The formula and thresholds were chosen on `Corpus/`, where
/// 新质生产力 and 专精特新 rank in the top 50 (README, "Segmentation").
public struct VocabularyDiscovery {
    /// One proposed word.
    public struct Candidate: Hashable, Sendable, Codable {
        /// The word, as the corpus writes it.
        public var word: String
        /// The segmenter's pieces of it.
        public var pieces: [String]
        /// How often it occurs.
        public var count: Int
        /// How many documents it occurs in.
        public var documents: Int
        /// Cohesion (the smallest pointwise mutual information over its cut points, natural log).
        public var cohesion: Double
        /// The entropy of the characters before it (natural log; a text's start or punctuation counts as new).
        public var leftEntropy: Double
        /// The entropy of the characters after it.
        public var rightEntropy: Double
        /// The ranking score (see ``VocabularyDiscovery``).
        public var score: Double
    }

    /// Candidates occurring fewer times are not proposed.
    public var minimumCount: Int
    private let analyzer: Analyzer
    private var stats: [String: Stats] = [:]
    private var tokenTotal = 0
    private var documentNumber = 0

    private struct Stats {
        var count = 0
        var documents = 0
        var lastDocument = -1
        var left: [Unicode.Scalar: Int] = [:]
        var right: [Unicode.Scalar: Int] = [:]
        /// Neighbours that are a text's start or end, punctuation or another script: each counts as its own kind.
        var leftEdges = 0
        var rightEdges = 0
    }

    static let maximumPieces = 4, maximumCharacters = 8
    static let functionCharacters: Set<String> = Set("的了是在和与及等到第把被对为以从向将也又都就并而或个我你他这那其之中上下".map(String.init))

    /// A discovery over text cut by `analyzer` (ICU's words by default; with a dictionary, words beyond it).
    public init(analyzer: Analyzer = Analyzer(), minimumCount: Int = 5) {
        self.analyzer = analyzer
        self.minimumCount = minimumCount
    }

    /// Counts one document's text (its title and body, say, one call each with the same `newDocument` only first).
    public mutating func add(_ text: String, newDocument: Bool = true) throws(AnalysisError) {
        if newDocument { documentNumber += 1 }
        var run: [String] = []
        for segment in try analyzer.segments(of: text) + [""] {
            if !segment.isEmpty && segment.unicodeScalars.allSatisfy({ TokenStream.isHan($0.value) }) {
                run.append(segment)
            } else if !run.isEmpty {
                count(run)
                run.removeAll(keepingCapacity: true)
            }
        }
    }

    private mutating func count(_ run: [String]) {
        tokenTotal += run.count
        for i in run.indices {
            var characters = 0
            for j in i..<min(run.count, i + Self.maximumPieces) {
                characters += run[j].unicodeScalars.count
                if characters > Self.maximumCharacters { break }
                let key = run[i...j].joined(separator: "\u{1}")
                var s = stats[key, default: Stats()]
                s.count += 1
                if s.lastDocument != documentNumber { s.documents += 1; s.lastDocument = documentNumber }
                if j > i {
                    if i > 0, let c = run[i - 1].unicodeScalars.last { s.left[c, default: 0] += 1 } else { s.leftEdges += 1 }
                    if j + 1 < run.count, let c = run[j + 1].unicodeScalars.first { s.right[c, default: 0] += 1 } else { s.rightEdges += 1 }
                }
                stats[key] = s
            }
        }
    }

    /// The candidates, best first (at most `limit`).
    public func candidates(limit: Int = 100) -> [Candidate] {
        let total = Double(max(tokenTotal, 1))
        var out: [Candidate] = []
        for (key, s) in stats where s.count >= minimumCount {
            let pieces = key.split(separator: "\u{1}").map(String.init)
            guard pieces.count >= 2,
                  !(pieces.first!.count == 1 && Self.functionCharacters.contains(pieces.first!)),
                  !(pieces.last!.count == 1 && Self.functionCharacters.contains(pieces.last!)) else { continue }
            var cohesion = Double.infinity
            for cut in 1..<pieces.count {
                let a = stats[pieces[..<cut].joined(separator: "\u{1}")]?.count ?? 1
                let b = stats[pieces[cut...].joined(separator: "\u{1}")]?.count ?? 1
                cohesion = min(cohesion, log(Double(s.count) * total / (Double(a) * Double(b))))
            }
            let left = Self.entropy(s.left, edges: s.leftEdges), right = Self.entropy(s.right, edges: s.rightEdges)
            guard cohesion > 2, min(left, right) > 1 else { continue }
            let singles = Double(pieces.filter { $0.unicodeScalars.count == 1 }.count) / Double(pieces.count)
            let characters = Double(pieces.reduce(0) { $0 + $1.unicodeScalars.count })
            let score = log(1 + Double(s.documents)) * min(cohesion, 6) * min(min(left, right), 3) * singles * characters
            guard score > 0 else { continue }
            out.append(Candidate(word: pieces.joined(), pieces: pieces, count: s.count, documents: s.documents,
                                 cohesion: cohesion, leftEntropy: left, rightEntropy: right, score: score))
        }
        out.sort { ($0.score, $1.word) > ($1.score, $0.word) }
        return Array(out.prefix(max(limit, 0)))
    }

    /// The entropy of a neighbour distribution in which each edge is a kind of its own.
    private static func entropy(_ counts: [Unicode.Scalar: Int], edges: Int) -> Double {
        let n = Double(counts.values.reduce(edges, +))
        guard n > 0 else { return 0 }
        var h = Double(edges) / n * log(n)
        for c in counts.values {
            let p = Double(c) / n
            h -= p * log(p)
        }
        return h
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
