#if canImport(Glibc)
import Glibc  // log
#elseif canImport(Musl)
import Musl
#endif

/// BM25 and the ranking features on top of it.
public struct Ranking: Hashable, Sendable {
    /// BM25 term-frequency saturation (default 1.2).
    public var k1: Double
    /// BM25 length normalization (default 0.75), for fields without an entry in ``fieldB``.
    public var b: Double
    /// Per-field length normalization, overriding ``b`` (short titles and long passages differ).
    public var fieldB: [String: Double]
    /// Per-field score multipliers (default 1 for every field).
    public var fieldBoosts: [String: Double]
    /// Weight of the rescue bigrams of a query word relative to its words (0 turns them off).
    public var bigramWeight: Double
    /// Weight of the proximity bonus: each pair of adjacent query words found together, scored as a phrase with
    /// the sum of the two words' idf (0 turns it off).
    public var phraseWeight: Double

    /// Weight of a query's single-character words where the rescue bigrams cover them (潍 and 坊 of 潍坊),
    /// relative to other words: the bigrams carry the unknown word, the characters alone are mostly noise.
    public var runUnigramWeight: Double
    /// Weight of a further proximity bonus for a query text of 3–8 words found whole, as written (0: off).
    public var fullPhraseWeight: Double
    /// Exponent of the query coverage factor: a text clause's score is multiplied by (idf-weighted fraction of
    /// its terms the document contains)^coordination, favouring documents that match more of the query (0: off).
    public var coordination: Double
    /// Weight of a query's sub-word terms (parts of letter–digit words, bigrams inside Han words), when the index
    /// has them (``AnalyzerConfiguration/subwords``).
    public var subwordWeight: Double
    /// Weight of a query's Latin character trigrams, when the index has them (servererror finds
    /// internalservererror, websocket finds websocketorg: titles and URLs run Latin words together).
    public var trigramWeight: Double
    /// Proximity bonuses are scaled by dl / (dl + proximityLength): in a text of a few words, words found together
    /// are near each other anyway, so the bonus counts mostly in long texts (0: no scaling).
    public var proximityLength: Double
    /// BM25+ lower bound δ added to the saturation of every matched term (0: plain BM25; measured, not in the
    /// default).
    public var delta: Double = 0

    /// Kite's default ranking, tuned on the three yardsticks (README.md, "Relevance"): quick term-frequency
    /// saturation (k1 0.5) with strong length normalization (b 0.9), rescue bigrams at half weight and the
    /// single characters they cover at half weight, a light proximity bonus for adjacent query words, and a bonus
    /// for a short query text found whole, scaled down in texts of a few words; sub-word terms (letter/digit parts,
    /// Latin trigrams) at half weight.
    public static let `default` = Ranking(
        k1: 0.5, b: 0.9, bigramWeight: 0.5, phraseWeight: 0.25, runUnigramWeight: 0.5, fullPhraseWeight: 0.5,
        subwordWeight: 0.5, trigramWeight: 0.5, proximityLength: 20)

    /// Creates ranking settings. Every parameter defaults to plain BM25 (k1 1.2, b 0.75, no bigram terms, no
    /// proximity, no sub-word terms); ``default`` is Kite's tuned ranking (see README.md for the measurements behind it).
    public init(
        k1: Double = 1.2, b: Double = 0.75, fieldB: [String: Double] = [:], fieldBoosts: [String: Double] = [:],
        bigramWeight: Double = 0, phraseWeight: Double = 0, runUnigramWeight: Double = 1,
        coordination: Double = 0, fullPhraseWeight: Double = 0, subwordWeight: Double = 0, trigramWeight: Double = 0,
        proximityLength: Double = 0, delta: Double = 0
    ) {
        self.delta = delta
        self.subwordWeight = subwordWeight
        self.trigramWeight = trigramWeight
        self.proximityLength = proximityLength
        self.fullPhraseWeight = fullPhraseWeight
        self.runUnigramWeight = runUnigramWeight
        self.coordination = coordination
        self.k1 = k1
        self.b = b
        self.fieldB = fieldB
        self.fieldBoosts = fieldBoosts
        self.bigramWeight = bigramWeight
        self.phraseWeight = phraseWeight
    }

    /// Whether scores are sums of non-negative parts, each bounded by its block maxima (k1 > 0, every b in
    /// [0, 1], no negative weight or boost, no BM25+ δ) — what skipping documents that cannot reach the top k
    /// relies on.
    var admitsPruning: Bool {
        k1 > 0 && (0...1).contains(b) && fieldB.values.allSatisfy { (0...1).contains($0) }
            && fieldBoosts.values.allSatisfy { $0 >= 0 } && bigramWeight >= 0 && phraseWeight >= 0
            && runUnigramWeight >= 0 && fullPhraseWeight >= 0 && coordination >= 0 && subwordWeight >= 0
            && trigramWeight >= 0 && proximityLength >= 0 && delta == 0
    }

    /// Plain BM25 over words only: no bigram or sub-word terms, no proximity bonus (the baseline of the relevance tables).
    public static let plainBM25 = Ranking()
}

/// BM25 parameters of one field, with index-wide statistics.
///
/// It keeps k1 · (1 − b) and k1 · b / avgdl, so that the length normalization is one multiply-add per document, with
/// no division by the average length in the loops that score every posting; and nothing else, so that the terms
/// those loops copy stay small.
struct BM25Field {
    private let normBase: Double, normPerLength: Double
    /// BM25+ δ added to the saturation of a matching document (0: plain BM25).
    let delta: Double

    init(k1: Double, b: Double, averageLength: Double, delta: Double = 0) {
        normBase = k1 * (1 - b)
        normPerLength = k1 * b / max(averageLength, 1e-9)
        self.delta = delta
    }

    /// Lucene's idf: ln(1 + (N − df + 0.5) / (df + 0.5)).
    static func idf(documentCount n: Int, documentFrequency df: Int) -> Double {
        log(1 + (Double(n) - Double(df) + 0.5) / (Double(df) + 0.5))
    }

    /// tf / (tf + k1 · (1 − b + b · dl / avgdl)), the BM25 term-frequency saturation (Lucene ≥ 8 form).
    @inline(__always)
    func saturation(freq: Double, length: UInt32) -> Double {
        let norm = normBase + normPerLength * Double(length)
        return freq / (freq + norm) + delta
    }
}

/// The collection-wide numbers BM25 takes besides a term's document frequency: what a reader sums over its segments
/// (over a shard set, over every shard's), and what a query across machines would gather first (docs/scale.md).
struct CollectionStatistics: Hashable, Sendable {
    /// Documents in all segments, deleted ones included (BM25's N, as in Lucene until a merge drops them).
    var documentCount: Int
    /// Per text field, the sum of lengths over all documents.
    var fieldLengthSums: [UInt64]

    /// The statistics of `segments`, for `textFieldCount` text fields.
    init(_ segments: [SegmentReader], textFieldCount: Int) {
        documentCount = segments.reduce(0) { $0 + $1.docCount }
        fieldLengthSums = (0..<textFieldCount).map { f in segments.reduce(0) { $0 + $1.fields[f].sumLength } }
    }

    /// The average length of text field `field` (0 for an empty collection).
    func averageLength(_ field: Int) -> Double { Double(fieldLengthSums[field]) / Double(max(documentCount, 1)) }
}
