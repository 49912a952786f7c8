#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A read-only file read at given offsets with `pread`, into the caller's memory: for a pass that reads each byte
/// once and should not hold the file's pages in its resident memory. (A merge reads its sources so: through a map,
/// every fault maps a whole page-cache folio — 1 MiB per file on this kernel — and a merge of ten segments kept tens
/// of MiB of them resident however often it released them.)
final class PositionalFile {
    let path: String
    let name: String
    private let descriptor: Int32

    init(path: String, name: String) throws(KiteError) {
        self.path = path
        self.name = name
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw .io(path: path, operation: "open", errno: errno) }
    }

    deinit { close(descriptor) }

    /// Fills `buffer` with the file's bytes from `offset` on; a file that ends before is corrupt.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(KiteError) {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "pread", errno: errno)
            }
            if n == 0 { throw .corrupt(file: name, reason: "ends at \(offset + done), before \(offset + buffer.count)") }
            done += n
        }
    }
}
