/// The search of ``MatchMode/exact`` and ``MatchMode/related``: match sets first, ranking over them, related
/// documents after.
extension IndexReader {
    /// A scored passage: reader-wide number, and its number within its document (ties go to the lower).
    typealias ScoredPassage = (score: Double, doc: Int, number: Int)

    /// A document split into passages, gathered over segments: whether the tree accepts it (decided from the
    /// leaves its passages hold, before any scoring), and its matching passages, scored: those that hold one of the
    /// query's passage leaves (``MatchTree/passageLeaves``), else those that hold only other positive leaves (a
    /// filter, in `统计 OR period:2022`). Its leaves are bits of ``Collection/groupLeaves``, its scored passages
    /// entries of ``Collection/scoredPassages``: no array of its own (a common word gathers thousands of groups).
    private struct PassageGroup {
        /// The segment and the ordinal in its ``PassageTable`` where the document was first seen (its key).
        let segment: Int32
        let ordinal: Int32
        var facet: String?
        /// Whether a passage holds a passage leaf; whether one holds only other positive leaves.
        var holdsPassageLeaf = false
        var holdsOtherPositive = false
        var accepted = false
        /// How many matching passages were scored, and the best (equal scores: the lower passage number).
        var scored = 0
        var best: ScoredPassage = (-.infinity, 0, 0)

        /// Whether a passage that holds a passage leaf (`leaf`) or only other positive ones is a matching one.
        func counts(passageLeaf leaf: Bool) -> Bool { leaf || !holdsPassageLeaf }

        /// Records a scored matching passage.
        mutating func record(_ p: ScoredPassage) {
            if scored == 0 || p.score > best.score || (p.score == best.score && p.number < best.number) { best = p }
            scored += 1
        }
    }

    /// One segment's matches: the leaves' sets, the documents that match whole, the passages any leaf holds, and
    /// of those the ones that hold a positive leaf and a passage leaf (``gatherPassages(_:segment:into:)``).
    private struct SegmentMatches {
        var sets: [DocSet]
        var matched: DocSet
        var passages: DocSet
        var holdingPositive: DocSet
        var holdingPassageLeaf: DocSet
    }

    private func segmentMatches(_ tree: MatchTree, _ segment: SegmentReader) throws(KiteError) -> SegmentMatches {
        let table = segment.passageTable
        // Without passages, only the tree's verdict is wanted, not every leaf's exact documents.
        let sets = try tree.leafSets(segment, exactly: !table.isEmpty)
        let none = DocSet(capacity: segment.docCount)
        var m = SegmentMatches(sets: sets, matched: tree.evaluate(sets, capacity: segment.docCount), passages: none,
                               holdingPositive: none, holdingPassageLeaf: none)
        guard !table.isEmpty else { return m }
        for s in sets { m.passages.formUnion(s) }
        m.passages.formIntersection(table.passages)
        m.matched.subtract(m.passages)
        return m
    }

    /// What a matching search gathers while it walks the segments: the top k, counts, facets, the passages of
    /// documents split into passages (decided after every segment), and candidates for related documents.
    private struct Collection {
        let k: Int
        /// Per leaf, whether it makes a passage a matching one (``MatchTree/passageLeaves``).
        let passageLeaves: [Bool]
        /// Per leaf, whether it is not under a `NOT` (``MatchTree/positiveLeaves``).
        let positiveLeaves: [Bool]
        /// Related documents are picked from the ranking pass itself (see ``matchingSearch(_:options:)``).
        let picksRelated: Bool
        /// Sorted by period, every match is ranked: the order is the period's, the score only breaks ties.
        let sorting: Bool
        var heap: TopK
        var relatedHeap: TopK
        /// Whether the ranking pass saw the unmatched documents (only the window-at-a-time ranking does).
        var relatedSeen = true
        var total = 0
        var facets: FacetCounts
        /// Documents split into passages, in order of first sight.
        var groups: [PassageGroup] = []
        /// The leaves each group's passages hold: `leafWords` bit words per group, group after group.
        let leafWords: Int
        var groupLeaves: [UInt64] = []
        /// The scored matching passages of accepted groups, in scoring order.
        var scoredPassages: [(group: Int32, passage: ScoredPassage)] = []
        /// The reader's documents split into passages, and the group of each (-1: none of its passages holds a leaf).
        let passageDocuments: PassageDocuments
        var groupOf: [Int32]
        var everyMatch: [(score: Double, doc: Int)] = []
        var matchedWhole: [DocSet] = []
    }

