import Hummingbird
import Kite

/// `GET /documents/{id}`: a document's stored fields, its passages in order when it was split, with the matches of
/// an optional query marked in every field (a document view, where a hit shows one passage and a snippet).
struct DocumentResponse: Codable, Hashable, Sendable {
    /// The contract's version, as ``SearchResponse/schemaVersion``.
    var schemaVersion: Int
    /// The id asked for.
    var id: String
    /// The document's parts in order: its passages `id#1`, `id#2`, … for a long document, else the document itself.
    var passages: [Passage]

    struct Passage: Codable, Hashable, Sendable {
        var id: String
        var fields: [String: String]
        /// Where the query matches, per text field (its shared words, for a document it does not match; empty
        /// without `q`).
        var highlights: [String: [SearchResponse.Span]]
    }

    /// The most passages returned (a longer document is cut there).
    static let maxPassages = 10_000

    /// The document `id` of `reader`, with the matches of `query` under `textMatching` marked (its terms where it
    /// matches nowhere in the document: a related document); nil when no such document is live.
    init?(id: String, reader: IndexReader, query: Query?, textMatching: TextMatching = .wordStart) throws(KiteError) {
        var parts: [(String, [String: String])] = []
        if let fields = try reader.document(id: id) {
            parts = [(id, fields)]
        } else {
            for n in 1...Self.maxPassages {
                guard let fields = try reader.document(id: "\(id)#\(n)") else { break }
                parts.append(("\(id)#\(n)", fields))
            }
        }
        guard !parts.isEmpty else { return nil }
        var marks: [[String: [Range<Int>]]] = []
        if let query {
            let matches = try reader.highlighter(for: query, marking: .matches(textMatching))
            marks = try parts.map { (_, fields) throws(KiteError) in try matches.highlights(in: fields) }
            if marks.allSatisfy(\.isEmpty) {
                let terms = try reader.highlighter(for: query, marking: .terms)
                marks = try parts.map { (_, fields) throws(KiteError) in try terms.highlights(in: fields) }
            }
        }
        var passages: [Passage] = []
        for (i, (partID, fields)) in parts.enumerated() {
            var highlights: [String: [SearchResponse.Span]] = [:]
            for (field, ranges) in i < marks.count ? marks[i] : [:] {
                highlights[field] = SearchResponse.Span.spans(ranges, in: fields[field] ?? "")
            }
            passages.append(Passage(id: partID, fields: fields, highlights: highlights))
        }
        self.init(schemaVersion: SearchResponse.currentSchemaVersion, id: id, passages: passages)
    }

    private init(schemaVersion: Int, id: String, passages: [Passage]) {
        (self.schemaVersion, self.id, self.passages) = (schemaVersion, id, passages)
    }
}

/// The answers of the write routes.
struct WriteResponse: Codable, Hashable, Sendable {
    /// `POST /documents`: documents read from the body (a long one split into passages counts once).
    var added: Int?
    /// `DELETE /documents/{id}`: whether a live document had that id.
    var deleted: Bool?
    /// Whether the change is committed (searchable): after `POST /commit`, or `?commit=true`.
    var committed: Bool
    /// The commit generation searches now see.
    var generation: UInt64
    /// Live documents in that commit.
    var documents: Int
}
