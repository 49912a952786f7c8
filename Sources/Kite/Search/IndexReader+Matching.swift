/// The search of ``MatchMode/exact`` and ``MatchMode/related``: match sets first, ranking over them, related
/// documents after.
extension IndexReader {
    /// A document split into passages, gathered over segments: which leaves any passage holds, and its passages
    /// that hold a positive leaf, scored.
    private struct PassageGroup {
        var leaves: [Bool]
        var passages: [(score: Double, doc: Int)] = []
        var facet: String?
    }

    func matchingSearch(_ query: Query, options: SearchOptions) throws(KiteError) -> SearchResults {
        let planner = Planner(reader: self, ranking: options.ranking)
        let plan = try planner.plan(MatchTree.rankingQuery(query))
        let tree = try MatchTree(query, planner: planner, reader: self, rule: options.textMatching)
        let k = options.capacity
        let facetField = options.facetField.flatMap { schema.keywordFields.firstIndex(of: $0) }
        let positive = Set(tree.positiveLeaves)
        var heap = TopK(capacity: k)
        var total = 0
        var facetCounts: [String: Int] = [:]
        var groups: [String: PassageGroup] = [:]
        var matchedWhole: [DocSet] = []

        for (si, segment) in segments.enumerated() {
            let sets = try tree.leafSets(segment)
            var matched = tree.evaluate(sets, capacity: segment.docCount)
            // Passages are decided per document, after every segment: set them apart.
            var any = DocSet(capacity: segment.docCount)
            for s in sets { any.formUnion(s) }
            var passages = DocSet(capacity: segment.docCount)
            var passageList: [(doc: Int, document: String)] = []
            if segment.hasPassages { try any.forEach { (d: Int) throws(KiteError) in
                guard let document = PassageID.document(of: segment.idBytes(d)) else { return }
                passages.insert(d)
                passageList.append((d, String(document)))
            } }
            matched.subtract(passages)
            matchedWhole.append(matched)
            total += matched.count

            var counts = facetField.map { [Int](repeating: 0, count: segment.keywordValues[$0].count) } ?? []
            var next = 0
            var toScore = matched
            toScore.formUnion(passages)
            try score(toScore, plan, planner: planner, segment: segment, windowed: options.windowedScoring) {
                (d: Int, score: Double) throws(KiteError) in
                if passages.contains(d) {
                    let document = passageList[next].document
                    next += 1
                    var group = groups[document] ?? PassageGroup(
                        leaves: [Bool](repeating: false, count: sets.count),
                        facet: facetField.flatMap { f in segment.keywordOrdinal(f, d).map { segment.keywordValues[f][$0] } })
                    var holdsPositive = false
                    for (i, s) in sets.enumerated() where s.contains(d) {
                        group.leaves[i] = true
                        if positive.contains(i) { holdsPositive = true }
                    }
                    if holdsPositive { group.passages.append((score, bases[si] + d)) }
                    groups[document] = group
                    return
                }
                if let f = facetField, let o = segment.keywordOrdinal(f, d) { counts[o] += 1 }
                heap.offer(score: score, doc: bases[si] + d)
            }
            if let f = facetField {
                for (o, c) in counts.enumerated() where c > 0 { facetCounts[segment.keywordValues[f][o], default: 0] += c }
            }
        }

        // Documents of passages: one match, at the best passage.
        var shown: [Int: (document: String, passages: [Int])] = [:]
        var accepted = Set<String>()
        for (document, group) in groups where !group.passages.isEmpty && tree.accepts(group.leaves) {
            accepted.insert(document)
            total += 1
            if let f = group.facet { facetCounts[f, default: 0] += 1 }
            let order = group.passages.sorted { $0.score > $1.score || ($0.score == $1.score && $0.doc < $1.doc) }
            heap.offer(score: order[0].score, doc: order[0].doc)
            shown[order[0].doc] = (document, order.map(\.doc))
        }
        var ranked = heap.sorted().map { e in
            Ranked(entry: e, documentID: shown[e.doc]?.document, passages: shown[e.doc]?.passages.count ?? 1,
                   passageDocs: shown[e.doc]?.passages ?? [])
        }
        if options.match == .related && ranked.count < k {
            ranked += try related(plan, planner: planner, options: options, wanted: k - ranked.count) { si, d in
                if matchedWhole[si].contains(d) { return false }
                if let document = PassageID.document(of: segments[si].idBytes(d)), accepted.contains(String(document)) {
                    return false
                }
                return true
            }
        }
        let facets = facetCounts.map { (value: $0.key, count: $0.value) }.sorted { $0.value < $1.value }
        let page = Array(ranked.dropFirst(max(0, options.offset)))
        return SearchResults(totalHits: total, totalHitsIsExact: true, hits: try hits(page, query, planner, options),
                             facets: facets)
    }

    /// Calls `body` with every document of `docs`, in increasing order, and its ranking score (0 for a document
    /// without any of the query's terms). With the window-at-a-time scorer, the ranking runs as for an OR query and
    /// the documents of `docs` are picked from it, which is faster than advancing to each.
    private func score(
        _ docs: DocSet, _ plan: Planner.Plan, planner: Planner, segment: SegmentReader, windowed: Bool,
        _ body: (Int, Double) throws(KiteError) -> Void
    ) throws(KiteError) {
        var pending = docs.makeIterator()
        var nextDoc = pending.next()
        if windowed, let scorer = try planner.windowedScorer(plan, segment: segment) {
            try scorer.run(pruning: false, threshold: { -.infinity }) { (d: Int, s: Double) throws(KiteError) in
                while let p = nextDoc, p < d {
                    try body(p, 0)
                    nextDoc = pending.next()
                }
                if nextDoc == d {
                    try body(d, s)
                    nextDoc = pending.next()
                }
            }
        } else {
            let scorer = try planner.scorer(plan, segment: segment)
            while let d = nextDoc {
                try scorer.advance(to: d)
                try body(d, scorer.doc == d ? try scorer.score() : 0)
                nextDoc = pending.next()
            }
        }
        while let p = nextDoc {
            try body(p, 0)
            nextDoc = pending.next()
        }
    }

    /// The best `wanted` documents that do not match (`admit`), one per document (its best passage), by the
    /// ranking alone; skipping what cannot enter them.
    private func related(
        _ plan: Planner.Plan, planner: Planner, options: SearchOptions, wanted: Int,
        admit: (Int, Int) -> Bool
    ) throws(KiteError) -> [Ranked] {
        // Room for several passages of one document; a document keeps its best.
        var heap = TopK(capacity: wanted * 4 + 16)  // wanted ≤ 2³¹ (SearchOptions.capacity)
        for si in segments.indices {
            try rank(plan, planner: planner, segment: si, pruning: options.ranking.admitsPruning,
                     windowed: options.windowedScoring, heap: &heap) { d in admit(si, d) }
        }
        var seen = Set<String>()
        var out: [Ranked] = []
        for e in heap.sorted() where out.count < wanted {
            let (si, local) = locate(e.doc)
            let id = segments[si].id(of: local) ?? ""
            let document = PassageID.document(of: id) ?? id
            guard seen.insert(document).inserted else { continue }
            out.append(Ranked(entry: e, documentID: document, related: true))
        }
        return out
    }
}
