import CKite
#if canImport(Glibc)
import Glibc
/// `write(2)` (the name is taken by ``FileOutput/write(_:)`` inside the class).
private let systemWrite = Glibc.write
#elseif canImport(Musl)
import Musl
private let systemWrite = Musl.write
#endif

/// A file written sequentially through a buffer, with a running CRC; `finish` appends the footer and fsyncs.
final class FileOutput {
    let path: String
    private let fd: Int32
    private var buffer = ByteWriter(capacity: 1 << 20)
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
        buffer.append(bytes)
        if buffer.count >= 1 << 20 { try drain() }
    }

    func write<Bytes: Collection<UInt8>>(contentsOf bytes: Bytes) throws(KiteError) {
        buffer.append(bytes)
        if buffer.count >= 1 << 20 { try drain() }
    }

    func write(_ raw: UnsafeRawBufferPointer) throws(KiteError) {
        buffer.append(raw)
        if buffer.count >= 1 << 20 { try drain() }
    }

    private func drain() throws(KiteError) {
        try StorageFaults.check(path, "write")
        let bytes = buffer.bytes
        let result: Int32 = bytes.withUnsafeBytes { raw in
            crc = FileFormat.crc(raw, seed: crc)
            var off = 0
            while off < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                off += n
            }
            return 0
        }
        if result != 0 { throw .io(path: path, operation: "write", errno: result) }
        written += bytes.count
        buffer.bytes.removeAll(keepingCapacity: true)
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
