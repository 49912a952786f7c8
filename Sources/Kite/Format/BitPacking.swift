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
        _ = unpackBlock(src, width: width, into: out, documentsAfter: nil)
    }

    /// Unpacks a full postings block of document deltas (each `document − previous − 1`, the first after `previous`)
    /// into the documents themselves, summed as they are unpacked; returns the last. `readable` as for
    /// ``unpack(_:count:width:readable:into:)``.
    @inline(__always)
    static func unpackDocuments(
        _ src: UnsafeRawPointer, width: Int, readable: Int, after previous: Int, into out: UnsafeMutablePointer<UInt32>
    ) -> Int {
        guard readable >= byteCount(count: postingsBlockSize, width: width) + 8 else {
            unpack(src, count: postingsBlockSize, width: width, into: out)
            var document = previous
            for k in 0..<postingsBlockSize {
                document &+= Int(out[k]) &+ 1
                out[k] = UInt32(truncatingIfNeeded: document)
            }
            return document
        }
        return unpackBlock(src, width: width, into: out, documentsAfter: previous)
    }

    /// ``unpackGroups(_:width:into:documentsAfter:)`` with the width a constant (one specialization per width).
    private static func unpackBlock(
        _ src: UnsafeRawPointer, width: Int, into out: UnsafeMutablePointer<UInt32>, documentsAfter previous: Int?
    ) -> Int {
        switch width {
        case 0: return unpackGroups(src, width: 0, into: out, documentsAfter: previous)
        case 1: return unpackGroups(src, width: 1, into: out, documentsAfter: previous)
        case 2: return unpackGroups(src, width: 2, into: out, documentsAfter: previous)
        case 3: return unpackGroups(src, width: 3, into: out, documentsAfter: previous)
        case 4: return unpackGroups(src, width: 4, into: out, documentsAfter: previous)
        case 5: return unpackGroups(src, width: 5, into: out, documentsAfter: previous)
        case 6: return unpackGroups(src, width: 6, into: out, documentsAfter: previous)
        case 7: return unpackGroups(src, width: 7, into: out, documentsAfter: previous)
        case 8: return unpackGroups(src, width: 8, into: out, documentsAfter: previous)
        case 9: return unpackGroups(src, width: 9, into: out, documentsAfter: previous)
        case 10: return unpackGroups(src, width: 10, into: out, documentsAfter: previous)
        case 11: return unpackGroups(src, width: 11, into: out, documentsAfter: previous)
        case 12: return unpackGroups(src, width: 12, into: out, documentsAfter: previous)
        case 13: return unpackGroups(src, width: 13, into: out, documentsAfter: previous)
        case 14: return unpackGroups(src, width: 14, into: out, documentsAfter: previous)
        case 15: return unpackGroups(src, width: 15, into: out, documentsAfter: previous)
        case 16: return unpackGroups(src, width: 16, into: out, documentsAfter: previous)
        case 17: return unpackGroups(src, width: 17, into: out, documentsAfter: previous)
        case 18: return unpackGroups(src, width: 18, into: out, documentsAfter: previous)
        case 19: return unpackGroups(src, width: 19, into: out, documentsAfter: previous)
        case 20: return unpackGroups(src, width: 20, into: out, documentsAfter: previous)
        case 21: return unpackGroups(src, width: 21, into: out, documentsAfter: previous)
        case 22: return unpackGroups(src, width: 22, into: out, documentsAfter: previous)
        case 23: return unpackGroups(src, width: 23, into: out, documentsAfter: previous)
        case 24: return unpackGroups(src, width: 24, into: out, documentsAfter: previous)
        case 25: return unpackGroups(src, width: 25, into: out, documentsAfter: previous)
        case 26: return unpackGroups(src, width: 26, into: out, documentsAfter: previous)
        case 27: return unpackGroups(src, width: 27, into: out, documentsAfter: previous)
        case 28: return unpackGroups(src, width: 28, into: out, documentsAfter: previous)
        case 29: return unpackGroups(src, width: 29, into: out, documentsAfter: previous)
        case 30: return unpackGroups(src, width: 30, into: out, documentsAfter: previous)
        case 31: return unpackGroups(src, width: 31, into: out, documentsAfter: previous)
        case 32: return unpackGroups(src, width: 32, into: out, documentsAfter: previous)
        default:
            out.update(repeating: 0, count: postingsBlockSize)
            return previous ?? 0
        }
    }

    /// One full block of `width`-bit values, eight at a time: eight values fill exactly `width` bytes, so each group
    /// starts on a byte and within it every load offset and shift is a constant of the width. Each value is read with
    /// an 8-byte load (which must stay readable). With `previous`, the values are deltas less one and the documents
    /// they lead to are stored instead; the last is returned.
    @inline(__always)
    private static func unpackGroups(
        _ src: UnsafeRawPointer, width: Int, into out: UnsafeMutablePointer<UInt32>, documentsAfter previous: Int?
    ) -> Int {
        let mask: UInt64 = width == 32 ? 0xFFFF_FFFF : (1 << UInt64(width)) &- 1
        var group = src, o = out
        var document = previous ?? 0
        for _ in 0..<(postingsBlockSize / 8) {
            for j in 0..<8 {
                let bit = j &* width
                let word = group.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self).littleEndian
                let value = (word &>> UInt64(bit & 7)) & mask
                if previous != nil {
                    document &+= Int(value) &+ 1  // 128 deltas below 2^32 cannot overflow an Int
                    o[j] = UInt32(truncatingIfNeeded: document)
                } else {
                    o[j] = UInt32(truncatingIfNeeded: value)
                }
            }
            group += width
            o += 8
        }
        return document
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
