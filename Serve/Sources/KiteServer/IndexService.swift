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
    /// Held while a reader is reopened, and across a batch of adds or a commit, so that a commit never lands in the
    /// middle of another request's batch and an older reader never replaces a newer one.
    private let changing = Mutex(())
    /// Nil on a read-only server.
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

    /// Closing the writer drops what was added or deleted since the last commit (commit before stopping).
    deinit { writer?.close() }

    private static func open(_ paths: [String]) throws(KiteError) -> IndexReader {
        paths.count == 1 ? try IndexReader(at: paths[0]) : try IndexReader(shards: paths)
    }

    /// The reader of the newest commit seen.
    public var reader: IndexReader { current.withLock { $0 } }

    /// Whether writes are taken.
    public var isWritable: Bool { writer != nil }

    /// Opens the current commit if it is not the one searches use — a writer (this server's or another process's)
    /// has committed, or the index was rebuilt or restored in place, whatever its generation; true if it switched.
    @discardableResult
    public func refresh() throws(KiteError) -> Bool {
        try changing.withLock { _ throws(KiteError) in try refreshLocked() }
    }

    @discardableResult
    /// ``refresh()``, unless a write holds the index (a batch being added, a commit, which refreshes itself): then
    /// nil at once, so that the background look for other processes' commits never blocks a thread of the pool
    /// that searches run on.
    public func refreshIfIdle() throws(KiteError) -> Bool? {
        try changing.withLockIfAvailable { _ throws(KiteError) in try refreshLocked() }
    }

    private func refreshLocked() throws(KiteError) -> Bool {
        if try reader.isCurrent() { return false }
        let fresh = try Self.open(paths)
        current.withLock { $0 = fresh }
        return true
    }

    /// Adds `documents` (each replaces a live document with its id), all or none: each is checked first
    /// (``IndexWriter/validate(_:)``), and no commit lands among them. Searches see them after ``commit()``.
    public func add(_ documents: [Document]) throws(KiteError) {
        let writer = try requireWriter()
        for document in documents { try IndexWriter.validate(document) }
        try changing.withLock { _ throws(KiteError) in
            for document in documents { try writer.add(document) }
        }
    }

    /// Deletes the document `id` (every passage of a long one); false if no such document is live.
    public func delete(id: String) throws(KiteError) -> Bool {
        let writer = try requireWriter()
        return try changing.withLock { _ throws(KiteError) in try writer.delete(id: id) }
    }

    /// Commits what was added and deleted, then switches searches to the new commit. Returns the error that kept
    /// searches on the old commit (the commit itself stands), or nil.
    public func commit() throws(KiteError) -> KiteError? {
        let writer = try requireWriter()
        return try changing.withLock { _ throws(KiteError) -> KiteError? in
            try writer.commit()
            do throws(KiteError) { _ = try refreshLocked() } catch { return error }
            return nil
        }
    }

    private func requireWriter() throws(KiteError) -> IndexWriter {
        guard let writer else { throw .writerClosed }
        return writer
    }
}
