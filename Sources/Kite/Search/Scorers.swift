/// Document-at-a-time iterators that match and score documents of one segment. Each keeps a current document
/// (`doc`, ``PostingsCursor/exhausted`` at the end) and moves forward only.
class Scorer {
    var doc = -1
    /// Moves to the next matching document.
    func next() throws(KiteError) {}
    /// Moves to the first matching document ≥ target.
    func advance(to target: Int) throws(KiteError) {
        while doc < target { try next() }
    }
    /// The score of the current document.
    func score() throws(KiteError) -> Double { 0 }
    /// An upper bound of `score()` over all documents (for MaxScore pruning).
    var maxScore: Double { 0 }
    /// An estimate of how many documents the scorer matches (Lucene's `cost`): a conjunction leads with its
    /// cheapest child.
    var cost: Int { Int.max }
    /// The last document of the stretch, starting at `target` (≥ the current document), over which
    /// ``maxScore(from:upTo:)`` can be tight: the end of the postings block holding `target` for a term. Top-k search
    /// skips from `target` past it when the bound cannot beat the k-th best score.
    func blockEnd(from target: Int) -> Int { PostingsCursor.exhausted - 1 }
    /// An upper bound of `score()` over the documents in `from...end` (`from` ≥ the current document), from
    /// per-block maxima.
    func maxScore(from: Int, upTo end: Int) -> Double { maxScore }
}

/// Scores one term in one field.
final class TermScorer: Scorer {
    let cursor: PostingsCursor
    let weight: Double
    let bm25: BM25Field
    let segment: SegmentReader
    let field: Int

    init(cursor: PostingsCursor, weight: Double, bm25: BM25Field, segment: SegmentReader, field: Int) throws(KiteError) {
        self.cursor = cursor
        self.weight = weight
        self.bm25 = bm25
        self.segment = segment
        self.field = field
        super.init()
        try cursor.start()
        doc = cursor.doc
    }

    override func next() throws(KiteError) { try cursor.next(); doc = cursor.doc }
    override func advance(to target: Int) throws(KiteError) { try cursor.advance(to: target); doc = cursor.doc }
    override func score() throws(KiteError) -> Double {
        weight * bm25.saturation(freq: Double(try cursor.frequency()), length: segment.fieldLength(field, doc))
    }
    override var maxScore: Double { weight }
    override var cost: Int { cursor.docFrequency }
    override func blockEnd(from target: Int) -> Int {
        guard let b = cursor.blockContaining(target) else { return PostingsCursor.exhausted - 1 }
        return cursor.blockLastDoc(b)
    }
    override func maxScore(from: Int, upTo end: Int) -> Double {
        if doc == PostingsCursor.exhausted { return 0 }
        let weight = self.weight, bm25 = self.bm25
        return cursor.blockMaximum(from: max(from, doc), upTo: end) { weight * bm25.saturation(freq: Double($0), length: $1) }
            ?? weight
    }
}

/// Documents where all terms occur at the given relative positions; scored with BM25 on the phrase frequency.
final class PhraseScorer: Scorer {
    let cursors: [PostingsCursor]
    let offsets: [Int32]
    let weight: Double
    let bm25: BM25Field
    let segment: SegmentReader
    let field: Int
    /// Scales the score by dl / (dl + lengthScale) when > 0.
    let lengthScale: Double
    private var freq = 0
    private var positions: [[Int32]]

    init(cursors: [PostingsCursor], offsets: [Int32], weight: Double, bm25: BM25Field, segment: SegmentReader,
         field: Int, lengthScale: Double = 0) throws(KiteError) {
        self.lengthScale = lengthScale
        self.cursors = cursors
        self.offsets = offsets
        self.weight = weight
        self.bm25 = bm25
        self.segment = segment
        self.field = field
        positions = Array(repeating: [], count: cursors.count)
        super.init()
        for c in cursors { try c.start() }
        try align(from: 0)
    }

