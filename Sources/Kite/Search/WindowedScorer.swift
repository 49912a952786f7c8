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
    func run(_ collect: (Int, Double) throws(KiteError) -> Void) throws(KiteError) {
        let size = WindowedScorer.windowSize
        let docCount = segment.docCount
        let accumulator = self.accumulator, matched = self.matched
        while true {
            var first = PostingsCursor.exhausted
            for t in terms where t.cursor.doc < first { first = t.cursor.doc }
            if first >= docCount { return }
            let base = first - first % size
            let end = min(base + size, docCount)
            for t in terms {
                let cursor = t.cursor
                let weight = t.weight
                let bm25 = t.bm25
                while cursor.doc < end {
                    let d = cursor.doc
                    let i = d - base
                    accumulator[i] += weight * bm25.saturation(freq: Double(cursor.freq), length: segment.fieldLength(t.field, d))
                    matched[i >> 6] |= 1 << UInt64(i & 63)
                    try cursor.next()
                }
            }
            for w in 0..<(size / 64) {
                var bits = matched[w]
                if bits == 0 { continue }
                matched[w] = 0
                while bits != 0 {
                    let i = w << 6 | bits.trailingZeroBitCount
                    bits &= bits - 1
                    let d = base + i
                    var score = accumulator[i]
                    accumulator[i] = 0
                    for b in bonuses {
                        if b.doc < d { try b.advance(to: d) }
                        if b.doc == d { score += try b.score() }
                    }
                    try collect(d, score)
                }
            }
        }
    }
}
