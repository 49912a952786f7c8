import Kite
import Synchronization

/// The index as the server sees it: the reader new searches use, switched to each new commit (Lucene's
/// `SearcherManager`), and on a writable server the one writer.
///
/// A search takes the current reader and keeps it to the end, so a commit never changes an answer half way; the
/// files of the old commit stay readable while such a search runs (``IndexReader/isCurrent()``).
public final class IndexService: Sendable {
    /// The directories given (one index, a shard set, or shards).
    public let paths: [String]
    private let current: Mutex<IndexReader>
    /// Nil on a read-only server. `IndexWriter` serializes its own calls.
    private let writer: IndexWriter?

    /// Opens the index at `paths`, and a writer too when `writable` (one index only: a shard set is written by
    /// `kite index` per shard, or by the Spark job).
    public init(paths: [String], writable: Bool) throws(KiteError) {
        self.paths = paths
        let reader = try Self.open(paths)
        current = Mutex(reader)
        if writable {
            guard paths.count == 1, reader.shards.count == 1 else {
                throw .shardSet(path: paths[0], reason: "a writable server writes one index, not a shard set")
            }
            writer = try IndexWriter(at: paths[0], schema: reader.schema, analyzer: reader.analyzer.configuration)
        } else {
            writer = nil
        }
    }

    deinit { writer?.close() }

    private static func open(_ paths: [String]) throws(KiteError) -> IndexReader {
        paths.count == 1 ? try IndexReader(at: paths[0]) : try IndexReader(shards: paths)
    }

    /// The reader of the newest commit seen.
    public var reader: IndexReader { current.withLock { $0 } }

    /// Whether writes are taken.
    public var isWritable: Bool { writer != nil }

    /// Opens the newest commit if a writer (this server's or another process's) has committed since the current
    /// reader was opened; true if it did.
    @discardableResult
    public func refresh() throws(KiteError) -> Bool {
        if try reader.isCurrent() { return false }
        let fresh = try Self.open(paths)
        current.withLock { if fresh.generation > $0.generation { $0 = fresh } }
        return true
    }

    /// Adds `documents` (each replaces a live document with its id); searches see them after ``commit()``.
    public func add(_ documents: [Document]) throws(KiteError) {
        let writer = try requireWriter()
        for document in documents { try writer.add(document) }
    }

    /// Deletes the document `id` (every passage of a long one); false if no such document is live.
    public func delete(id: String) throws(KiteError) -> Bool {
        try requireWriter().delete(id: id)
    }

    /// Commits what was added and deleted, and switches searches to the new commit.
    public func commit() throws(KiteError) -> IndexReader {
        try requireWriter().commit()
        try refresh()
        return reader
    }

    private func requireWriter() throws(KiteError) -> IndexWriter {
        guard let writer else { throw .writerClosed }
        return writer
    }
}
