#if canImport(Glibc)
import Glibc
/// `rename(2)` (the name is taken by ``IndexDirectory/rename(_:to:)`` inside the type).
private let systemRename = Glibc.rename
private let systemWrite = Glibc.write
#elseif canImport(Musl)
import Musl
private let systemRename = Musl.rename
private let systemWrite = Musl.write
#endif

extension KiteError {
    /// Whether this is an operating-system error for a file that does not exist (`ENOENT`).
    var isFileNotFound: Bool {
        if case .io(_, _, let e) = self { return e == ENOENT }
        return false
    }
}

/// File-system operations on an index directory.
enum IndexDirectory {
    static let lockName = "write.lock"

    static func sync(_ directory: String) throws(KiteError) {
        try StorageFaults.check(directory, "fsync directory", isDirectory: true)
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .io(path: directory, operation: "open directory", errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw .io(path: directory, operation: "fsync directory", errno: errno) }
    }

    /// Renames `from` over `to` (atomic on POSIX file systems: the commit point of a manifest).
    static func rename(_ from: String, to: String) throws(KiteError) {
        try StorageFaults.check(from, "rename")
        if systemRename(from, to) != 0 { throw .io(path: from, operation: "rename", errno: errno) }
    }

    static func createDirectory(_ path: String) throws(KiteError) {
        var st = stat()
        if stat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFDIR else { throw .io(path: path, operation: "open index directory", errno: ENOTDIR) }
            return
        }
        // Create parents as needed.
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if stat(current, &st) != 0 && mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw .io(path: current, operation: "mkdir", errno: errno)
            }
        }
    }

    static func list(_ directory: String) throws(KiteError) -> [String] {
        guard let dir = opendir(directory) else { throw .io(path: directory, operation: "list", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Runs `body` (read the manifest, open the files it names) while holding a shared `flock` on the directory
    /// itself, so that no writer removes files in between (see ``removeUnreferenced(_:keep:waitingUpTo:)``).
    ///
    /// Opening a directory read-only needs no write permission, so read-only users pin too. Where the file system
    /// cannot lock a directory, `body` runs unpinned and the caller's manifest-generation retry covers the race.
    static func pinned<T>(_ directory: String, _ body: () throws(KiteError) -> T) throws(KiteError) -> T {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw .indexNotFound(path: directory) }
            throw .io(path: directory, operation: "open index directory", errno: errno)
        }
        defer { close(fd) }  // closing the descriptor releases the lock
        while flock(fd, LOCK_SH) != 0 && errno == EINTR {}
        return try body()
    }

    /// Removes the files of `directory` that are Kite's (segment files, temporary manifest) but not in `keep`, if no
    /// reader is opening the index; returns whether it did.
    ///
    /// Removal takes the directory's `flock` exclusively, without blocking (a stream of readers must not stall a
    /// commit): a reader holds it shared from reading the manifest to mapping the last file it names (``pinned``), and
    /// mapped files survive `unlink`. If readers hold it, the files stay until a later commit, or `close`, removes them
    /// (`waitingUpTo` retries that long, in milliseconds).
    @discardableResult
    static func removeUnreferenced(_ directory: String, keep: Set<String>, waitingUpTo milliseconds: Int = 0) -> Bool {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var waited = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            if e == EINTR { continue }
            // A file system that cannot lock directories: readers fall back to retrying, so remove anyway.
            if e != EWOULDBLOCK { break }
            guard waited < milliseconds else { return false }
            usleep(1000)
            waited += 1
        }
        guard let names = try? list(directory) else { return false }
        for name in names where !keep.contains(name) && (name.hasPrefix("seg-") || name == Manifest.temporaryName) {
            unlink(directory + "/" + name)
        }
        return true
    }

    /// Takes the directory's writer lock (`flock`, non-blocking); returns the lock's file descriptor.
    fileprivate static func lock(_ directory: String) throws(KiteError) -> Int32 {
        let path = directory + "/" + lockName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw .io(path: path, operation: "open lock", errno: errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(fd)
            if e == EWOULDBLOCK { throw .indexLocked(path: directory) }
            throw .io(path: path, operation: "lock", errno: e)
        }
        return fd
    }

    /// Removes the directory `path` with the files in it (not subdirectories), ignoring what is missing: cleanup of
    /// a copy this process made.
    static func removeTree(_ path: String) {
        removeFiles((try? list(path)) ?? [], in: path)
        _ = rmdir(path)
    }

    /// Removes the files `names` of `directory`, ignoring any that is missing (cleanup after a failed copy).
    static func removeFiles(_ names: [String], in directory: String) {
        for name in names { _ = unlink(directory + "/" + name) }
    }

    /// Throws unless `path` does not exist or is an empty directory (a backup or export never mixes with other files).
    static func requireAbsentOrEmpty(_ path: String, for operation: String) throws(KiteError) {
        guard let names = try? list(path), !names.isEmpty else { return }
        throw .io(path: path, operation: operation, errno: ENOTEMPTY)
    }

    /// Makes `destination` a hard link to `source` (no bytes copied: Kite's files never change once written); where
    /// the file system cannot (another device, no links), copies it. Returns the size and whether it was linked.
    static func linkOrCopyFile(_ source: String, to destination: String) throws(KiteError) -> (bytes: Int, linked: Bool) {
        if link(source, destination) == 0 { return (fileSize(destination), true) }
        let e = errno
        guard [EXDEV, EPERM, EMLINK, EOPNOTSUPP, ENOTSUP].contains(e) else {
            throw .io(path: destination, operation: "link", errno: e)
        }
        return (try copyFile(source, to: destination), false)
    }

    /// Copies the file at `source` to a new file `destination`, fsynced; returns its size.
    static func copyFile(_ source: String, to destination: String) throws(KiteError) -> Int {
        let name = String(source.split(separator: "/").last ?? "")
        let input = try MappedFile(path: source, name: name)
        try writeNewFile(destination, input.bytes, flags: O_EXCL)
        return input.bytes.count
    }

    /// Writes all of `bytes` to `fd` (the file at `path`), through short writes and interruptions.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(KiteError) {
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", errno: errno)
            }
            offset += n
        }
    }

    /// Creates (or, without `O_EXCL` in `flags`, truncates) the file at `path` with `bytes`, fsynced and closed.
    private static func writeNewFile(_ path: String, _ bytes: UnsafeRawBufferPointer, flags: Int32) throws(KiteError) {
        try StorageFaults.check(path, "create")
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0o644)
        if fd < 0 { throw .io(path: path, operation: "create", errno: errno) }
        do throws(KiteError) {
            try StorageFaults.check(path, "write")
            try writeAll(fd, bytes, path: path)
            try StorageFaults.check(path, "fsync")
            if fsync(fd) != 0 { throw .io(path: path, operation: "fsync", errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        if close(fd) != 0 { throw .io(path: path, operation: "close", errno: errno) }
    }

    /// `path` with every symbolic link, `.` and `..` resolved (`realpath(3)`), or nil if it does not exist.
    static func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether a file (of any kind) exists at `path`.
    static func fileExists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The whole of a small file (an empty file is empty; `MappedFile` maps only non-empty ones).
    static func readSmallFile(_ path: String) throws(KiteError) -> [UInt8] {
        guard fileSize(path) > 0 else { return [] }
        let file = try MappedFile(path: path, name: String(path.split(separator: "/").last ?? ""))
        return Array(file.bytes)
    }

    /// Writes `bytes` to `path` through a temporary file, fsynced and renamed over it, then syncs the directory.
    static func writeFileAtomically(_ path: String, bytes: [UInt8]) throws(KiteError) {
        let tmp = path + ".tmp"
        try bytes.withBytes { (raw) throws(KiteError) in try writeNewFile(tmp, raw, flags: O_TRUNC) }
        try rename(tmp, to: path)
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        try sync(directory.isEmpty ? (path.hasPrefix("/") ? "/" : ".") : directory)
    }

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }
}

/// The writer lock of an index directory (`write.lock`, `flock(LOCK_EX | LOCK_NB)`): held from `init` until
/// ``release()`` or deinit, whichever comes first.
final class WriteLock {
    private var fd: Int32

    /// Takes the lock; ``KiteError/indexLocked(path:)`` when another writer holds it.
    init(directory: String) throws(KiteError) {
        fd = try IndexDirectory.lock(directory)
    }

    /// Releases the lock (closing its descriptor); later calls do nothing.
    func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }
}
