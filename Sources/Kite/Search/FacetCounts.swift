/// Per-value counts of a keyword field over the matches of a search (``SearchOptions/facetField``): counted by
/// ordinal within a segment (``Segment``), merged by value across segments, and by value for a document whose
/// passages are gathered over segments.
struct FacetCounts {
    /// The keyword field counted (its index in the schema), or nil when no facet was asked for.
    let field: Int?
    private var byValue: [String: Int] = [:]

    init(field: Int?) { self.field = field }

    /// The counts of one segment, per ordinal of the field's values in it.
    struct Segment {
        fileprivate let field: Int?
        fileprivate let segment: SegmentReader
        fileprivate var counts: [Int]

        /// Counts document `d` of the segment under its value (a document without one is not counted).
        @inline(__always)
        mutating func count(_ d: Int) {
            if let f = field, let o = segment.keywordOrdinal(f, d) { counts[o] += 1 }
        }
    }

    /// Starts counting in `segment`.
    func begin(_ segment: SegmentReader) -> Segment {
        Segment(field: field, segment: segment, counts: field.map { [Int](repeating: 0, count: segment.keywordValues[$0].count) } ?? [])
    }

    /// Adds a segment's counts.
    mutating func end(_ s: Segment) {
        guard let f = field else { return }
        for (o, c) in s.counts.enumerated() where c > 0 { byValue[s.segment.keywordValues[f][o], default: 0] += c }
    }

    /// Counts one match under `value` (nil: it has none).
    mutating func count(value: String?) {
        if let value { byValue[value, default: 0] += 1 }
    }

    /// The field's value of document `d` of `segment`, if it has one.
    func value(of d: Int, in segment: SegmentReader) -> String? {
        field.flatMap { f in segment.keywordOrdinal(f, d).map { segment.keywordValues[f][$0] } }
    }

    /// Values with their counts, by value.
    var sorted: [(value: String, count: Int)] {
        byValue.map { (value: $0.key, count: $0.value) }.sorted { $0.value < $1.value }
    }
}
