/// The JSON contract of an index's counts and sizes: what `kite stats --json` prints and `kite serve` answers at
/// `GET /stats`, for a program that watches an index.
///
/// Encode it with `JSONEncoder` (`.sortedKeys`). New fields may be added; none changes meaning.
public struct StatsResponse: Codable, Hashable, Sendable {
    /// Live documents (a passage of a long document counts as one).
    public var documents: Int
    /// Deleted documents still held by segments (counted in N until a merge drops them).
    public var deletedDocuments: Int
    /// Segments in the commit, over every shard.
    public var segments: Int
    /// Indexes searched as one: 1, or the shards of a shard set.
    public var shards: Int
    /// Bytes on disk, all file kinds.
    public var totalBytes: Int
    /// Distinct terms per text field, summed over segments.
    public var terms: [String: Int]
    /// Bytes on disk per file kind.
    public var bytes: [String: Int]
    /// The commit generation (over a shard set, the sum of the shards'; for display).
    public var generation: UInt64
    /// The analyzer fingerprint.
    public var analyzer: String
    /// The index's directory (a shard set's, or the first shard's).
    public var path: String
    /// Set when the index was analyzed by another analyzer than this Kite runs (``IndexReader/analyzerWarning``).
    public var analyzerWarning: String?
    /// Words of the index's user dictionary, if it has one.
    public var dictionaryWords: Int?
    /// The digest of that dictionary.
    public var dictionaryDigest: String?

    /// The statistics of `reader`'s commit.
    public init(_ reader: IndexReader) {
        let s = reader.statistics()
        let dictionary = reader.analyzer.configuration.dictionary
        (documents, deletedDocuments, segments, shards) = (s.documents, s.deletedDocuments, s.segments, s.shards)
        (totalBytes, terms, bytes, generation) = (s.totalBytes, s.terms, s.bytesByKind, s.generation)
        (analyzer, path, analyzerWarning) = (s.analyzer, reader.path, reader.analyzerWarning)
        (dictionaryWords, dictionaryDigest) = (dictionary?.wordCount, dictionary?.digest)
    }
}
