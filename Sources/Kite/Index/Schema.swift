/// Which document fields are analyzed text and which are exact keywords; every other field is stored only.
///
/// Recorded in the manifest; opening an index with a different schema is an error.
public struct Schema: Hashable, Sendable {
    /// Analyzed fields with positions, searched by default and stored for snippets.
    public var textFields: [String]
    /// Exact-value fields: filterable (`period:2023Q3`), countable (facets) and stored. Single-valued.
    public var keywordFields: [String]

    /// `title` and `body` as text; `period`, `source`, `department`, `kind`, `province`, `category` as keywords.
    public static let `default` = Schema(
        textFields: ["title", "body"],
        keywordFields: ["period", "source", "department", "kind", "province", "category"])

    /// Creates a schema. Field names must be distinct, non-empty, and not `id`.
    public init(textFields: [String], keywordFields: [String]) {
        self.textFields = textFields
        self.keywordFields = keywordFields
    }

    /// The stable form recorded in the manifest, e.g. `text=title,body;keyword=period,source`.
    public var fingerprint: String {
        "text=\(textFields.joined(separator: ","));keyword=\(keywordFields.joined(separator: ","))"
    }

    init?(fingerprint: String) {
        let parts = fingerprint.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].hasPrefix("text="), parts[1].hasPrefix("keyword=") else { return nil }
        func list(_ s: Substring, _ prefix: String) -> [String] {
            s.dropFirst(prefix.count).split(separator: ",").map(String.init)
        }
        self.init(textFields: list(parts[0], "text="), keywordFields: list(parts[1], "keyword="))
    }

    func validate() throws(KiteError) {
        let all = textFields + keywordFields
        guard Set(all).count == all.count, !all.contains(""), !all.contains("id"),
            !all.contains(where: { $0.contains(",") || $0.contains(";") || $0.contains(":") })
        else {
            throw .invalidDocument(id: "", reason: "schema fields must be distinct, non-empty, not 'id', without , ; :")
        }
    }
}
