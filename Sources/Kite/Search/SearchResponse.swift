/// The JSON contract of a search: what `kite search --json` prints (one object) and `--json-lines` prints (one
/// ``Hit`` object per line), and what a program embedding Kite can encode to hand results on.
///
/// Encode it with `JSONEncoder` (`.sortedKeys`; UTF-8 text is written as is). Offsets come in two units, both named:
/// `utf8Start`/`utf8End` count UTF-8 bytes, `start`/`end` count Unicode scalars (Python's `str` indices; a
/// JavaScript string counts UTF-16 units, which differ only outside the Basic Multilingual Plane). README.md
/// ("JSON output") lists every field. ``schemaVersion`` changes when a field changes meaning or goes away; new fields
/// may be added within a version.
public struct SearchResponse: Codable, Hashable, Sendable {
    /// The version of this contract (``currentSchemaVersion``).
    public var schemaVersion: Int
    /// The query as given.
    public var query: String
    /// Matching documents (``MatchMode/exact`` and ``MatchMode/related``) or hits (``MatchMode/any``), counted
    /// exactly.
    public var totalHits: Int
    /// Per period (the facet field's values), how many of them; sorted by period.
    public var periods: [PeriodCount]
    /// The hits shown, best first.
    public var hits: [Hit]

    /// The schema version this Kite writes.
    public static let currentSchemaVersion = 1

    /// A period and its count.
    public struct PeriodCount: Codable, Hashable, Sendable {
        /// The period (the facet field's value).
        public var period: String
        /// Matching documents with that period.
        public var count: Int
    }

    /// A range of text in both units.
    public struct Span: Codable, Hashable, Sendable {
        /// Start in Unicode scalars.
        public var start: Int
        /// End (exclusive) in Unicode scalars.
        public var end: Int
        /// Start in UTF-8 bytes.
        public var utf8Start: Int
        /// End (exclusive) in UTF-8 bytes.
        public var utf8End: Int

        /// The span of UTF-8 byte range `range` of `text` (which must lie on scalar boundaries, as Kite's do).
        public init(_ range: Range<Int>, in text: String) {
            self = Span.spans([range], in: text)[0]
        }

        /// The spans of UTF-8 byte ranges `ranges` of `text`, in one pass over the text (a long field with many
        /// highlights costs its length once, not once per highlight). Offsets past the end count as the end.
        public static func spans(_ ranges: [Range<Int>], in text: String) -> [Span] {
            var boundaries = ranges.flatMap { [$0.lowerBound, $0.upperBound] }.map { max(0, $0) }
            boundaries = Array(Set(boundaries)).sorted()
            var scalarsAt: [Int: Int] = [:]
            var next = 0, scalars = 0, offset = 0
            for byte in text.utf8 {
                while next < boundaries.count && boundaries[next] <= offset { scalarsAt[boundaries[next]] = scalars; next += 1 }
                if byte & 0xC0 != 0x80 { scalars += 1 }
                offset += 1
            }
            while next < boundaries.count { scalarsAt[boundaries[next]] = scalars; next += 1 }
            return ranges.map { r in
                Span(start: scalarsAt[max(0, r.lowerBound)]!, end: scalarsAt[max(0, r.upperBound)]!,
                     utf8Start: r.lowerBound, utf8End: r.upperBound)
            }
        }

        private init(start: Int, end: Int, utf8Start: Int, utf8End: Int) {
            self.start = start
            self.end = end
            self.utf8Start = utf8Start
            self.utf8End = utf8End
        }
    }

    /// One hit.
    public struct Hit: Codable, Hashable, Sendable {
        /// 1 for the best hit (after the offset).
        public var rank: Int
        /// The id that was indexed (a passage `id#n` of a long document).
        public var id: String
        /// The document the hit stands for (the passage's document, or `id`).
        public var documentId: String
        /// The ranking score (BM25 with proximity bonuses; comparable within one search only).
        public var score: Double
        /// `exact` (it matches the query), `related` (it shares words with the query; not counted) or `any`
        /// (``MatchMode/any``: no matching was done).
        public var match: String
        /// How many passages of the document match (1 for a document not split into passages).
        public var matchingPassages: Int
        /// The ids of those passages, best first, when there are several.
        public var passages: [String]?
        /// Stored fields.
        public var fields: [String: String]
        /// Highlighted query terms per text field.
        public var highlights: [String: [Span]]
        /// An excerpt of the body around the highlights, with its own highlights.
        public var snippet: Snippet?
    }

    /// An excerpt and its highlights.
    public struct Snippet: Codable, Hashable, Sendable {
        /// The excerpt, whitespace collapsed; "…" marks cut ends.
        public var text: String
        /// The query's terms in ``text``.
        public var highlights: [Span]
    }

    /// The response for `results` of `query`, hits ranked from `firstRank`, with body snippets of about
    /// `snippetCharacters` characters.
    public init(_ results: SearchResults, query: String, mode: MatchMode = .related, firstRank: Int = 1,
                snippetCharacters: Int = 100) {
        schemaVersion = Self.currentSchemaVersion
        self.query = query
        totalHits = results.totalHits
        periods = results.facets.map { PeriodCount(period: $0.value, count: $0.count) }
        hits = results.hits.enumerated().map { i, h in
            var highlights: [String: [Span]] = [:]
            for (field, ranges) in h.highlights {
                guard let text = h.fields[field] else { continue }
                highlights[field] = Span.spans(ranges, in: text)
            }
            let snippet = h.fields["body"].map { body in
                let s = Kite.Snippet(text: body, highlights: h.highlights["body"] ?? [], maxCharacters: snippetCharacters)
                return Snippet(text: s.text, highlights: Span.spans(s.highlights, in: s.text))
            }
            return Hit(rank: firstRank + i, id: h.id, documentId: h.documentID, score: h.score,
                       match: mode == .any ? "any" : (h.isRelated ? "related" : "exact"),
                       matchingPassages: h.matchingPassages, passages: h.passages.count > 1 ? h.passages : nil,
                       fields: h.fields, highlights: highlights, snippet: snippet)
        }
    }
}

extension Kite.Hit {
    /// The stored text of `field` with each highlighted range wrapped in `open` and `close` (for a terminal, HTML
    /// `<mark>`, or Markdown), or nil when the hit has no such field. Kite's highlights are UTF-8 byte ranges on
    /// character boundaries; this saves slicing them by hand.
    public func markedText(_ field: String, open: String = "[", close: String = "]") -> String? {
        guard let text = fields[field] else { return nil }
        var bytes = Array(text.utf8)
        for r in (highlights[field] ?? []).sorted(by: { $0.lowerBound > $1.lowerBound })
        where r.upperBound <= bytes.count {
            bytes.insert(contentsOf: Array(close.utf8), at: r.upperBound)
            bytes.insert(contentsOf: Array(open.utf8), at: r.lowerBound)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
