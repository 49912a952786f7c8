/// An append-only little-endian byte buffer with variable-length integers, used by every file writer.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    @inline(__always) mutating func u8(_ v: UInt8) { bytes.append(v) }

    @inline(__always) mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v)); bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16)); bytes.append(UInt8(truncatingIfNeeded: v >> 24))
    }

    @inline(__always) mutating func u64(_ v: UInt64) {
        u32(UInt32(truncatingIfNeeded: v)); u32(UInt32(truncatingIfNeeded: v >> 32))
    }

    @inline(__always) mutating func vint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    @inline(__always) mutating func vint(_ v: UInt32) { vint(UInt64(v)) }
    @inline(__always) mutating func vint(_ v: Int) { vint(UInt64(v)) }

    mutating func append<C: Collection>(_ b: C) where C.Element == UInt8 { bytes.append(contentsOf: b) }

    /// A length-prefixed UTF-8 string.
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { vint($0.count); bytes.append(contentsOf: $0) }
    }

    mutating func f64(_ v: Double) { u64(v.bitPattern) }
}

/// A bounds-checked reader over bytes of a mapped file: every read that would leave the buffer throws.
struct ByteReader {
    let base: UnsafeRawBufferPointer
    var offset: Int
    let end: Int
    let file: String

    init(_ base: UnsafeRawBufferPointer, from offset: Int = 0, to end: Int? = nil, file: String) {
        self.base = base
        self.offset = offset
        self.end = min(end ?? base.count, base.count)
        self.file = file
    }

    var remaining: Int { end - offset }

    func corrupt(_ reason: String) -> KiteError { .corrupt(file: file, reason: reason) }

    @inline(__always) mutating func need(_ n: Int) throws(KiteError) {
        if n < 0 || offset > end - n { throw corrupt("truncated (need \(n) bytes at \(offset), \(end - offset) left)") }
    }

    @inline(__always) mutating func u8() throws(KiteError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return base[offset]
    }

    @inline(__always) mutating func u32() throws(KiteError) -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return base.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
    }

    @inline(__always) mutating func u64() throws(KiteError) -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return base.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
    }

    mutating func f64() throws(KiteError) -> Double { Double(bitPattern: try u64()) }

    /// A u64 offset or count that must be at most `limit` (a file size, say), as `Int`.
    mutating func u64(max limit: Int) throws(KiteError) -> Int {
        let v = try u64()
        guard v <= UInt64(limit) else { throw corrupt("value \(v) exceeds \(limit) at \(offset - 8)") }
        return Int(v)
    }

    @inline(__always) mutating func vint() throws(KiteError) -> UInt64 {
        // One byte (most lengths, counts and small deltas) and two (most postings offsets' deltas) without the loop.
        if offset < end, base[offset] < 0x80 {
            defer { offset += 1 }
            return UInt64(base[offset])
        }
        if offset + 1 < end, base[offset + 1] < 0x80 {
            defer { offset += 2 }
            return UInt64(base[offset] & 0x7F) | UInt64(base[offset + 1]) << 7
        }
        return try longVint()
    }

    @inline(never) private mutating func longVint() throws(KiteError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw corrupt("truncated varint at \(offset)") }
            let b = base[offset]
            offset += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw corrupt("varint too long at \(offset)") }
        }
    }

    /// A varint that must fit in `Int` and be at most `limit`.
    @inline(__always) mutating func vint(max limit: Int) throws(KiteError) -> Int {
        let v = try vint()
        guard limit >= 0, v <= UInt64(limit) else { throw corrupt("value \(v) exceeds \(limit) at \(offset)") }
        return Int(v)
    }

    mutating func bytes(_ n: Int) throws(KiteError) -> UnsafeRawBufferPointer {
        try need(n)
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: base[offset..<(offset + n)])
    }

    mutating func string() throws(KiteError) -> String {
        let n = try vint(max: remaining)
        let b = try bytes(n)
        guard let s = String(validating: b, as: UTF8.self) else { throw corrupt("invalid UTF-8 string at \(offset - n)") }
        return s
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` with a typed throw (the standard library's only rethrows).
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(KiteError) -> R) throws(KiteError) -> R {
        try withUnsafeBufferPointer { (buffer) throws(KiteError) -> R in try body(UnsafeRawBufferPointer(buffer)) }
    }
}
