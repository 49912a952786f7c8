// The join filter of one text field of a term dictionary (`.tim`, FORMAT.md "Join filter"): built by
// `TermDictionaryOutput` from the field's join terms, probed by `TermDictionary` before a join is sought.

/// A blocked Bloom filter over one field's join terms (`0x01` and two characters, ``AnalyzedTerm/Kind/join``).
///
/// Exact matching looks up the join of a two-character chunk in every field of every segment, and most of the joins
/// it asks for are absent; each seek reads cold blocks of the dictionary. The filter answers "absent" from one cache
/// line for all but about 1 % of them. Blocks of 64 bytes (512 bits, eight little-endian `u64` words); a term sets
/// ``probes`` bits of one block; about ``bitsPerTerm`` bits per join term. (A segment reader keeps one of the same
/// layout in memory over its ids: `SegmentReader.mayHoldID`.)
enum JoinFilter {
    /// The first byte of a join term (the analyzer's `emitJoin`, the matcher's `ChunkMatcher.joinMark`).
    static let mark: UInt8 = 0x01
    static let blockBytes = 64
    static let bitsPerTerm = 10
    static let probes = 6

    /// The term's hash: 64-bit FNV-1a over its bytes, finished with MurmurHash3's 64-bit mix.
    static func hash(_ term: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in term { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return mix(h)
    }

    private static func mix(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// The block of a hash: the high 32 bits scaled to the block count.
    @inline(__always) static func block(_ h: UInt64, blocks: Int) -> Int { Int(((h >> 32) &* UInt64(blocks)) >> 32) }

    /// The `i`-th bit of a hash within its block: 9 bits of a second mix, `i` from 0 to ``probes`` − 1.
    @inline(__always) static func bit(_ second: UInt64, _ i: Int) -> Int { Int((second >> UInt64(9 * i)) & 511) }

    /// The filter over the terms of `hashes` (empty for none: a field without joins), about `bitsPerKey` bits each
    /// (a join filter's are ``bitsPerTerm``).
    static func build(_ hashes: [UInt64], bitsPerKey: Int = bitsPerTerm) -> [UInt8] {
        guard !hashes.isEmpty else { return [] }
        let blocks = (hashes.count * bitsPerKey + 511) / 512
        var words = [UInt64](repeating: 0, count: blocks * 8)
        for h in hashes {
            let base = block(h, blocks: blocks) * 8, second = mix(h)
            for i in 0..<probes {
                let b = bit(second, i)
                words[base + b >> 6] |= 1 << UInt64(b & 63)
            }
        }
        var out = ByteWriter(capacity: blocks * blockBytes)
        for w in words { out.u64(w) }
        return out.bytes
    }

    /// Whether a term of hash `h` may be in the filter `bytes` (a whole number of blocks; none: no join at all).
    static func mayContain(_ h: UInt64, in bytes: UnsafeRawBufferPointer) -> Bool {
        let blocks = bytes.count / blockBytes
        guard blocks > 0 else { return false }
        let base = block(h, blocks: blocks) * blockBytes, second = mix(h)
        for i in 0..<probes {
            let b = bit(second, i)
            let word = bytes.loadUnaligned(fromByteOffset: base + (b >> 6) * 8, as: UInt64.self).littleEndian
            if word & (1 << UInt64(b & 63)) == 0 { return false }
        }
        return true
    }
}
