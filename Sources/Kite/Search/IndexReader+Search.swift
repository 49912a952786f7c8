/// Searching a snapshot: the public entry points, the search of ``MatchMode/any`` (a ranking pass of the
/// ``Searcher`` collecting top k, a count and facets), and hits with stored fields and highlights. The matching modes
/// are in `IndexReader+Matching.swift`.
extension IndexReader {
    /// Parses `query` with ``QueryParser`` for this index's schema and searches it.
    public func search(_ query: String, options: SearchOptions = SearchOptions()) throws(KiteError) -> SearchResults {
        try search(QueryParser(schema: schema).parse(query), options: options)
    }

    /// Searches `query`: the documents that match it (``SearchOptions/match``), ranked by BM25 with index-wide
    /// statistics, top-k, per-value counts of a keyword field and highlights.
    public func search(_ query: Query, options: SearchOptions = SearchOptions()) throws(KiteError) -> SearchResults {
        var results = try searchUnwarned(query, options: options)
        if let analyzerWarning { results.warnings.append(analyzerWarning) }
        return results
    }

    private func searchUnwarned(_ query: Query, options: SearchOptions) throws(KiteError) -> SearchResults {
        try Planner.validateLimits(query)
        if options.match != .any { return try matchingSearch(query, options: options) }
        if options.sort != .score {
            throw .badQuery(message: "sorting by period needs matching (exact or related), not any", position: 0)
        }
        let planner = Planner(reader: self, ranking: options.ranking)
        let searcher = Searcher(reader: self, plan: try planner.plan(query), planner: planner, windowed: options.windowedScoring)
        let k = options.capacity
        var heap = TopK(capacity: k)
        var facets = FacetCounts(field: options.facetField.flatMap { schema.keywordFields.firstIndex(of: $0) })
        // A count or facets must see every match. From the plan's document sets they do so without scoring, and
        // the ranking may still skip the documents that cannot enter the top k.
        let exhaustive = options.countsAllHits || facets.field != nil
        let fromSets = exhaustive && options.countsFromDocumentSetsFrom < Int.max
        let pruning = (!exhaustive || fromSets) && k > 0 && options.ranking.admitsPruning
        var total = 0
        for (si, segment) in segments.enumerated() {
            var counts = facets.begin(segment)
            if fromSets || pruning, var matches = try planner.documentsInBulk(
                searcher.plan, segment: segment, from: options.countsFromDocumentSetsFrom, conjunctionsOnly: !fromSets) {
                matches.subtract(segment.deletes)
                total += matches.count
                if facets.field != nil { for d in matches { counts.count(d) } }
                if k > 0 { try searcher.rank(segment: si, pruning: pruning, heap: &heap, within: matches) }
            } else {
                try searcher.rank(segment: si, pruning: pruning && !exhaustive, heap: &heap) { d in
                    total += 1
                    counts.count(d)
                    return true
                }
            }
            facets.end(counts)
        }
        let ranked = heap.sorted().dropFirst(max(0, options.offset)).map { Ranked(entry: $0) }
        return SearchResults(totalHits: total, totalHitsIsExact: exhaustive || !pruning, hits: try hits(ranked, query, planner, options),
                             facets: facets.sorted)
    }

    /// A ranked passage or document on its way to becoming a ``Hit``.
    struct Ranked {
        var entry: (score: Double, doc: Int)
        var documentID: String? = nil
        var passages = 1
        /// Global numbers of the matching passages, best first (a document split into passages).
        var passageDocs: [Int] = []
        var related = false
    }

    /// Loads stored fields and highlights of `ranked`; a matching search passes its `tree`, whose chunks a
    /// matching hit marks.
    func hits(_ ranked: [Ranked], _ query: Query, _ planner: Planner, _ options: SearchOptions,
              tree: MatchTree? = nil) throws(KiteError) -> [Hit] {
        var hits: [Hit] = []
        let highlighter = options.highlights
            ? Highlighter(reader: self, terms: planner.highlightTerms(query), matches: tree.map(MatchHighlighter.init)) : nil
        for r in ranked {
            let (si, local) = locate(r.entry.doc)
            let segment = segments[si]
            let fields = options.storedFields || options.highlights ? try segment.storedFields(local) : [:]
            let highlights = try highlighter?.hitHighlights(in: fields, related: r.related) ?? [:]
            let id = segment.id(of: local) ?? ""
            hits.append(Hit(id: id, score: r.entry.score, fields: options.storedFields ? fields : [:], highlights: highlights,
                            documentID: r.documentID ?? PassageID.document(of: id) ?? id, matchingPassages: r.passages,
                            passages: r.passageDocs.map { g in let (s, l) = locate(g); return segments[s].id(of: l) ?? "" },
                            isRelated: r.related))
        }
        return hits
    }
}
