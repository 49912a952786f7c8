/// The documents a plan matches in one segment, as a set, without scoring them: what a search counts and facets
/// while its ranking skips the documents that cannot enter the top k (Lucene's `Weight.count` and bulk scorers
/// serve the same split). The rules are those of ``Planner/scorer(_:segment:)``, which a test holds them to.
extension Planner {
    /// The documents of `segment` that `plan` matches, deleted ones included, when they are found in bulk from
    /// postings; nil when finding them means walking a scorer anyway (a phrase, a filter, or a conjunction led by a
    /// far rarer clause) or when the walk is short (the plan's ``Scorer/cost`` is under `from`, by default
    /// ``bulkCost``): the ranking pass then counts them as it goes.
    ///
    /// With `conjunctionsOnly` (a top-k search that need not count), only a conjunction of two or more required
    /// clauses of close costs is found so: intersecting its sets and ranking window at a time within them beats
    /// walking it document at a time even when nothing needs counting (`+并 +条例` on short documents: 0.80 → 0.41 ms).
    func documentsInBulk(
        _ plan: Plan, segment: SegmentReader, from: Int = Planner.bulkCost, conjunctionsOnly: Bool = false
    ) throws(KiteError) -> DocSet? {
        switch plan {
        case .phrase, .keyword:
            return nil
        case .boolean(let clauses):
            let required = clauses.filter { $0.0 == .must || $0.0 == .filter }.map(\.1)
            if conjunctionsOnly && required.count < 2 { return nil }
            if try walksConjunction(required, segment: segment) { return nil }
        default:
            if conjunctionsOnly { return nil }
        }
        if try cost(plan, segment: segment) < from { return nil }
        return try documents(plan, segment: segment)
    }

    /// The documents of `segment` that `plan` matches, deleted ones included.
    func documents(_ plan: Plan, segment: SegmentReader) throws(KiteError) -> DocSet {
        let n = segment.docCount
        switch plan {
        case .none:
            return DocSet(capacity: n)
        case .all:
            return DocSet(capacity: n, full: true)
        case .text(let terms, _, _):
            var set = DocSet(capacity: n)
            var cursor: PostingsCursor?
            for t in terms {
                guard let info = try lookup(segment, field: t.field, t.term) else { continue }
                if let cursor { try cursor.reset(to: info) } else { cursor = try segment.postingsCursor(info) }
                try cursor!.insertAll(into: &set)
            }
            return set
        case .phrase, .keyword:
            var set = DocSet(capacity: n)
            let s = try scorer(plan, segment: segment)
            while s.doc != PostingsCursor.exhausted {
                set.insert(s.doc)
                try s.next()
            }
            return set
        case .fields(let plans):
            var set = DocSet(capacity: n)
            for p in plans { set.formUnion(try documents(p, segment: segment)) }
            return set
        case .boolean(let clauses):
            return try booleanDocuments(clauses, segment: segment)
        }
    }

    /// A boolean's documents: all required ones; else any optional one; else, with only exclusions, every
    /// document; less the excluded ones.
    private func booleanDocuments(_ clauses: [(Query.Occur, Plan)], segment: SegmentReader) throws(KiteError) -> DocSet {
        let n = segment.docCount
        let required = clauses.filter { $0.0 == .must || $0.0 == .filter }.map(\.1)
        var set: DocSet
        if !required.isEmpty {
            set = try conjunctionDocuments(required, segment: segment)
        } else if clauses.contains(where: { $0.0 == .should }) {
            set = DocSet(capacity: n)
            for (occur, p) in clauses where occur == .should { set.formUnion(try documents(p, segment: segment)) }
        } else {
            set = DocSet(capacity: n, full: clauses.contains { $0.0 == .mustNot })
        }
        for (occur, p) in clauses where occur == .mustNot { set.subtract(try documents(p, segment: segment)) }
        return set
    }

    /// The documents every plan of `plans` matches. When one is far rarer than another, a document-at-a-time
    /// conjunction led by the rarest visits the others only at its documents; otherwise the sets are intersected.
    private func conjunctionDocuments(_ plans: [Plan], segment: SegmentReader) throws(KiteError) -> DocSet {
        if let conjunction = try skewedConjunction(plans, segment: segment) {
            var set = DocSet(capacity: segment.docCount)
            while conjunction.doc != PostingsCursor.exhausted {
                set.insert(conjunction.doc)
                try conjunction.next()
            }
            return set
        }
        var set = try documents(plans[0], segment: segment)
        for p in plans.dropFirst() { set.formIntersection(try documents(p, segment: segment)) }
        return set
    }

    /// Below this many candidate documents, a plan's matches are counted by the ranking pass's walk rather than
    /// from sets: measured on laws.jsonl (3,475 long documents) and the same text as 45,519 short ones, decoding
    /// short lists a second time cost more than scoring every match (OR p50 +5-9 %, AND p50 +11-20 %), while long
    /// lists of common words gain (OR p95 0.5x on short documents).
    static let bulkCost = 2_048

    /// A non-scoring conjunction of `plans` led by the rarest, when one plan's cost is under a quarter of
    /// another's; nil when there are fewer than two plans or their costs are close (set intersection is then
    /// cheaper).
    private func skewedConjunction(_ plans: [Plan], segment: SegmentReader) throws(KiteError) -> Scorer? {
        guard try walksConjunction(plans, segment: segment) else { return nil }
        let scorers = try plans.map { (p: Plan) throws(KiteError) -> Scorer in try scorer(p, segment: segment) }
        return try ConjunctionScorer(leastCostFirst: scorers, scoring: scorers.map { _ in false })
    }

    /// Whether a conjunction of `plans` is better walked than intersected as sets: when one plan's cost is under
    /// a quarter of another's.
    private func walksConjunction(_ plans: [Plan], segment: SegmentReader) throws(KiteError) -> Bool {
        guard plans.count > 1 else { return false }
        let costs = try plans.map { (p: Plan) throws(KiteError) -> Int in try cost(p, segment: segment) }
        guard let cheapest = costs.min(), let dearest = costs.max() else { return false }
        return dearest / 4 > cheapest
    }

    /// The ``Scorer/cost`` of `plan`'s scorer in `segment`, from the term dictionary alone (no cursor opened).
    private func cost(_ plan: Plan, segment: SegmentReader) throws(KiteError) -> Int {
        switch plan {
        case .none:
            return 0
        case .all, .keyword:
            return segment.docCount
        case .text(let terms, _, _):
            var sum = 0
            for t in terms { sum += try lookup(segment, field: t.field, t.term)?.docFrequency ?? 0 }
            return sum
        case .phrase(let p):
            var least = Int.max
            for t in p.terms { least = min(least, try lookup(segment, field: p.field, t)?.docFrequency ?? 0) }
            return least
        case .fields(let plans):
            var sum = 0
            for p in plans { sum += try cost(p, segment: segment) }
            return sum
        case .boolean(let clauses):
            let required = clauses.filter { $0.0 == .must || $0.0 == .filter }
            var total = required.isEmpty ? 0 : Int.max
            for (occur, p) in clauses where occur != .mustNot {
                let c = try cost(p, segment: segment)
                total = required.isEmpty ? total + (occur == .should ? c : 0) : (occur == .should ? total : min(total, c))
            }
            return clauses.allSatisfy({ $0.0 == .mustNot }) ? segment.docCount : total
        }
    }
}
