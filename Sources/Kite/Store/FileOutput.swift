import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file written sequentially through a buffer, with a running CRC; `finish` appends the footer and fsyncs.
final class FileOutput {
    let path: String
    private let fd: Int32
    private var buffer = ByteWriter(capacity: FileOutput.bufferSize)
    private var crc: UInt32 = 0
    private(set) var written = 0
    private var closed = false

    init(path: String) throws(KiteError) {
        self.path = path
        try StorageFaults.check(path, "create")
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw .io(path: path, operation: "create", errno: errno) }
    }

    deinit { if !closed { close(fd) } }

    /// Bytes written so far (the offset of the next byte).
    var position: Int { written + buffer.count }

    func write(_ w: ByteWriter) throws(KiteError) { try write(w.bytes) }

    func write(_ bytes: [UInt8]) throws(KiteError) {
        let failure: KiteError? = bytes.withUnsafeBytes { raw in
            do throws(KiteError) { try write(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    func write<Bytes: Collection<UInt8>>(contentsOf bytes: Bytes) throws(KiteError) {
        if buffer.count + bytes.count > Self.bufferSize { try drain() }
        buffer.append(bytes)
    }

    /// Appends `raw`; a write as large as the buffer goes straight to the file (after what is buffered), so that
    /// a segment's stored text (megabytes) is not copied into a buffer grown to hold it.
    func write(_ raw: UnsafeRawBufferPointer) throws(KiteError) {
        guard raw.count >= Self.bufferSize else {
            // Drained before it would overflow, so the buffer keeps its capacity (appending first grew a 1 MiB
            // buffer to 2 MiB: 6 MiB of buffers per flush, twice that with two threads flushing at once).
            if buffer.count + raw.count > Self.bufferSize { try drain() }
            buffer.append(raw)
            return
        }
        try drain()
        try writeOut(raw)
    }

    /// Large enough that writes cost few system calls (a flush writes tens of MB through a few of these at once).
    private static let bufferSize = 256 << 10

    private func drain() throws(KiteError) {
        guard !buffer.bytes.isEmpty else { return }
        let failure: KiteError? = buffer.bytes.withUnsafeBytes { raw in
            do throws(KiteError) { try writeOut(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
        buffer.bytes.removeAll(keepingCapacity: true)
    }

    /// Checksums and writes `raw` at the end of the file.
    private func writeOut(_ raw: UnsafeRawBufferPointer) throws(KiteError) {
        try StorageFaults.check(path, "write")
        crc = FileFormat.crc(raw, seed: crc)
        try IndexDirectory.writeAll(fd, raw, path: path)
        written += raw.count
    }

    /// Appends the footer, flushes, fsyncs and closes.
    func finish() throws(KiteError) {
        buffer.append(FileFormat.endMagic)
        // CRC covers everything before the CRC itself.
        try drain()
        var tail = ByteWriter()
        tail.u32(crc)
        buffer = tail
        try drain()
        try StorageFaults.check(path, "fsync")
        if fsync(fd) != 0 { throw .io(path: path, operation: "fsync", errno: errno) }
        closed = true
        if close(fd) != 0 { throw .io(path: path, operation: "close", errno: errno) }
    }
}
