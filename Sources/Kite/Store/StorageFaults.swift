#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A full disk on demand, for tests: from the n-th write-side operation under a directory on, every one fails with
/// `ENOSPC` until the fault is cleared ("space is back").
///
/// Write-side operations are the ones a full disk can fail: creating a file, writing to it, `fsync`ing it, renaming,
/// syncing a directory. Every such call in `Store/` asks ``check(_:_:)`` first; nothing else does I/O on an index.
/// Unarmed (always, outside tests) a check is one uncontended lock per call, and calls come per file or per MiB.
enum StorageFaults {
    private struct Armed {
        var prefix: String
        var failAt: Int
        var count = 0
    }

    private static let lock = Mutex()
    nonisolated(unsafe) private static var armed: Armed?

    /// Fails the `failAt`-th (from 1) write-side operation on a path that starts with `prefix`, and every later one.
    static func arm(prefix: String, failAt: Int) {
        lock.withLock { armed = Armed(prefix: prefix, failAt: failAt) }
    }

    /// Clears the fault; returns how many operations under the prefix were seen since ``arm(prefix:failAt:)``.
    @discardableResult
    static func clear() -> Int {
        lock.withLock {
            defer { armed = nil }
            return armed?.count ?? 0
        }
    }

    /// Throws ``KiteError/io(path:operation:errno:)`` with `ENOSPC` if the fault applies to this operation (on the
    /// file at `path`, or with `isDirectory` on the directory itself, which a prefix `dir/` covers too).
    static func check(_ path: String, _ operation: String, isDirectory: Bool = false) throws(KiteError) {
        let fails = lock.withLock { () -> Bool in
            guard var a = armed, (isDirectory ? path + "/" : path).hasPrefix(a.prefix) else { return false }
            a.count += 1
            armed = a
            return a.count >= a.failAt
        }
        if fails { throw .io(path: path, operation: operation, errno: ENOSPC) }
    }
}
