/// Searching a snapshot: the ranking loop (``MatchMode/any``), hits with stored fields and highlights. The matching
/// modes are in `IndexReader+Matching.swift`.
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
        let plan = try planner.plan(query)
        let k = options.capacity
        var heap = TopK(capacity: k)
        let facetField = options.facetField.flatMap { schema.keywordFields.firstIndex(of: $0) }
        var facetCounts: [String: Int] = [:]
        let pruning = !options.countsAllHits && facetField == nil && k > 0 && options.ranking.admitsPruning
        var total = 0
        for (si, segment) in segments.enumerated() {
            var counts = facetField.map { [Int](repeating: 0, count: segment.keywordValues[$0].count) } ?? []
            try rank(plan, planner: planner, segment: si, pruning: pruning, windowed: options.windowedScoring,
                     heap: &heap) { d in
                total += 1
                if let f = facetField, let o = segment.keywordOrdinal(f, d) { counts[o] += 1 }
                return true
            }
            if let f = facetField {
                for (o, c) in counts.enumerated() where c > 0 { facetCounts[segment.keywordValues[f][o], default: 0] += c }
            }
        }
        let ranked = heap.sorted().dropFirst(max(0, options.offset)).map { Ranked(entry: $0) }
        let facets = facetCounts.map { (value: $0.key, count: $0.value) }.sorted { $0.value < $1.value }
        return SearchResults(totalHits: total, totalHitsIsExact: !pruning, hits: try hits(ranked, query, planner, options),
                             facets: facets)
    }

    /// Runs the ranking of `plan` over segment `si`, offering every live document `accept` admits to `heap`
    /// (document order; with `pruning`, documents that cannot enter the heap may be skipped unseen).
    func rank(
        _ plan: Planner.Plan, planner: Planner, segment si: Int, pruning: Bool, windowed: Bool, heap: inout TopK,
        accept: (Int) throws(KiteError) -> Bool
    ) throws(KiteError) {
        let segment = segments[si]
        let deletes = segment.deletes
        let base = bases[si]
        let k = heap.capacity
        if windowed, let scorer = try planner.windowedScorer(plan, segment: segment) {
            try scorer.run(pruning: pruning, threshold: { heap.threshold }) { (d: Int, s: Double) throws(KiteError) in
                guard !deletes.contains(d), try accept(d) else { return }
                if k > 0 { heap.offer(score: s, doc: base + d) }
            }
            return
        }
        let scorer = try planner.scorer(plan, segment: segment)
        // Block-max skipping: the bound of the stretch up to `boundEnd` was `bound` when last computed.
        var boundEnd = -1
        var bound = Double.infinity
        while scorer.doc != PostingsCursor.exhausted {
            let d = scorer.doc
            if pruning && heap.isFull {
                if d > boundEnd {
                    boundEnd = scorer.blockEnd(from: d)
                    bound = scorer.maxScore(from: d, upTo: boundEnd)
                }
                if WindowedScorer.below(bound, heap.threshold) {
                    if boundEnd >= PostingsCursor.exhausted - 1 { break }
                    try scorer.advance(to: boundEnd + 1)
                    continue
                }
            }
            if !deletes.contains(d), try accept(d), k > 0 {
                heap.offer(score: try scorer.score(), doc: base + d)
            }
            try scorer.next()
        }
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