    func matchingSearch(_ query: Query, options: SearchOptions) throws(KiteError) -> SearchResults {
        let planner = Planner(reader: self, ranking: options.ranking)
        let tree = try MatchTree(query, planner: planner, reader: self, rule: options.textMatching)
        let k = options.capacity
        var found: [SegmentMatches] = []
        for segment in segments { found.append(try segmentMatches(tree, segment)) }
        // Planned after matching, which has sought the chunks' words: the plan's lookups of them need no seek.
        let searcher = Searcher(reader: self, plan: try planner.plan(MatchTree.rankingQuery(query)), planner: planner,
                                windowed: options.windowedScoring)
        // Counts come from the sets, so a segment without passages ranks only its matches' top k, skipping what
        // cannot enter it — unless related documents will be wanted (fewer matches than k): in an index without
        // passages one window-at-a-time pass then scores the matches and picks the related ones, skipping what
        // cannot enter those (``rankWithRelated(_:_:segment:options:into:)``); with passages, the window-at-a-time
        // ranking scores every document with a query term once and the related ones are picked from that pass (room
        // for several passages of one document; a document keeps its best), unless at most `Searcher.directLimit`
        // documents are to be scored: they are scored one by one, and the related ones come from a pass of their own
        // that skips what cannot enter (``relatedDocuments(_:_:accepted:_:options:)``).
        let matchedWhole = found.reduce(0, { $0 + $1.matched.count })
        let picksRelated = options.match == .related && options.windowedScoring && matchedWhole < k
        let passageLeaves = leafFlags(tree.passageLeaves, found)
        var c = Collection(
            k: k, passageLeaves: passageLeaves, positiveLeaves: leafFlags(tree.positiveLeaves, found),
            picksRelated: picksRelated, sorting: options.sort != .score,
            heap: TopK(capacity: k), relatedHeap: TopK(capacity: picksRelated ? relatedRoom(k - matchedWhole, k: k) : 0),
            facets: FacetCounts(field: options.facetField.flatMap { schema.keywordFields.firstIndex(of: $0) }),
            leafWords: (passageLeaves.count + 63) / 64,
            passageDocuments: passageDocuments, groupOf: [Int32](repeating: -1, count: passageDocuments.count))
        // Documents split into passages are accepted or not from the sets of all segments first; only the
        // matching passages of accepted ones are scored.
        for si in found.indices { gatherPassages(&found[si], segment: si, into: &c) }
        c.groupLeaves.withUnsafeBufferPointer { bits in
            for g in c.groups.indices where c.groups[g].holdsPassageLeaf || c.groups[g].holdsOtherPositive {
                let base = g * c.leafWords
                c.groups[g].accepted = tree.accepts { i in bits[base + i >> 6] & (1 << UInt64(i & 63)) != 0 }
            }
        }
        for (si, m) in found.enumerated() {
            try collect(m, segment: si, searcher, options: options, into: &c)
        }
        documentsOfPassages(&c)
        let best = c.sorting ? Array(byPeriod(c.everyMatch, options.sort).prefix(k)) : c.heap.sorted()
        var ranked = rankedDocuments(best, c)
        if options.match == .related && ranked.count < k {
            let accepted = acceptedDocuments(c)
            ranked += try relatedDocuments(k - ranked.count, c, accepted: accepted, searcher, options: options)
        }
        let page = Array(ranked.dropFirst(max(0, options.offset)))
        return SearchResults(totalHits: c.total, totalHitsIsExact: true, hits: try hits(page, query, planner, options, tree: tree),
                             facets: c.facets.sorted)
    }

    /// Room for the best `wanted` related documents of a search of `k`: as many, or, with documents of passages,
    /// several passages of one document (it keeps its best; how many documents of passages match is not known
    /// yet, so room for `k`) — `k` ≤ 2³¹ (``SearchOptions/capacity``).
    private func relatedRoom(_ wanted: Int, k: Int) -> Int {
        passageDocuments.count == 0 ? wanted : k * 4 + 16
    }

    /// Per leaf of the segments' sets, whether it is one of `leaves`.
    private func leafFlags(_ leaves: [Int], _ found: [SegmentMatches]) -> [Bool] {
        var flags = [Bool](repeating: false, count: found.first?.sets.count ?? 0)
        for l in leaves where l < flags.count { flags[l] = true }
        return flags
    }

