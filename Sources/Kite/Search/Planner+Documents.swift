/// The documents a plan matches in one segment, as a set, without scoring them: what a search counts and facets
/// while its ranking skips the documents that cannot enter the top k (Lucene's `Weight.count` and bulk scorers
/// serve the same split). The rules are those of ``Planner/scorer(_:segment:)``, which a test holds them to.
extension Planner {
    /// The documents of `segment` that `plan` matches, deleted ones included, when they are found in bulk from
    /// postings; nil when finding them means walking a scorer anyway (a phrase, a filter, or a conjunction led by a
    /// far rarer clause), which the ranking pass can count as it goes.
    func documentsInBulk(_ plan: Plan, segment: SegmentReader) throws(KiteError) -> DocSet? {
        switch plan {
        case .phrase, .keyword:
            return nil
        case .boolean(let clauses):
            let required = clauses.filter { $0.0 == .must || $0.0 == .filter }.map(\.1)
            if try skewedConjunction(required, segment: segment) != nil { return nil }
        default:
            break
        }
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

    /// A non-scoring conjunction of `plans` led by the rarest, when one plan's cost is under a quarter of
    /// another's; nil when there are fewer than two or their costs are close (set intersection is then cheaper).
    private func skewedConjunction(_ plans: [Plan], segment: SegmentReader) throws(KiteError) -> Scorer? {
        guard plans.count > 1 else { return nil }
        let scorers = try plans.map { (p: Plan) throws(KiteError) -> Scorer in try scorer(p, segment: segment) }
        let costs = scorers.map(\.cost)
        guard let cheapest = costs.min(), let dearest = costs.max(), dearest / 4 > cheapest else { return nil }
        return try ConjunctionScorer(leastCostFirst: scorers, scoring: scorers.map { _ in false })
    }
}