    /// Finds the next document ≥ target containing all terms, then checks their positions.
    private func align(from target: Int) throws(KiteError) {
        var target = target
        while true {
            // Leapfrog to a common document.
            var agreed = false
            while !agreed {
                agreed = true
                for c in cursors {
                    try c.advance(to: target)
                    if c.doc == PostingsCursor.exhausted { doc = PostingsCursor.exhausted; return }
                    if c.doc > target { target = c.doc; agreed = false; break }
                }
            }
            // All cursors on `target`: count phrase occurrences.
            for i in cursors.indices {
                positions[i].removeAll(keepingCapacity: true)
                try cursors[i].positions(into: &positions[i])
            }
            freq = 0
            var idx = [Int](repeating: 0, count: cursors.count)
            outer: for p0 in positions[0] {
                let start = p0 - offsets[0]
                for i in 1..<cursors.count {
                    let want = start + offsets[i]
                    while idx[i] < positions[i].count && positions[i][idx[i]] < want { idx[i] += 1 }
                    if idx[i] == positions[i].count { break outer }
                    if positions[i][idx[i]] != want { continue outer }
                }
                freq += 1
            }
            if freq > 0 { doc = target; return }
            target += 1
        }
    }

    override func next() throws(KiteError) {
        guard doc != PostingsCursor.exhausted else { return }
        try align(from: doc + 1)
    }
    override func advance(to target: Int) throws(KiteError) {
        guard doc < target else { return }
        try align(from: target)
    }
    override func score() throws(KiteError) -> Double {
        let length = segment.fieldLength(field, doc)
        let s = weight * bm25.saturation(freq: Double(freq), length: length)
        return lengthScale > 0 ? s * Double(length) / (Double(length) + lengthScale) : s
    }
    override var maxScore: Double { weight }
    override var cost: Int { cursors.map(\.docFrequency).min() ?? 0 }
}

/// Matches documents matching any child; the score is the sum of the matching children's scores.
final class DisjunctionScorer: Scorer {
    let children: [Scorer]
    /// `children` for the per-document loops, without a retain and release per child per document.
    private let refs: ScorerRefs
    /// Minimum number of children that must match (1 for plain OR).
    init(_ children: [Scorer]) {
        self.children = children
        refs = ScorerRefs(children)
        super.init()
        doc = children.map(\.doc).min() ?? PostingsCursor.exhausted
    }
    deinit { refs.deallocate() }
    override func next() throws(KiteError) {
        let current = doc
        var m = PostingsCursor.exhausted
        for i in 0..<refs.count {
            if refs.doc(i) == current { try refs.next(i) }
            m = min(m, refs.doc(i))
        }
        doc = m
    }
    override func advance(to target: Int) throws(KiteError) {
        var m = PostingsCursor.exhausted
        for i in 0..<refs.count {
            if refs.doc(i) < target { try refs.advance(i, to: target) }
            m = min(m, refs.doc(i))
        }
        doc = m
    }
    override func score() throws(KiteError) -> Double {
        var s = 0.0
        for i in 0..<refs.count where refs.doc(i) == doc { s += try refs.score(i) }
        return s
    }
    override var maxScore: Double { children.reduce(0) { $0 + $1.maxScore } }
    override var cost: Int { children.reduce(0) { $0 &+ $1.cost } }
    override func blockEnd(from target: Int) -> Int {
        var end = PostingsCursor.exhausted - 1
        for c in children where c.doc != PostingsCursor.exhausted { end = min(end, c.blockEnd(from: max(target, c.doc))) }
        return end
    }
    override func maxScore(from: Int, upTo end: Int) -> Double {
        var s = 0.0
        for c in children where c.doc <= end { s += c.maxScore(from: from, upTo: end) }
        return s
    }
}

/// A disjunction of term scorers whose summed score is scaled by the document's coverage of the query:
/// (sum of the weights of the terms it contains / sum of all the query's term weights)^exponent.
final class CoverageScorer: Scorer {
    let disjunction: DisjunctionScorer
    let weights: [Double]
    let total: Double
    let exponent: Double
    init(_ children: [Scorer], total: Double, exponent: Double) {
        disjunction = DisjunctionScorer(children)
        weights = children.map(\.maxScore)
        self.total = max(total, 1e-12)
        self.exponent = exponent
        super.init()
        doc = disjunction.doc
    }
    override func next() throws(KiteError) { try disjunction.next(); doc = disjunction.doc }
    override func advance(to target: Int) throws(KiteError) { try disjunction.advance(to: target); doc = disjunction.doc }
    override func score() throws(KiteError) -> Double {
        var matched = 0.0
        for (c, w) in zip(disjunction.children, weights) where c.doc == doc { matched += w }
        return try disjunction.score() * pow(min(1, matched / total), exponent)
    }
    override var maxScore: Double { disjunction.maxScore }
    override var cost: Int { disjunction.cost }
    override func blockEnd(from target: Int) -> Int { disjunction.blockEnd(from: target) }
    override func maxScore(from: Int, upTo end: Int) -> Double { disjunction.maxScore(from: from, upTo: end) }
}