    /// Gathers the passages of segment `si` into their documents' groups: the leaves each holds, and which
    /// passages hold a positive leaf and a passage leaf.
    private func gatherPassages(_ m: inout SegmentMatches, segment si: Int, into c: inout Collection) {
        if m.passages.isEmpty { return }
        let segment = segments[si]
        let table = c.passageDocuments.tables[si], numbers = c.passageDocuments.numbers[si]
        for (i, set) in m.sets.enumerated() {
            if c.passageLeaves[i] { m.holdingPassageLeaf.formUnion(set) }
            if c.positiveLeaves[i] { m.holdingPositive.formUnion(set) }
        }
        m.holdingPassageLeaf.formIntersection(m.passages)
        m.holdingPositive.formIntersection(m.passages)
        // Groups in order of first sight.
        for d in m.passages {
            let number = Int(numbers[Int(table.ordinals[d])])
            guard c.groupOf[number] < 0 else { continue }
            c.groupOf[number] = Int32(c.groups.count)
            c.groups.append(PassageGroup(segment: Int32(si), ordinal: table.ordinals[d], facet: c.facets.value(of: d, in: segment)))
        }
        c.groupLeaves.append(contentsOf: repeatElement(0, count: (c.groups.count * c.leafWords) - c.groupLeaves.count))
        func group(_ d: Int) -> Int { Int(c.groupOf[Int(numbers[Int(table.ordinals[d])])]) }
        for d in m.holdingPassageLeaf { c.groups[group(d)].holdsPassageLeaf = true }
        var others = m.holdingPositive
        others.subtract(m.holdingPassageLeaf)
        for d in others { c.groups[group(d)].holdsOtherPositive = true }
        // The leaves each group holds, leaf by leaf.
        for (i, set) in m.sets.enumerated() {
            var held = set
            held.formIntersection(m.passages)
            let word = i >> 6, bit: UInt64 = 1 << UInt64(i & 63)
            for d in held { c.groupLeaves[group(d) * c.leafWords + word] |= bit }
        }
    }

    /// Counts one segment's whole matches, ranks them, and scores the matching passages of accepted documents
    /// into their groups.
    private func collect(
        _ m: SegmentMatches, segment si: Int, _ searcher: Searcher, options: SearchOptions, into c: inout Collection
    ) throws(KiteError) {
        let segment = segments[si]
        c.matchedWhole.append(m.matched)
        c.total += m.matched.count
        if c.facets.field != nil {
            var counts = c.facets.begin(segment)
            for d in m.matched { counts.count(d) }
            c.facets.end(counts)
        }
        // The matching passages of accepted documents.
        let table = c.passageDocuments.tables[si], numbers = c.passageDocuments.numbers[si]
        func group(_ d: Int) -> Int { Int(c.groupOf[Int(numbers[Int(table.ordinals[d])])]) }
        var passages = DocSet(capacity: segment.docCount)
        for d in m.holdingPositive {
            let g = group(d)
            if c.groups[g].accepted && c.groups[g].counts(passageLeaf: m.holdingPassageLeaf.contains(d)) { passages.insert(d) }
        }
        if !c.picksRelated && !c.sorting && passages.isEmpty {
            try rankMatches(m.matched, searcher, segment: si, options: options, heap: &c.heap)
            return
        }
        if c.picksRelated && !c.sorting && passageDocuments.count == 0 {
            try rankWithRelated(m.matched, searcher, segment: si, options: options, into: &c)
            return
        }
        var toScore = m.matched
        toScore.formUnion(passages)
        let base = bases[si]
        let deletes = segment.deletes
        let seen = try searcher.score(
            toScore, segment: segment,
            others: { d, score in if !deletes.contains(d) { c.relatedHeap.offer(score: score, doc: base + d) } }) {
            (d: Int, score: Double) throws(KiteError) in
            guard passages.contains(d) else {
                c.heap.offer(score: score, doc: base + d)
                if c.sorting { c.everyMatch.append((score, base + d)) }
                return
            }
            if c.picksRelated && score > 0 { c.relatedHeap.offer(score: score, doc: base + d) }
            let g = group(d), scored: ScoredPassage = (score, base + d, Int(table.numbers[d]))
            c.groups[g].record(scored)
            c.scoredPassages.append((Int32(g), scored))
        }
        c.relatedSeen = seen && c.relatedSeen
    }

