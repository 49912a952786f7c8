/// A document to index: a stable external id, analyzed text fields, exact keyword fields and stored fields.
///
/// Text fields are analyzed (with positions) and stored, so that hits can show snippets. Keyword fields are indexed
/// as exact values (filterable and countable, e.g. `period`) and stored. Stored fields are returned with hits but not
/// searchable. Which names are which is the index's ``Schema``.
public struct Document: Hashable, Sendable {
    /// The external id; adding a document whose id exists replaces it.
    public var id: String
    /// Field name → value, for text, keyword and stored-only fields alike; the schema says how each is indexed.
    public var fields: [String: String]

    /// Creates a document.
    public init(id: String, fields: [String: String] = [:]) {
        self.id = id
        self.fields = fields
    }

    /// Accesses a field's value.
    public subscript(field: String) -> String? {
        get { fields[field] }
        set { fields[field] = newValue }
    }
}
