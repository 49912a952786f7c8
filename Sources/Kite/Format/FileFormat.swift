import CKite

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
    case dictionary = "DICT"

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
        case .dictionary: return ""
        }
    }
}

/// The envelope every file shares: a 24-byte header (magic, kind, version, segment id) and an 8-byte footer
/// (end magic, CRC-32 of everything before the CRC). See FORMAT.md.
enum FileFormat {
    static let magic: [UInt8] = Array("KITE".utf8)
    static let endMagic: [UInt8] = Array("KEND".utf8)
    /// The version this build writes: 4 (term dictionaries with join filters; version 3 had none, version 2 had
    /// stored-field blocks in zlib, not zstd).
    static let version: UInt32 = 4
    /// The versions this build reads: 2, 3 and 4 differ only in the stored-field blocks' codec and join filters.
    static let readableVersions: ClosedRange<UInt32> = 2...4
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
        guard readableVersions.contains(version) else { throw .unsupportedVersion(file: name, version: version) }
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

    /// The format version in a validated file's header.
    static func version(of data: UnsafeRawBufferPointer) -> UInt32 {
        data.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }
}