    /// Few matches, related documents wanted, no passages: one ranking pass scores the matches and offers every
    /// other document to the related heap, skipping what cannot enter it (the matches it skipped are scored one
    /// by one after) — instead of scoring the matches one by one and ranking again for the related ones.
    private func rankWithRelated(
        _ matched: DocSet, _ searcher: Searcher, segment si: Int, options: SearchOptions, into c: inout Collection
    ) throws(KiteError) {
        let base = bases[si]
        var heap = c.heap
        defer { c.heap = heap }
        guard let seen = try searcher.rank(
            segment: si, matches: matched, pruning: options.ranking.admitsPruning,
            matched: { d, score in heap.offer(score: score, doc: base + d) }, related: &c.relatedHeap) else {
            c.relatedSeen = false
            try rankMatches(matched, searcher, segment: si, options: options, heap: &heap)
            return
        }
        var unseen = matched
        unseen.subtract(seen)
        if unseen.isEmpty { return }
        try searcher.score(unseen, segment: segments[si]) { (d: Int, score: Double) in heap.offer(score: score, doc: base + d) }
    }

    /// Documents of passages that the tree accepts: one match each, at the best passage (of equal ones, the lowest
    /// passage number).
    private func documentsOfPassages(_ c: inout Collection) {
        for group in c.groups where group.accepted {
            c.total += 1
            c.facets.count(value: group.facet)
            guard group.scored > 0 else { continue }  // (each accepted group's matching passages were all scored)
            let best = group.best
            c.heap.offer(score: best.score, doc: best.doc)
            if c.sorting { c.everyMatch.append((best.score, best.doc)) }
        }
    }

    /// The ranked entries as hits-to-be: an accepted document of passages with its id and its matching passages,
    /// best first (equal scores go to the lower passage number, whatever segments or shards they are in).
    private func rankedDocuments(_ best: [(score: Double, doc: Int)], _ c: Collection) -> [Ranked] {
        let groups = best.map { e in group(ofPassage: e.doc, c).flatMap { c.groups[$0].accepted ? $0 : nil } }
        guard groups.contains(where: { $0 != nil }) else { return best.map { Ranked(entry: $0) } }
        var slot = [Int32](repeating: -1, count: c.groups.count)
        for (i, g) in groups.enumerated() { if let g { slot[g] = Int32(i) } }
        var passages = [[ScoredPassage]](repeating: [], count: best.count)
        for (g, p) in c.scoredPassages where slot[Int(g)] >= 0 { passages[Int(slot[Int(g)])].append(p) }
        return best.indices.map { i in
            guard let g = groups[i] else { return Ranked(entry: best[i]) }
            let order = passages[i].sorted { $0.score > $1.score || ($0.score == $1.score && $0.number < $1.number) }
            let key = c.passageDocuments.tables[Int(c.groups[g].segment)].documents[Int(c.groups[g].ordinal)]
            return Ranked(entry: best[i], documentID: key.string, passages: order.count, passageDocs: order.map(\.doc))
        }
    }

    /// The group of the document the passage with reader-wide number `global` belongs to, if it was gathered.
    private func group(ofPassage global: Int, _ c: Collection) -> Int? {
        let (si, d) = locate(global)
        guard let o = c.passageDocuments.tables[si].ordinal(of: d) else { return nil }
        let g = Int(c.groupOf[Int(c.passageDocuments.numbers[si][o])])
        return g >= 0 ? g : nil
    }

    /// Per segment, per document of its ``PassageTable``, whether the document was accepted (so none of its
    /// passages is a related one), through the reader-wide document numbers.
    private func acceptedDocuments(_ c: Collection) -> [[Bool]] {
        c.passageDocuments.numbers.map { numbers in
            numbers.map { n in
                let g = Int(c.groupOf[Int(n)])
                return g >= 0 && c.groups[g].accepted
            }
        }
    }

    /// The passage number of the passage with reader-wide number `global` (`id#n` → n; 0 for another id).
    private func passageNumber(_ global: Int) -> Int {
        let (si, d) = locate(global)
        return segments[si].passageTable.number(of: d)
    }

    /// Up to `wanted` related documents: not matched, not a passage of an accepted document; from the ranking
    /// pass's candidates when it saw them all, else from a ranking pass of their own.
    private func relatedDocuments(
        _ wanted: Int, _ c: Collection, accepted: [[Bool]], _ searcher: Searcher, options: SearchOptions
    ) throws(KiteError) -> [Ranked] {
        let tables = c.passageDocuments.tables
        func admit(_ si: Int, _ d: Int) -> Bool {
            if c.matchedWhole[si].contains(d) { return false }
            if let o = tables[si].ordinal(of: d), accepted[si][o] { return false }
            return true
        }
        var picked = c.picksRelated && c.relatedSeen ? pick(c.relatedHeap, wanted: wanted, admit: admit) : []
        // Without the window-at-a-time pass, or when accepted documents' passages crowded the heap: rank again.
        if !c.picksRelated || !c.relatedSeen || (picked.count < wanted && c.relatedHeap.isFull) {
            picked = try related(searcher, options: options, wanted: wanted, admit: admit)
        }
        return picked
    }

