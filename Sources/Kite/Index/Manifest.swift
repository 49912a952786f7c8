#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The commit point: which segments (and which of their delete files) make up the index, under which analyzer and
/// schema. Replaced atomically by rename; see FORMAT.md.
struct Manifest: Hashable, Sendable {
    static let fileName = "manifest"
    static let temporaryName = "manifest.tmp"

    var generation: UInt64
    var analyzer: String
    var schema: String
    var segments: [SegmentInfo]

    static func read(directory: String) throws(KiteError) -> Manifest {
        let path = directory + "/" + fileName
        let file: MappedFile
        do {
            file = try MappedFile(path: path, name: fileName)
        } catch let KiteError.io(_, _, err) where err == ENOENT {
            throw .indexNotFound(path: directory)
        }
        let body = try FileFormat.validate(file.bytes, kind: .manifest, segment: 0, name: fileName, verifyChecksum: true)
        var r = ByteReader(file.bytes, from: body.lowerBound, to: body.upperBound, file: fileName)
        let generation = try r.u64()
        let analyzer = try r.string()
        let schema = try r.string()
        let count = try r.vint(max: r.remaining / 20)
        var segments: [SegmentInfo] = []
        var seen = Set<UInt64>()
        for _ in 0..<count {
            let id = try r.u64()
            let docs = Int(try r.u32())
            let gen = try r.u32()
            let deleted = Int(try r.u32())
            guard deleted <= docs, seen.insert(id).inserted, (gen == 0) == (deleted == 0) || gen > 0 else {
                throw .corrupt(file: fileName, reason: "inconsistent segment entry \(FileFormat.hex(id))")
            }
            segments.append(SegmentInfo(id: id, docCount: docs, deleteGeneration: gen, deletedCount: deleted))
        }
        guard r.remaining == 0 else { throw .corrupt(file: fileName, reason: "trailing bytes") }
        return Manifest(generation: generation, analyzer: analyzer, schema: schema, segments: segments)
    }

    /// Writes the manifest to a temporary file, fsyncs it, renames it over the current one and fsyncs the directory.
    func write(directory: String) throws(KiteError) {
        let tmp = directory + "/" + Manifest.temporaryName
        let out = try FileOutput(path: tmp)
        var w = FileFormat.header(.manifest, segment: 0)
        w.u64(generation)
        w.string(analyzer)
        w.string(schema)
        w.vint(segments.count)
        for s in segments {
            w.u64(s.id)
            w.u32(UInt32(s.docCount))
            w.u32(s.deleteGeneration)
            w.u32(UInt32(s.deletedCount))
        }
        try out.write(w)
        try out.finish()
        if rename(tmp, directory + "/" + Manifest.fileName) != 0 {
            throw .io(path: tmp, operation: "rename", errno: errno)
        }
        try IndexDirectory.sync(directory)
    }

    /// Every file this commit needs.
    var referencedFiles: Set<String> {
        var out: Set<String> = [Manifest.fileName]
        for s in segments {
            for k in SegmentInfo.segmentFileKinds { out.insert(s.fileName(k)) }
            if s.deleteGeneration > 0 { out.insert(s.fileName(.deletes)) }
        }
        return out
    }
}

/// File-system operations on an index directory.
enum IndexDirectory {
    static let lockName = "write.lock"

    static func sync(_ directory: String) throws(KiteError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .io(path: directory, operation: "open directory", errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw .io(path: directory, operation: "fsync directory", errno: errno) }
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
    static func lock(_ directory: String) throws(KiteError) -> Int32 {
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

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }
}

/// Random 64-bit segment ids.
enum SegmentID {
    static func make() -> UInt64 {
        var v: UInt64 = 0
        while v == 0 { v = UInt64.random(in: 1...UInt64.max) }
        return v
    }
}
