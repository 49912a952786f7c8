#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A read-only file read at given offsets with `pread`, into the caller's memory: for a pass that reads each byte
/// once and should not hold the file's pages in its resident memory. (A merge reads its sources so: through a map,
/// every fault maps a whole page-cache folio — 1 MiB per file on this kernel — and a merge of ten segments kept tens
/// of MiB of them resident however often it released them.)
///
/// With a read-ahead, reads shorter than it are served from a window of the file read at once from the first of
/// them on: a pass reading small pieces front to back (a term's postings at a time) makes one call per window.
final class PositionalFile {
    let path: String
    let name: String
    private let descriptor: Int32
    private let window: UnsafeMutableRawBufferPointer
    /// The file's bytes `windowStart..<windowStart + windowCount` are in `window`.
    private var windowStart = 0, windowCount = 0

    init(path: String, name: String, readAhead: Int = 0) throws(KiteError) {
        self.path = path
        self.name = name
        window = .allocate(byteCount: readAhead, alignment: 16)
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            window.deallocate()
            throw .io(path: path, operation: "open", errno: errno)
        }
    }

    deinit {
        close(descriptor)
        window.deallocate()
    }

    /// Fills `buffer` with the file's bytes from `offset` on; a file that ends before is corrupt.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(KiteError) {
        guard buffer.count > 0 else { return }
        if buffer.count <= window.count {
            if offset < windowStart || offset + buffer.count > windowStart + windowCount {
                windowStart = offset
                windowCount = try readSome(into: window, at: offset)
            }
            guard offset + buffer.count <= windowStart + windowCount else {
                throw .corrupt(file: name, reason: "ends at \(windowStart + windowCount), before \(offset + buffer.count)")
            }
            buffer.baseAddress!.copyMemory(from: window.baseAddress! + (offset - windowStart), byteCount: buffer.count)
            return
        }
        let n = try readSome(into: buffer, at: offset)
        if n < buffer.count { throw .corrupt(file: name, reason: "ends at \(offset + n), before \(offset + buffer.count)") }
    }

    /// Reads the file's bytes from `offset` on into `buffer` until it is full or the file ends; how many were read.
    private func readSome(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(KiteError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "pread", errno: errno)
            }
            if n == 0 { return done }
            done += n
        }
        return done
    }
}
