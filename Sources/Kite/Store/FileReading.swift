#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Calls `body` with each line of the file at `path` (without its `\n`) and its 1-based number, reading a chunk
/// at a time, so that memory does not grow with the file: only the longest line and one chunk are held. A UTF-8
/// byte-order mark at the start is skipped. Throws ``IngestionFailure/input(_:)`` with
/// ``IngestError/Reason/unreadableFile(_:)``, and ``IngestionFailure/body(_:)`` with what `body` throws.
func forEachLine<E: Error>(
    ofFile path: String, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer, Int) throws(E) -> Void
) throws(IngestionFailure<E>) {
    func failure() -> IngestionFailure<E> {
        .input(IngestError(path: path, line: 0, reason: .unreadableFile(String(cString: strerror(errno)))))
    }
    func line(_ bytes: UnsafeRawBufferPointer, _ number: Int) throws(IngestionFailure<E>) {
        do throws(E) { try body(bytes, number) } catch { throw .body(error) }
    }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw failure() }
    defer { close(fd) }
    var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 16), alignment: 16)
    defer { buffer.deallocate() }
    var filled = 0  // bytes in buffer
    var start = 0  // first byte of the current line
    var scanned = 0  // bytes before this hold no newline of the current line (a long line is searched once)
    var number = 0
    var atEnd = false
    var first = true
    while !atEnd {
        if start > 0 {  // keep the partial line at the front
            if filled > start { memmove(buffer.baseAddress!, buffer.baseAddress! + start, filled - start) }
            filled -= start
            scanned = max(0, scanned - start)
            start = 0
        }
        if filled == buffer.count {  // a line longer than the buffer: grow it
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: filled)
            buffer.deallocate()
            buffer = bigger
        }
        let n = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
        if n < 0 {
            if errno == EINTR { continue }
            throw failure()
        }
        if n == 0 { atEnd = true } else { filled += n }
        if first && filled >= 3 || atEnd {
            if first, filled >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
            first = false
        }
        if first { continue }
        let base = buffer.baseAddress!
        while start < filled {
            let rest = filled - start
            let from = max(start, scanned)
            if let newline = memchr(base + from, 0x0A, filled - from) {
                let end = base.distance(to: newline)
                number += 1
                try line(UnsafeRawBufferPointer(start: base + start, count: end - start), number)
                start = end + 1
                scanned = start
            } else if atEnd {
                number += 1
                try line(UnsafeRawBufferPointer(start: base + start, count: rest), number)
                start = filled
            } else {
                scanned = filled
                break
            }
        }
    }
}

/// The whole contents of a file, read with POSIX calls; throws ``IngestError/Reason/unreadableFile(_:)``.
func readFileBytes(atPath path: String) throws(IngestError) -> [UInt8] {
    func failure() -> IngestError {
        IngestError(path: path, line: 0, reason: .unreadableFile(String(cString: strerror(errno))))
    }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw failure() }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw failure() }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(info.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw failure()
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}