    /// `entries` in the order of their documents' `period` keyword (``HitOrder``), ties by score, then by document;
    /// documents without a period last.
    private func byPeriod(_ entries: [(score: Double, doc: Int)], _ order: HitOrder) -> [(score: Double, doc: Int)] {
        let field = schema.keywordFields.firstIndex(of: "period")
        func key(_ doc: Int) -> (Int, Int)? {
            let (si, local) = locate(doc)
            guard let f = field, let o = segments[si].keywordOrdinal(f, local),
                  let p = ReportPeriod(segments[si].keywordValues[f][o]) else { return nil }
            return (p.year * 100 + p.months.upperBound, p.year * 100 + p.months.lowerBound)
        }
        let keyed = entries.map { (entry: $0, key: key($0.doc)) }
        return keyed.sorted { a, b in
            switch (a.key, b.key) {
            case let (x?, y?) where x != y: return order == .newest ? x > y : x < y
            case (nil, _?): return false
            case (_?, nil): return true
            default: return a.entry.score > b.entry.score || (a.entry.score == b.entry.score && a.entry.doc < b.entry.doc)
            }
        }.map(\.entry)
    }

    /// Offers the best of `matched` to `heap`, skipping documents that cannot enter it (block-max / MaxScore, as a
    /// top-k search). A matching document without any of the ranking's terms scores 0 and still enters while
    /// there is room, in document order.
    private func rankMatches(
        _ matched: DocSet, _ searcher: Searcher, segment si: Int, options: SearchOptions, heap: inout TopK
    ) throws(KiteError) {
        guard heap.capacity > 0 else { return }  // counting only
        if matched.hasAtMost(Searcher.directLimit) {
            // A few matches: scored one by one, not found in a pass over every posting of the query's terms.
            try searcher.score(matched, segment: segments[si]) { (d: Int, score: Double) in heap.offer(score: score, doc: bases[si] + d) }
            return
        }
        var scored = DocSet(capacity: matched.capacity)
        try searcher.rank(segment: si, pruning: options.ranking.admitsPruning, heap: &heap) { (d: Int) throws(KiteError) -> Bool in
            guard matched.contains(d) else { return false }
            scored.insert(d)
            return true
        }
        guard !heap.isFull else { return }
        for d in matched where !scored.contains(d) { heap.offer(score: 0, doc: bases[si] + d) }
    }

    /// The best `wanted` documents that do not match (`admit`), one per document (its best passage), by the
    /// ranking alone; skipping what cannot enter them.
    private func related(
        _ searcher: Searcher, options: SearchOptions, wanted: Int, admit: (Int, Int) -> Bool
    ) throws(KiteError) -> [Ranked] {
        var heap = TopK(capacity: relatedRoom(wanted, k: wanted))
        for si in segments.indices {
            try searcher.rank(segment: si, pruning: options.ranking.admitsPruning, heap: &heap) { d in admit(si, d) }
        }
        return pick(heap, wanted: wanted, admit: admit)
    }

    /// The best `wanted` documents of `heap` that `admit` lets through, one per document (its best passage; of
    /// equal ones the lowest passage number, whatever segments or shards they are in).
    private func pick(_ heap: TopK, wanted: Int, admit: (Int, Int) -> Bool) -> [Ranked] {
        let sorted = heap.sorted()
        var chosen: [Int] = []  // indices into `sorted`
        var byDocument: [UTF8Key: Int] = [:]  // a passage's document → its place in `chosen`
        for (i, e) in sorted.enumerated() {
            let (si, local) = locate(e.doc)
            guard admit(si, local) else { continue }
            guard let document = segments[si].passageTable.document(of: local) else {
                chosen.append(i)
                continue
            }
            if let at = byDocument[document] {
                let kept = sorted[chosen[at]]
                if kept.score == e.score && passageNumber(e.doc) < passageNumber(kept.doc) { chosen[at] = i }
                continue
            }
            byDocument[document] = chosen.count
            chosen.append(i)
        }
        return chosen.prefix(wanted).map { i in
            let (si, local) = locate(sorted[i].doc)
            let document = segments[si].passageTable.document(of: local)?.string
            return Ranked(entry: sorted[i], documentID: document, related: true)
        }
    }
}
