/// Every error Kite's library throws: one enum, so that a caller can switch over what went wrong.
public enum KiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No index at the path (no manifest).
    case indexNotFound(path: String)
    /// Another writer holds the index's lock file.
    case indexLocked(path: String)
    /// The index was built with another analyzer or schema than the one it is opened with.
    case configurationMismatch(path: String, expected: String, found: String)
    /// A file of the index is damaged: wrong magic, version, checksum, truncated, or inconsistent with another file.
    case corrupt(file: String, reason: String)
    /// The file was written by a newer (or unknown) format version.
    case unsupportedVersion(file: String, version: UInt32)
    /// An operating-system call failed (`errno` and what was being done).
    case io(path: String, operation: String, errno: Int32)
    /// The query could not be parsed; `position` is a character offset into the query.
    case badQuery(message: String, position: Int)
    /// Text could not be analyzed.
    case analysis(AnalysisError)
    /// A document cannot be indexed as given (e.g. an empty id).
    case invalidDocument(id: String, reason: String)
    /// The writer was used after it failed or was closed.
    case writerClosed
    /// A shard set cannot be opened or used as asked: its shards disagree on analyzer or schema, its `shards` file
    /// is unreadable, or a writer was aimed at the set instead of one of its shards (``ShardSet``).
    case shardSet(path: String, reason: String)

    public var description: String {
        switch self {
        case .indexNotFound(let p): return "no index at \(p)"
        case .indexLocked(let p): return "index is locked by another writer: \(p)"
        case .configurationMismatch(let p, let e, let f):
            return "index at \(p) was built with \(f), not \(e)"
        case .corrupt(let f, let r): return "corrupt index file \(f): \(r)"
        case .unsupportedVersion(let f, let v): return "unsupported format version \(v) in \(f)"
        case .io(let p, let op, let e): return "\(op) \(p): \(Platform.errorMessage(e))"
        case .badQuery(let m, let pos): return "bad query at \(pos): \(m)"
        case .analysis(let e): return "analysis: \(e)"
        case .invalidDocument(let id, let r): return "document \(id.debugDescription): \(r)"
        case .writerClosed: return "the index writer is closed"
        case .shardSet(let p, let r): return "shard set \(p): \(r)"
        }
    }
}

