
/// A point-in-time view of an index, for searching. Immutable and `Sendable`: share one among threads.
///
/// It sees the commit that was current when it was opened, whatever commits follow; open a new reader to see them.
public final class IndexReader: Sendable {
    /// The index directory.
    public let path: String
    /// The schema the index was built with.
    public let schema: Schema
    /// The analyzer the index was built with; queries are analyzed with it.
    public let analyzer: Analyzer
    /// The commit generation this reader sees.
    public let generation: UInt64
    let segments: [SegmentReader]
    let bases: [Int]
    /// Documents in all segments, deleted ones included (BM25's N, as in Lucene until a merge drops them).
    let totalDocuments: Int
    /// Per text field, the sum of lengths over all documents.
    let fieldLengthSums: [UInt64]

    /// Opens the current commit of the index at `path`.
    ///
    /// If `analyzer` is given and differs from the one the index was built with, throws
    /// ``KiteError/configurationMismatch(path:expected:found:)``.
    public init(at path: String, analyzer expected: AnalyzerConfiguration? = nil) throws(KiteError) {
        let (manifest, config, schema, segments) = try IndexReader.openCommit(path, expected: expected)
        self.path = path
        self.schema = schema
        self.analyzer = Analyzer(config)
        self.generation = manifest.generation
        self.segments = segments
        var bases: [Int] = []
        var total = 0
        for s in segments { bases.append(total); total += s.docCount }
        self.bases = bases
        self.totalDocuments = total
        self.fieldLengthSums = (0..<schema.textFields.count).map { f in
            segments.reduce(0) { $0 + $1.fields[f].sumLength }
        }
    }

    /// Reads the current manifest and maps every file it names, pinned against a writer's file removal
    /// (``IndexDirectory/pinned(_:_:)``; FORMAT.md, "Commit protocol").
    ///
    /// Where the directory cannot be locked, a file that vanished because a commit moved on sends the reader back to
    /// the newer manifest (each retry follows a new commit, as Lucene's `FindSegmentsFile`); a file missing from the
    /// commit that is still current is corruption.
    private static func openCommit(_ path: String, expected: AnalyzerConfiguration?) throws(KiteError)
        -> (Manifest, AnalyzerConfiguration, Schema, [SegmentReader])
    {
        var retries = 0
        while true {
            var generation: UInt64 = 0
            do {
                return try IndexDirectory.pinned(path) { () throws(KiteError) in
                    let manifest = try Manifest.read(directory: path)
                    generation = manifest.generation
                    let (config, schema) = try configuration(of: manifest, at: path, expected: expected)
                    var segments: [SegmentReader] = []
                    for info in manifest.segments {
                        segments.append(try SegmentReader(
                            directory: path, info: info, textFieldCount: schema.textFields.count,
                            keywordFieldCount: schema.keywordFields.count))
                    }
                    return (manifest, config, schema, segments)
                }
            } catch let error where error.isFileNotFound {
                let current = try Manifest.read(directory: path).generation
                guard case .io(let file, _, _) = error, current == generation else {
                    retries += 1
                    if retries > 100 { throw error }
                    continue
                }
                throw .corrupt(file: Manifest.fileName, reason: "names \(file.split(separator: "/").last ?? ""), which is missing")
            }
        }
    }

    /// The analyzer and schema a manifest names, checked against the running ICU and the caller's expectation.
    private static func configuration(of manifest: Manifest, at path: String, expected: AnalyzerConfiguration?)
        throws(KiteError) -> (AnalyzerConfiguration, Schema)
    {
        guard let config = AnalyzerConfiguration(fingerprint: manifest.analyzer),
            config.segmenter != .icu || manifest.analyzer.hasPrefix("icu\(ICUVersion.major);")
        else {
            throw .configurationMismatch(path: path, expected: AnalyzerConfiguration.default.fingerprint, found: manifest.analyzer)
        }
        if let expected, expected.fingerprint != manifest.analyzer {
            throw .configurationMismatch(path: path, expected: expected.fingerprint, found: manifest.analyzer)
        }
        guard let schema = Schema(fingerprint: manifest.schema) else {
            throw .corrupt(file: Manifest.fileName, reason: "unreadable schema \(manifest.schema)")
        }
        return (config, schema)
    }

    /// The on-disk format version this build reads and writes (FORMAT.md); an index of another version is
    /// ``KiteError/unsupportedVersion(file:version:)``.
    public static let formatVersion = FileFormat.version

    /// Live (not deleted) documents.
    public var documentCount: Int { segments.reduce(0) { $0 + $1.liveCount } }
    /// Documents deleted but still in segments (until a merge drops them).
    public var deletedCount: Int { segments.reduce(0) { $0 + $1.deletes.count } }
    /// Number of segments.
    public var segmentCount: Int { segments.count }

    /// Parses `query` with ``QueryParser`` for this index's schema and searches it.
    public func search(_ query: String, options: SearchOptions = SearchOptions()) throws(KiteError) -> SearchResults {
        try search(QueryParser(schema: schema).parse(query), options: options)
    }

