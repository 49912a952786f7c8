/// A document to index: a stable external id, analyzed text fields, exact keyword fields and stored fields.
///
/// Text fields are analyzed (with positions) and stored, so that hits can show snippets. Keyword fields are indexed
/// as exact values (filterable and countable, e.g. `period`) and stored. Stored fields are returned with hits but not
/// searchable. Which names are which is the index's ``Schema``.
public struct Document: Hashable, Sendable, Codable {
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

/// Passages: a long body is indexed as documents `id#1`, `id#2`, … (``PassageSplitter``, which also stores the
/// document's id in the field `report`); they are parts of one document `id` for matching, counting, replacing and
/// deleting. Ids of that shape (`#` and 1–9 digits, no leading zero, at the end) are reserved for passages:
/// ``IndexWriter/add(_:)`` rejects a document with such an id whose `report` field does not name the id before `#`.
public enum PassageID {
    /// The document id bytes and passage number of a passage id `id#n` (n of 1–9 decimal digits, no leading
    /// zero), or nil for other ids; nothing is copied.
    static func split(bytes id: UnsafeRawBufferPointer) -> (document: UnsafeRawBufferPointer, number: Int)? {
        // The `#` can only be among the last eleven bytes: look back over trailing digits, not through the id
        // (a search splits every hit's id).
        var hash = id.count - 1
        while hash >= 0, hash >= id.count - 10, (0x30...0x39).contains(id[hash]) { hash -= 1 }
        guard hash > 0, id[hash] == 0x23, hash + 1 < id.count else { return nil }
        let digits = id[(hash + 1)...]
        guard digits.count <= 9, digits.first != 0x30 else { return nil }
        var number = 0
        for c in digits {
            guard (0x30...0x39).contains(c) else { return nil }
            number = number * 10 + Int(c - 0x30)
        }
        return (UnsafeRawBufferPointer(rebasing: id[..<hash]), number)
    }

    /// The document id of a passage id `id#n` (n of 1–9 decimal digits, no leading zero), or nil for other ids.
    static func document(of id: UnsafeRawBufferPointer) -> Substring? {
        split(bytes: id).map { Substring(String(decoding: $0.document, as: UTF8.self)) }
    }

    /// The document id of a passage id `id#n` (n decimal digits, no leading zero), or nil for other ids.
    public static func document(of id: String) -> String? {
        var id = id
        return id.withUTF8 { document(of: UnsafeRawBufferPointer($0)).map(String.init) }
    }

    /// The document id and passage number of a passage id (`id#3` → (`id`, 3)), or nil for other ids.
    public static func split(_ id: String) -> (document: String, number: Int)? {
        guard let document = document(of: id),
            let n = Int(String(decoding: id.utf8.dropFirst(document.utf8.count + 1), as: UTF8.self))
        else { return nil }
        return (document, n)
    }
}