/// Matches documents matching every child; scores are summed (children marked non-scoring add nothing).
final class ConjunctionScorer: Scorer {
    let children: [Scorer]
    let scoring: [Bool]
    /// The scoring children, for ``score()``.
    private let scored: [Scorer]
    /// `children` and `scored` for the per-document loops, without a retain and release per child per document.
    private let refs: ScorerRefs
    private let scoredRefs: ScorerRefs
    /// Children in the given order: the first leads (proposes each candidate).
    init(_ children: [Scorer], scoring: [Bool]) throws(KiteError) {
        self.children = children
        self.scoring = scoring
        scored = zip(children, scoring).filter(\.1).map(\.0)
        refs = ScorerRefs(children)
        scoredRefs = ScorerRefs(scored)
        super.init()
        try align(children.map(\.doc).max() ?? PostingsCursor.exhausted)
    }
    deinit {
        refs.deallocate()
        scoredRefs.deallocate()
    }
    /// Children reordered by ``Scorer/cost``, cheapest first (the rarest term leads; the others only advance).
    convenience init(leastCostFirst children: [Scorer], scoring: [Bool]) throws(KiteError) {
        let order = children.indices.sorted { (children[$0].cost, $0) < (children[$1].cost, $1) }
        try self.init(order.map { children[$0] }, scoring: order.map { scoring[$0] })
    }
    override var cost: Int { children.map(\.cost).min() ?? 0 }
    private func align(_ target: Int) throws(KiteError) {
        var target = target
        while target != PostingsCursor.exhausted {
            var agreed = true
            for i in 0..<refs.count {
                if refs.doc(i) < target { try refs.advance(i, to: target) }
                let d = refs.doc(i)
                if d > target { target = d; agreed = false; break }
            }
            if agreed { doc = target; return }
        }
        doc = PostingsCursor.exhausted
    }
    override func next() throws(KiteError) {
        guard doc != PostingsCursor.exhausted, refs.count > 0 else { return }
        try refs.next(0)
        try align(refs.doc(0))
    }
    override func advance(to target: Int) throws(KiteError) {
        guard doc < target else { return }
        try align(target)
    }
    override func score() throws(KiteError) -> Double {
        var s = 0.0
        for i in 0..<scoredRefs.count { s += try scoredRefs.score(i) }
        return s
    }
    override var maxScore: Double { scored.reduce(0) { $0 + $1.maxScore } }
    override func blockEnd(from target: Int) -> Int {
        var end = PostingsCursor.exhausted - 1
        for i in 0..<scoredRefs.count { end = min(end, scoredRefs.blockEnd(i, from: target)) }
        return end
    }
    override func maxScore(from: Int, upTo end: Int) -> Double {
        var s = 0.0
        for i in 0..<scoredRefs.count { s += scoredRefs.maxScore(i, from: from, upTo: end) }
        return s
    }
}

/// Child scorers as references that are neither retained nor released, for the loops that visit every child at
/// every document (a retain and a release per child per document were a fifth of a conjunction's time). The parent
/// keeps the scorers alive in an array for as long as it lives, and deallocates this buffer in its `deinit`.
struct ScorerRefs {
    private let refs: UnsafeMutableBufferPointer<Unmanaged<Scorer>>

    init(_ scorers: [Scorer]) {
        refs = .allocate(capacity: scorers.count)
        for (i, s) in scorers.enumerated() { refs.initializeElement(at: i, to: .passUnretained(s)) }
    }

    func deallocate() { refs.deallocate() }

    var count: Int { refs.count }

    @inline(__always) func doc(_ i: Int) -> Int { refs[i]._withUnsafeGuaranteedRef { $0.doc } }

    @inline(__always) func next(_ i: Int) throws(KiteError) {
        try ScorerRefs.typed { try refs[i]._withUnsafeGuaranteedRef { try $0.next() } }
    }

    @inline(__always) func advance(_ i: Int, to target: Int) throws(KiteError) {
        try ScorerRefs.typed { try refs[i]._withUnsafeGuaranteedRef { try $0.advance(to: target) } }
    }

    @inline(__always) func score(_ i: Int) throws(KiteError) -> Double {
        try ScorerRefs.typed { try refs[i]._withUnsafeGuaranteedRef { try $0.score() } }
    }

    @inline(__always) func blockEnd(_ i: Int, from target: Int) -> Int {
        refs[i]._withUnsafeGuaranteedRef { $0.blockEnd(from: target) }
    }

