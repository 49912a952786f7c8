/// Fixed-width bit packing of blocks of integers (postings doc-id deltas and term frequencies).
enum BitPacking {
    /// Bits needed for the largest value.
    @inline(__always) static func width(_ values: UnsafeBufferPointer<UInt32>) -> Int {
        var m: UInt32 = 0
        for v in values { m |= v }
        return m == 0 ? 0 : 32 - m.leadingZeroBitCount
    }

    /// Bytes taken by `count` values of `width` bits.
    @inline(__always) static func byteCount(count: Int, width: Int) -> Int { (count * width + 7) / 8 }

    /// Appends `values` packed at `width` bits, little-endian bit order.
    static func pack(_ values: UnsafeBufferPointer<UInt32>, width: Int, into out: inout ByteWriter) {
        guard width > 0 else { return }
        var acc: UInt64 = 0
        var bits = 0
        for v in values {
            acc |= UInt64(v) << UInt64(bits)
            bits += width
            while bits >= 8 {
                out.u8(UInt8(truncatingIfNeeded: acc))
                acc >>= 8
                bits -= 8
            }
        }
        if bits > 0 { out.u8(UInt8(truncatingIfNeeded: acc)) }
    }

    /// Unpacks `count` values of `width` bits from `src` (which must hold ``byteCount(count:width:)`` bytes).
    @inline(__always)
    static func unpack(_ src: UnsafeRawPointer, count: Int, width: Int, into out: UnsafeMutablePointer<UInt32>) {
        if width == 0 {
            for i in 0..<count { out[i] = 0 }
            return
        }
        let mask: UInt64 = width == 32 ? 0xFFFF_FFFF : (1 << UInt64(width)) - 1
        let totalBytes = byteCount(count: count, width: width)
        var bitPos = 0
        // Values whose 8-byte load stays inside the packed data, without a bounds test each (all but the last few).
        let whole = totalBytes < 8 ? 0 : min(count, ((totalBytes - 8) * 8) / width + 1)
        for i in 0..<whole {
            let word = src.loadUnaligned(fromByteOffset: bitPos >> 3, as: UInt64.self).littleEndian
            out[i] = UInt32(truncatingIfNeeded: (word >> UInt64(bitPos & 7)) & mask)
            bitPos += width
        }
        for i in whole..<count {
            let byte = bitPos >> 3
            let shift = UInt64(bitPos & 7)
            // Load up to 8 bytes without reading past the packed data.
            var word: UInt64 = 0
            let avail = min(8, totalBytes - byte)
            if avail == 8 {
                word = src.loadUnaligned(fromByteOffset: byte, as: UInt64.self).littleEndian
            } else {
                for k in 0..<avail { word |= UInt64(src.load(fromByteOffset: byte + k, as: UInt8.self)) << UInt64(8 * k) }
            }
            out[i] = UInt32(truncatingIfNeeded: (word >> shift) & mask)
            bitPos += width
        }
    }
}
