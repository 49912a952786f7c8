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
    /// The order of the matching documents: by score (the default), or by their `period` keyword, newest or oldest
    /// first (ties by score; documents without a period last). Related documents follow by score. Needs
    /// ``MatchMode/exact`` or ``MatchMode/related``.
    public var sort: HitOrder = .score
    /// Whether plain text queries may use the window-at-a-time scorer (tests compare it with the other path).
    var windowedScoring = true
    /// From how many candidate documents (a plan's ``Scorer/cost`` in a segment) ``MatchMode/any`` counts and
    /// facets from document sets while the ranking skips what cannot enter the top k, instead of scoring every
    /// match (tests compare the two: 0 always, `Int.max` never).
    var countsFromDocumentSetsFrom = Planner.bulkCost

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

/// How a search orders the matching documents (``SearchOptions/sort``).
public enum HitOrder: String, Hashable, Sendable, CaseIterable, Codable {
    /// Best score first.
    case score
    /// Latest period first: by the period's last month, then its first (2023 before 2023H1, 2023Q3 before 2023-07).
    case newest
    /// Earliest period first, in the same terms.
    case oldest
}

/// One ranked document.
public struct Hit: Hashable, Sendable, Codable {
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
    /// Things the caller should know about these results (e.g. ``IndexReader/analyzerWarning``); empty as a rule.
    public var warnings: [String] = []

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