    @inline(__always) func maxScore(_ i: Int, from: Int, upTo end: Int) -> Double {
        refs[i]._withUnsafeGuaranteedRef { $0.maxScore(from: from, upTo: end) }
    }

    /// `body`'s result, its error typed again (`_withUnsafeGuaranteedRef` rethrows untyped).
    @inline(__always) private static func typed<T>(_ body: () throws -> T) throws(KiteError) -> T {
        do { return try body() } catch let e as KiteError { throw e } catch { preconditionFailure("a scorer threw \(error)") }
    }
}

/// Documents of `required`, optionally scored up by `optional`.
final class RequiredOptionalScorer: Scorer {
    let required: Scorer
    let optional: Scorer
    init(required: Scorer, optional: Scorer) {
        self.required = required
        self.optional = optional
        super.init()
        doc = required.doc
    }
    override func next() throws(KiteError) { try required.next(); doc = required.doc }
    override func advance(to target: Int) throws(KiteError) { try required.advance(to: target); doc = required.doc }
    override func score() throws(KiteError) -> Double {
        var s = try required.score()
        if optional.doc < doc { try optional.advance(to: doc) }
        if optional.doc == doc { s += try optional.score() }
        return s
    }
    override var maxScore: Double { required.maxScore + optional.maxScore }
    override var cost: Int { required.cost }
    override func blockEnd(from target: Int) -> Int { required.blockEnd(from: target) }
    override func maxScore(from: Int, upTo end: Int) -> Double {
        required.maxScore(from: from, upTo: end) + (optional.doc <= end ? optional.maxScore(from: from, upTo: end) : 0)
    }
}

/// Documents of `required` that `excluded` does not match.
final class ExclusionScorer: Scorer {
    let required: Scorer
    let excluded: Scorer
    init(required: Scorer, excluded: Scorer) throws(KiteError) {
        self.required = required
        self.excluded = excluded
        super.init()
        doc = required.doc
        try skipExcluded()
    }
    private func skipExcluded() throws(KiteError) {
        while required.doc != PostingsCursor.exhausted {
            if excluded.doc < required.doc { try excluded.advance(to: required.doc) }
            if excluded.doc != required.doc { break }
            try required.next()
        }
        doc = required.doc
    }
    override func next() throws(KiteError) { try required.next(); try skipExcluded() }
    override func advance(to target: Int) throws(KiteError) { try required.advance(to: target); try skipExcluded() }
    override func score() throws(KiteError) -> Double { try required.score() }
    override var maxScore: Double { required.maxScore }
    override var cost: Int { required.cost }
    override func blockEnd(from target: Int) -> Int { required.blockEnd(from: target) }
    override func maxScore(from: Int, upTo end: Int) -> Double { required.maxScore(from: from, upTo: end) }
}

/// Every document whose keyword ordinal is in a set (keyword and range filters); scores 0.
final class KeywordScorer: Scorer {
    let segment: SegmentReader
    let field: Int
    let accepted: [Bool]
    init(segment: SegmentReader, field: Int, accepted: [Bool]) {
        self.segment = segment
        self.field = field
        self.accepted = accepted
        super.init()
        doc = -1
        seek(0)
    }
    private func seek(_ from: Int) {
        var d = from
        while d < segment.docCount {
            if let o = segment.keywordOrdinal(field, d), accepted[o] { doc = d; return }
            d += 1
        }
        doc = PostingsCursor.exhausted
    }
    override var cost: Int { segment.docCount }
    override func next() throws(KiteError) { if doc != PostingsCursor.exhausted { seek(doc + 1) } }
    override func advance(to target: Int) throws(KiteError) { if doc < target { seek(target) } }
}

/// Every document.
final class AllScorer: Scorer {
    let count: Int
    init(count: Int) {
        self.count = count
        super.init()
        doc = count > 0 ? 0 : PostingsCursor.exhausted
    }
    override var cost: Int { count }
    override func next() throws(KiteError) { doc = doc + 1 < count ? doc + 1 : PostingsCursor.exhausted }
    override func advance(to target: Int) throws(KiteError) {
        if doc < target { doc = target < count ? target : PostingsCursor.exhausted }
    }
}

/// Matches nothing.
final class EmptyScorer: Scorer {
    override init() {
        super.init()
        doc = PostingsCursor.exhausted
    }
    override var cost: Int { 0 }
    override func next() throws(KiteError) {}
    override func advance(to target: Int) throws(KiteError) {}
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
