#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A read-only memory map of a whole file.
final class MappedFile: @unchecked Sendable {
    let path: String
    let name: String
    let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?

    init(path: String, name: String) throws(KiteError) {
        self.path = path
        self.name = name
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw .io(path: path, operation: "stat", errno: errno) }
        let size = Int(st.st_size)
        if size == 0 {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
        if p == MAP_FAILED || p == nil { throw .io(path: path, operation: "mmap", errno: errno) }
        base = p
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base { munmap(base, bytes.count) }
    }

    /// Drops this process's resident pages of the map: the kernel keeps them in its page cache and they fault
    /// back in when read, so a file read through once (to verify it, or to merge it) does not stay in the
    /// process's resident memory.
    func releaseResidentPages() {
        if let base { madvise(base, bytes.count, Int32(MADV_DONTNEED)) }
    }
}
