/// Scores a disjunction of terms — the shape of every plain text query, over one or several fields — a window of
/// 2,048 documents at a time: inside a window, term at a time into an accumulator (no per-document dispatch over
/// the terms), then the proximity bonuses and the collector over the window's matches in document order. This is
/// what Lucene's BooleanScorer does; it gives the same scores as the document-at-a-time scorers.
final class WindowedScorer {
    struct Term {
        let cursor: PostingsCursor
        let weight: Double
        let field: Int
        let bm25: BM25Field
    }

    static let windowSize = 2048

    private let segment: SegmentReader
    private let terms: [Term]
    private let bonuses: [Scorer]
    // Raw buffers: this loop runs once per posting, so no array bookkeeping or exclusivity checks in it.
    private let accumulator: UnsafeMutablePointer<Double>
    private let matched: UnsafeMutablePointer<UInt64>

    init(segment: SegmentReader, terms: [Term], bonuses: [Scorer]) throws(KiteError) {
        self.segment = segment
        self.terms = terms
        self.bonuses = bonuses
        accumulator = .allocate(capacity: WindowedScorer.windowSize)
        accumulator.initialize(repeating: 0, count: WindowedScorer.windowSize)
        matched = .allocate(capacity: WindowedScorer.windowSize / 64)
        matched.initialize(repeating: 0, count: WindowedScorer.windowSize / 64)
        for t in terms { try t.cursor.start() }
    }

    deinit {
        accumulator.deallocate()
        matched.deallocate()
    }

    /// Calls `collect` with every matching document, in increasing order, and its score.
    ///
    /// With `pruning`, given `threshold` (the score a document must beat to enter the top k, read again as it rises), the scorer
    /// may leave out documents that cannot beat it — MaxScore, window by window as Lucene's MaxScoreBulkScorer
    /// does: the terms whose summed block maxima (plus the proximity bonuses' maxima) stay under the threshold
    /// are "non-essential"; only documents of the other terms are candidates, and the non-essential terms are
    /// looked up for a candidate only while its bound can still beat the threshold.
    @inline(__always)  // into each caller, with its collector: no closure call (and thunks) per document
    func run(
        pruning: Bool = false, threshold: () -> Double = { -.infinity },
        _ collect: (Int, Double) throws(KiteError) -> Void
    ) throws(KiteError) {
        // One term and no bonuses (a query of one word, most often): each posting's score goes to `collect` as it is
        // read, with no accumulator window between (the same scores, in the same order); with `pruning`, a block
        // whose maximum is under the threshold is skipped whole. (Inline here: a function of its own was not
        // inlined, and `collect` was then called through thunks for every posting.)
        if terms.count == 1 && bonuses.isEmpty {
            let term = terms[0]
            let cursor = term.cursor, weight = term.weight, bm25 = term.bm25, field = term.field
            let docCount = segment.docCount
            // The last document of the block whose bound was last compared with the threshold.
            var checkedThrough = -1
            while cursor.doc < docCount {
                let d = cursor.doc
                if pruning && d > checkedThrough, case let theta = threshold(), theta > 0 {
                    if let b = cursor.blockContaining(d) {
                        checkedThrough = cursor.blockLastDoc(b)
                        let bound = cursor.blockMaximum(from: d, upTo: checkedThrough) { weight * bm25.saturation(freq: Double($0), length: $1) }
                        if let bound, WindowedScorer.below(bound, theta) {
                            try cursor.advance(to: checkedThrough + 1)
                            continue
                        }
                    } else {
                        checkedThrough = .max  // a list shorter than a block: no block maxima to skip by
                    }
                }
                try collect(d, weight * bm25.saturation(freq: Double(try cursor.frequency()), length: segment.fieldLength(field, d)))
                try cursor.next()
            }
            return
        }
        let size = WindowedScorer.windowSize
        let docCount = segment.docCount
        let accumulator = self.accumulator, matched = self.matched
        let bonusMaximum = bonuses.reduce(0) { $0 + $1.maxScore }
        // Per window: each term's bound, and the term indices in increasing order of it.
        var bound = [Double](repeating: 0, count: terms.count)
        var order = Array(terms.indices)
        while true {
            var first = PostingsCursor.exhausted
            for t in terms where t.cursor.doc < first { first = t.cursor.doc }
            if first >= docCount { return }
            let base = first - first % size
            let end = min(base + size, docCount)
            // Terms order[0..<nonEssential] cannot make a document competitive on their own.
            var nonEssential = 0
            var nonEssentialMaximum = 0.0
            if pruning, case let theta = threshold(), theta > 0 {
                for (i, t) in terms.enumerated() {
                    let cursor = t.cursor
                    if cursor.doc >= end { bound[i] = 0; continue }
                    let weight = t.weight, bm25 = t.bm25
                    bound[i] = cursor.blockMaximum(from: cursor.doc, upTo: end - 1) { weight * bm25.saturation(freq: Double($0), length: $1) }
                        ?? weight
                }
                order.sort { bound[$0] < bound[$1] }
                var sum = bonusMaximum
                while nonEssential < order.count, WindowedScorer.below(sum + bound[order[nonEssential]], theta) {
                    sum += bound[order[nonEssential]]
                    nonEssential += 1
                }
                nonEssentialMaximum = sum - bonusMaximum
                if nonEssential == order.count {  // nothing in this window can compete
                    for t in terms where t.cursor.doc < end { try t.cursor.advance(to: end) }
                    continue
                }
            }
            for j in nonEssential..<order.count {
                let t = terms[order[j]]
                let cursor = t.cursor
                let weight = t.weight
                let bm25 = t.bm25
                while cursor.doc < end {
                    let d = cursor.doc
                    let i = d - base
                    accumulator[i] += weight * bm25.saturation(freq: Double(try cursor.frequency()), length: segment.fieldLength(t.field, d))
                    matched[i >> 6] |= 1 << UInt64(i & 63)
                    try cursor.next()
                }
            }
            for w in 0..<(size / 64) {
                var bits = matched[w]
                if bits == 0 { continue }
                matched[w] = 0
                candidates: while bits != 0 {
                    let i = w << 6 | bits.trailingZeroBitCount
                    bits &= bits - 1
                    let d = base + i
                    var score = accumulator[i]
                    accumulator[i] = 0
                    if nonEssential > 0 {
                        let theta = threshold()
                        var remaining = nonEssentialMaximum + bonusMaximum
                        if WindowedScorer.below(score + remaining, theta) { continue candidates }
                        for j in stride(from: nonEssential - 1, through: 0, by: -1) {
                            let t = terms[order[j]]
                            let cursor = t.cursor
                            if cursor.doc < d { try cursor.advance(to: d) }
                            if cursor.doc == d {
                                score += t.weight * t.bm25.saturation(
                                    freq: Double(try cursor.frequency()), length: segment.fieldLength(t.field, d))
                            }
                            remaining -= bound[order[j]]
                            if WindowedScorer.below(score + remaining, theta) { continue candidates }
                        }
                    }
                    for b in bonuses {
                        if b.doc < d { try b.advance(to: d) }
                        if b.doc == d { score += try b.score() }
                    }
                    try collect(d, score)
                }
            }
            for j in 0..<nonEssential where terms[order[j]].cursor.doc < end { try terms[order[j]].cursor.advance(to: end) }
        }
    }

    /// Whether an upper bound is certainly under the threshold (with a margin for the rounding of sums taken in
    /// another order than the score's).
    @inline(__always)
    static func below(_ bound: Double, _ threshold: Double) -> Bool {
        bound * (1 + 1e-9) < threshold
    }
}