    /// Searches `query`: the documents that match it (``SearchOptions/match``), ranked by BM25 with index-wide
    /// statistics, top-k, per-value counts of a keyword field and highlights.
    public func search(_ query: Query, options: SearchOptions = SearchOptions()) throws(KiteError) -> SearchResults {
        try Planner.validateLimits(query)
        if options.match != .any { return try matchingSearch(query, options: options) }
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

    /// Loads stored fields and highlights of `ranked`.
    func hits(_ ranked: [Ranked], _ query: Query, _ planner: Planner, _ options: SearchOptions) throws(KiteError) -> [Hit] {
        var hits: [Hit] = []
        let highlightTerms = options.highlights ? planner.highlightTerms(query) : [:]
        for r in ranked {
            let (si, local) = locate(r.entry.doc)
            let segment = segments[si]
            let fields = options.storedFields || options.highlights ? try typed { try segment.storedFields(local) } : [:]
            var highlights: [String: [Range<Int>]] = [:]
            if options.highlights {
                for name in schema.textFields {
                    guard let value = fields[name] else { continue }
                    let wanted = (highlightTerms[name] ?? []).union(highlightTerms[""] ?? [])
                    if wanted.isEmpty { continue }
                    let ranges = try highlight(value, terms: wanted)
                    if !ranges.isEmpty { highlights[name] = ranges }
                }
            }
            let id = segment.id(of: local) ?? ""
            hits.append(Hit(id: id, score: r.entry.score, fields: options.storedFields ? fields : [:], highlights: highlights,
                            documentID: r.documentID ?? PassageID.document(of: id) ?? id, matchingPassages: r.passages,
                            passages: r.passageDocs.map { g in let (s, l) = locate(g); return segments[s].id(of: l) ?? "" },
                            isRelated: r.related))
        }
        return hits
    }

    func locate(_ global: Int) -> (Int, Int) {
        var lo = 0, hi = bases.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if bases[mid] <= global { lo = mid + 1 } else { hi = mid }
        }
        return (lo - 1, global - bases[lo - 1])
    }

    /// Byte ranges of `terms` in `text` as this index's analyzer sees them, merged where they overlap.
    func highlight(_ text: String, terms: Set<String>) throws(KiteError) -> [Range<Int>] {
        let analyzed: [AnalyzedTerm]
        do { analyzed = try analyzer.terms(in: text) } catch { throw .analysis(error) }
        var ranges = analyzed.filter { terms.contains($0.text) }.map(\.sourceRange).sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for r in ranges {
            if let last = merged.last, r.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        ranges = merged
        return ranges
    }

    /// The distinct values of keyword field `field` in the index, sorted (empty for an unknown field).
    public func values(ofKeyword field: String) -> [String] {
        guard let f = schema.keywordFields.firstIndex(of: field) else { return [] }
        return Set(segments.flatMap { $0.keywordValues[f] }).sorted()
    }

    /// The stored fields of the live document with external id `id`, if any.
    public func document(id: String) throws(KiteError) -> [String: String]? {
        for segment in segments.reversed() {
            for d in segment.documents(withID: id) where !segment.deletes.contains(d) {
                return try typed { try segment.storedFields(d) }
            }
        }
        return nil
    }
}

/// A bounded min-heap keeping the k best (score, doc) pairs; ties prefer the earlier document.
struct TopK {
    let capacity: Int
    private(set) var items: [(score: Double, doc: Int)] = []

    init(capacity: Int) {
        self.capacity = capacity
        items.reserveCapacity(min(capacity, 1 << 16))
    }

    /// True if a is worse than b.
    @inline(__always) private static func worse(_ a: (score: Double, doc: Int), _ b: (score: Double, doc: Int)) -> Bool {
        a.score < b.score || (a.score == b.score && a.doc > b.doc)
    }

    /// The score a document must beat to enter (−∞ until full).
    var threshold: Double { items.count < capacity ? -.infinity : items[0].score }
    var isFull: Bool { items.count >= capacity }

    @inline(__always)
    mutating func offer(score: Double, doc: Int) {
        // The common case of a long result list: not better than the worst kept.
        if items.count == capacity && (capacity == 0 || score < items[0].score) { return }
        insert(score: score, doc: doc)
    }

    private mutating func insert(score: Double, doc: Int) {
        guard capacity > 0 else { return }
        let e = (score: score, doc: doc)
        if items.count < capacity {
            items.append(e)
            var i = items.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if TopK.worse(items[i], items[p]) { items.swapAt(i, p); i = p } else { break }
            }
        } else if TopK.worse(items[0], e) {
            items[0] = e
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && TopK.worse(items[l], items[m]) { m = l }
                if r < items.count && TopK.worse(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
    }

    func sorted() -> [(score: Double, doc: Int)] {
        items.sorted { TopK.worse($1, $0) }
    }
}
