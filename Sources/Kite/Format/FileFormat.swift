import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kinds of file an index holds; the four ASCII bytes after the magic in every header.
enum FileKind: String, CaseIterable, Sendable {
    case manifest = "MANI"
    case terms = "TERM"
    case postings = "POST"
    case positions = "POSI"
    case lengths = "LENS"
    case keywords = "KEYW"
    case stored = "STOR"
    case deletes = "DELS"

    /// File-name extension of a segment file of this kind.
    var fileExtension: String {
        switch self {
        case .manifest: return ""
        case .terms: return "tim"
        case .postings: return "doc"
        case .positions: return "pos"
        case .lengths: return "len"
        case .keywords: return "kwd"
        case .stored: return "sto"
        case .deletes: return "del"
        }
    }
}

/// The envelope every file shares: a 24-byte header (magic, kind, version, segment id) and an 8-byte footer
/// (end magic, CRC-32 of everything before the CRC). See FORMAT.md.
enum FileFormat {
    static let magic: [UInt8] = Array("KITE".utf8)
    static let endMagic: [UInt8] = Array("KEND".utf8)
    static let version: UInt32 = 2
    static let headerSize = 24
    static let footerSize = 8

    static func header(_ kind: FileKind, segment: UInt64) -> ByteWriter {
        var w = ByteWriter(capacity: 64)
        w.append(magic)
        w.append(Array(kind.rawValue.utf8))
        w.u32(version)
        w.u64(segment)
        w.u32(0)
        return w
    }

    static func crc(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        kite_crc32(seed, bytes.baseAddress, bytes.count)
    }

    /// Checks header and footer; with `verifyChecksum`, also the CRC over the whole file.
    /// Returns the byte range of the body (between header and footer).
    static func validate(
        _ data: UnsafeRawBufferPointer, kind: FileKind, segment: UInt64?, name: String, verifyChecksum: Bool
    ) throws(KiteError) -> Range<Int> {
        guard data.count >= headerSize + footerSize else {
            throw .corrupt(file: name, reason: "truncated: \(data.count) bytes is shorter than header and footer")
        }
        guard data[0..<4].elementsEqual(magic) else { throw .corrupt(file: name, reason: "not a Kite file (bad magic)") }
        guard data[4..<8].elementsEqual(kind.rawValue.utf8) else {
            throw .corrupt(file: name, reason: "wrong file kind \(String(decoding: data[4..<8], as: UTF8.self)), expected \(kind.rawValue)")
        }
        let version = data.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
        guard version == FileFormat.version else { throw .unsupportedVersion(file: name, version: version) }
        if let segment {
            let found = data.loadUnaligned(fromByteOffset: 12, as: UInt64.self).littleEndian
            guard found == segment else {
                throw .corrupt(file: name, reason: "belongs to segment \(hex(found)), not \(hex(segment))")
            }
        }
        let footer = data.count - footerSize
        guard data[footer..<(footer + 4)].elementsEqual(endMagic) else {
            throw .corrupt(file: name, reason: "truncated or damaged footer")
        }
        if verifyChecksum {
            let stored = data.loadUnaligned(fromByteOffset: data.count - 4, as: UInt32.self).littleEndian
            let actual = crc(UnsafeRawBufferPointer(rebasing: data[0..<(data.count - 4)]))
            guard stored == actual else {
                throw .corrupt(file: name, reason: "checksum mismatch (stored \(hex(UInt64(stored))), computed \(hex(UInt64(actual))))")
            }
        }
        return headerSize..<footer
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }
}

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
        let bytes = buffer.bytes
        let result: Int32 = bytes.withUnsafeBytes { raw in
            crc = FileFormat.crc(raw, seed: crc)
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
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
        if fsync(fd) != 0 { throw .io(path: path, operation: "fsync", errno: errno) }
        closed = true
        if close(fd) != 0 { throw .io(path: path, operation: "close", errno: errno) }
    }
}

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
