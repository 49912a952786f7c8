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

    /// Unpacks a block of `count` values of `width` bits from `src`, of which `readable` bytes may be read (at least
    /// ``byteCount(count:width:)``). A full postings block with 8 bytes to spare past its packed values — every one
    /// but a file's very last — is unpacked by a loop specialized for its width (its shifts and masks constants, one
    /// 8-byte load per value), the rest by ``unpack(_:count:width:into:)``.
    @inline(__always)
    static func unpack(_ src: UnsafeRawPointer, count: Int, width: Int, readable: Int, into out: UnsafeMutablePointer<UInt32>) {
        guard count == postingsBlockSize, readable >= byteCount(count: count, width: width) + 8 else {
            return unpack(src, count: count, width: width, into: out)
        }
        switch width {
        case 1: unpackBlock(src, width: 1, into: out)
        case 2: unpackBlock(src, width: 2, into: out)
        case 3: unpackBlock(src, width: 3, into: out)
        case 4: unpackBlock(src, width: 4, into: out)
        case 5: unpackBlock(src, width: 5, into: out)
        case 6: unpackBlock(src, width: 6, into: out)
        case 7: unpackBlock(src, width: 7, into: out)
        case 8: unpackBlock(src, width: 8, into: out)
        case 9: unpackBlock(src, width: 9, into: out)
        case 10: unpackBlock(src, width: 10, into: out)
        case 11: unpackBlock(src, width: 11, into: out)
        case 12: unpackBlock(src, width: 12, into: out)
        case 13: unpackBlock(src, width: 13, into: out)
        case 14: unpackBlock(src, width: 14, into: out)
        case 15: unpackBlock(src, width: 15, into: out)
        case 16: unpackBlock(src, width: 16, into: out)
        case 17: unpackBlock(src, width: 17, into: out)
        case 18: unpackBlock(src, width: 18, into: out)
        case 19: unpackBlock(src, width: 19, into: out)
        case 20: unpackBlock(src, width: 20, into: out)
        case 21: unpackBlock(src, width: 21, into: out)
        case 22: unpackBlock(src, width: 22, into: out)
        case 23: unpackBlock(src, width: 23, into: out)
        case 24: unpackBlock(src, width: 24, into: out)
        case 25: unpackBlock(src, width: 25, into: out)
        case 26: unpackBlock(src, width: 26, into: out)
        case 27: unpackBlock(src, width: 27, into: out)
        case 28: unpackBlock(src, width: 28, into: out)
        case 29: unpackBlock(src, width: 29, into: out)
        case 30: unpackBlock(src, width: 30, into: out)
        case 31: unpackBlock(src, width: 31, into: out)
        case 32: unpackBlock(src, width: 32, into: out)
        default: out.update(repeating: 0, count: count)
        }
    }

    /// One full block of `width`-bit values, each read with an 8-byte load (which must stay readable).
    @inline(__always)
    private static func unpackBlock(_ src: UnsafeRawPointer, width: Int, into out: UnsafeMutablePointer<UInt32>) {
        let mask: UInt64 = width == 32 ? 0xFFFF_FFFF : (1 << UInt64(width)) - 1
        for i in 0..<postingsBlockSize {
            let bit = i &* width
            let word = src.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self).littleEndian
            out[i] = UInt32(truncatingIfNeeded: (word &>> UInt64(bit & 7)) & mask)
        }
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
