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

/// What to return from a search.
public struct SearchOptions: Hashable, Sendable {
    /// Number of hits to return (top-k).
    public var limit: Int
    /// Hits to skip before the first returned (for paging).
    public var offset: Int
    /// Keyword field whose values are counted over all matching documents (nil: no counts).
    public var facetField: String?
    /// Whether to compute highlight ranges for the returned hits.
    public var highlights: Bool
    /// Whether to load the hits' stored fields (off when only ids and scores are wanted, as for TREC runs).
    public var storedFields: Bool
    /// Ranking settings.
    public var ranking: Ranking
    /// Whether every matching document is counted (``SearchResults/totalHits`` exact). Turn it off when only the
    /// top hits matter: the search may then skip documents that cannot enter them (MaxScore over the postings'
    /// per-block maxima for text queries, block-max skipping for conjunctions), which is much faster on frequent
    /// terms, and ``SearchResults/totalHits`` only counts the documents it scored. Facet counts need every match,
    /// so a ``facetField`` keeps the count exact. Scores then add the same terms in another order, so they may
    /// differ from the exhaustive ones in the last bits, and documents whose scores tie exactly may swap places.
    public var countsAllHits: Bool
    /// Which documents are returned and counted: only those that match the query, those then related ones
    /// (default), or any with a query term (``MatchMode``).
    public var match: MatchMode = .related
    /// How a chunk of query text must occur in a document to match (``TextMatching``; default: starting at a word
    /// start).
    public var textMatching: TextMatching = .wordStart
    /// Whether plain text queries may use the window-at-a-time scorer (tests compare it with the other path).
    var windowedScoring = true

    /// How many ranked documents a search keeps: ``limit`` + ``offset``, each clamped to 0…2³⁰ (a huge limit means
    /// "all", and must not overflow).
    var capacity: Int { min(max(0, limit), 1 << 30) + min(max(0, offset), 1 << 30) }

    /// Creates options: the top 10 matching documents then related ones, with `period` counts and highlights,
    /// default ranking.
    public init(
        limit: Int = 10, offset: Int = 0, facetField: String? = "period", highlights: Bool = true,
        storedFields: Bool = true, ranking: Ranking = .default, countsAllHits: Bool = true,
        match: MatchMode = .related, textMatching: TextMatching = .wordStart
    ) {
        self.match = match
        self.textMatching = textMatching
        self.countsAllHits = countsAllHits
        self.storedFields = storedFields
        self.limit = limit
        self.offset = offset
        self.facetField = facetField
        self.highlights = highlights
        self.ranking = ranking
    }
}

/// One ranked document.
public struct Hit: Hashable, Sendable {
    /// The external id of what was found: the document's, or for a long body split into passages the passage's
    /// (`id#3`, whose text is in ``fields``).
    public var id: String
    /// Its score (sum of BM25 contributions).
    public var score: Double
    /// Its stored fields.
    public var fields: [String: String]
    /// Per text field, the UTF-8 byte ranges of the query's terms in the stored value, sorted, non-overlapping.
    public var highlights: [String: [Range<Int>]]
    /// The document's id: ``id`` without a passage's `#n`.
    public var documentID: String = ""
    /// How many passages of the document match (1 for a document that is not split; the hit shows the best).
    public var matchingPassages: Int = 1
    /// For a document split into passages: the ids of its matching passages, best first (the first is ``id``).
    public var passages: [String] = []
    /// Whether the document does not match the query but follows the matching ones as related
    /// (``MatchMode/related``); related documents are never counted.
    public var isRelated: Bool = false
}

/// The result of a search.
public struct SearchResults: Hashable, Sendable {
    /// Number of matching live documents (a document split into passages counts once); with ``MatchMode/any``,
    /// of passages with a query term, and a lower bound when ``totalHitsIsExact`` is false.
    public var totalHits: Int
    /// False when the search skipped documents that could not enter the top hits
    /// (``SearchOptions/countsAllHits`` off).
    public var totalHitsIsExact: Bool = true
    /// The requested page of hits, best first (ties: earlier document first).
    public var hits: [Hit]
    /// Per value of ``SearchOptions/facetField``, how many matching documents have it, sorted by value (related
    /// documents are not counted).
    public var facets: [(value: String, count: Int)]

    public static func == (a: SearchResults, b: SearchResults) -> Bool {
        a.totalHits == b.totalHits && a.totalHitsIsExact == b.totalHitsIsExact && a.hits == b.hits && a.facets.elementsEqual(b.facets, by: { $0 == $1 })
    }

    public func hash(into h: inout Hasher) {
        h.combine(totalHits)
        h.combine(totalHitsIsExact)
        h.combine(hits)
        for f in facets { h.combine(f.value); h.combine(f.count) }
    }
}
