/// The scoring loops of one query over a snapshot's segments, apart from what gathers their output (Lucene's
/// `IndexSearcher` beside its collectors, tantivy's `Searcher` beside its `Collector`s): a ranking pass that offers
/// documents to a ``TopK`` with block-max skipping, and a pass that scores a given set of documents. What counts,
/// facets and groups passages is the caller's (``FacetCounts``, the matching search's collection).
struct Searcher {
    let reader: IndexReader
    let plan: Planner.Plan
    let planner: Planner
    /// Whether the window-at-a-time scorer may run (``SearchOptions/windowedScoring``).
    let windowed: Bool

    /// Runs the ranking over segment `si`, offering every live document `accept` admits to `heap` (document order;
    /// with `pruning`, documents that cannot enter the heap may be skipped unseen).
    @inline(__always)  // into each caller, with its `accept`: no closure call per document
    func rank(
        segment si: Int, pruning: Bool, heap: inout TopK, accept: (Int) throws(KiteError) -> Bool
    ) throws(KiteError) {
        let segment = reader.segments[si]
        let deletes = segment.deletes
        let base = reader.bases[si]
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

    /// Runs the ranking over segment `si` offering only the documents of `matches` (the plan's own documents there,
    /// deleted ones removed) to `heap`. A conjunction of required clauses then ranks window at a time over the
    /// union of its clauses' terms (each document of `matches` holds every clause, so its sum is the conjunction's
    /// score), instead of a document-at-a-time walk of the intersection.
    func rank(segment si: Int, pruning: Bool, heap: inout TopK, within matches: DocSet) throws(KiteError) {
        let segment = reader.segments[si]
        let base = reader.bases[si]
        if windowed, case .boolean = plan,
           let scorer = try planner.windowedScorer(plan, segment: segment, requiredAsDisjunction: true) {
            try scorer.run(pruning: pruning, threshold: { heap.threshold }) { (d: Int, s: Double) throws(KiteError) in
                if matches.contains(d) { heap.offer(score: s, doc: base + d) }
            }
            return
        }
        try rank(segment: si, pruning: pruning, heap: &heap) { matches.contains($0) }
    }

    /// Runs the window-at-a-time ranking over segment `si` once for a few matches and the documents related to
    /// them: every scored live document of `matches` goes to `matched`, every other one is offered to `related`,
    /// skipping what cannot enter `related` (a match skipped so is not passed on: the caller scores it with
    /// ``score(_:segment:others:_:)``). Returns the matches passed on, or nil when the window-at-a-time scorer does
    /// not apply (nothing ran).
    func rank(
        segment si: Int, matches: DocSet, pruning: Bool, matched: (Int, Double) -> Void, related: inout TopK
    ) throws(KiteError) -> DocSet? {
        let segment = reader.segments[si]
        guard windowed, let scorer = try planner.windowedScorer(plan, segment: segment) else { return nil }
        let deletes = segment.deletes
        let base = reader.bases[si]
        var seen = DocSet(capacity: matches.capacity)
        try scorer.run(pruning: pruning, threshold: { related.threshold }) { (d: Int, s: Double) in
            if matches.contains(d) {
                seen.insert(d)
                matched(d, s)
            } else if !deletes.contains(d) {
                related.offer(score: s, doc: base + d)
            }
        }
        return seen
    }

    /// Most documents ``score(_:segment:others:_:)`` scores one by one, advancing a document-at-a-time scorer to
    /// each, rather than picking them from a window-at-a-time pass over every posting of the query's terms (a few
    /// block decodes per document against all of them).
    static let directLimit = 64

    /// Calls `body` with every document of `docs` (of `segment`), in increasing order, and its ranking score (0 for
    /// a document without any of the query's terms). With the window-at-a-time scorer and more than
    /// ``directLimit`` documents, the ranking runs as for an OR query and the documents of `docs` are picked from
    /// it, which is faster than advancing to each; every other scored document goes to `others`. Returns whether it
    /// ran that way (else `others` saw nothing).
    @discardableResult
    func score(
        _ docs: DocSet, segment: SegmentReader, others: (Int, Double) -> Void = { _, _ in },
        _ body: (Int, Double) throws(KiteError) -> Void
    ) throws(KiteError) -> Bool {
        var pending = docs.makeIterator()
        var nextDoc = pending.next()
        var sawOthers = false
        if windowed, !docs.hasAtMost(Searcher.directLimit), let scorer = try planner.windowedScorer(plan, segment: segment) {
            sawOthers = true
            try scorer.run(pruning: false, threshold: { -.infinity }) { (d: Int, s: Double) throws(KiteError) in
                while let p = nextDoc, p < d {
                    try body(p, 0)
                    nextDoc = pending.next()
                }
                if nextDoc == d {
                    try body(d, s)
                    nextDoc = pending.next()
                } else {
                    others(d, s)
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
        return sawOthers
    }
}
