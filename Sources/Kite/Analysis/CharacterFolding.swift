import CKite

/// A per-code-point table of what normalization makes of each BMP character: NFKC with case folding (full-width
/// letters and digits to ASCII, Latin to lower case). Traditional → simplified folding is applied later, to the
/// segmented words (see ``TraditionalSimplified``), so that ICU segments the text as written.
///
/// Built once per process from ICU (whole-table calls, not per character), so that folding costs one table lookup
/// per character on the hot path. Characters outside the BMP pass through unchanged; normalization is per character,
/// so combining sequences are not composed (irrelevant for Chinese, documented in ARCHITECTURE.md).
struct CharacterFolding: Sendable {
    /// Per BMP code point: bit 31 clear → the low 16 bits are the single replacement unit; bit 31 set → bits 0–23
    /// are an offset into `expansions` and bits 24–30 a length (0 = the character is removed).
    let table: [UInt32]
    let expansions: [UInt16]

    static let shared = CharacterFolding()

    private init() {
        // All BMP code points except NUL and surrogates, each followed by a NUL separator that blocks composition.
        var input: [UInt16] = []
        input.reserveCapacity(2 * 65536)
        var codePoints: [UInt16] = []
        for cp in 1..<0x10000 where !(0xD800...0xDFFF).contains(cp) {
            input.append(UInt16(cp))
            input.append(0)
            codePoints.append(UInt16(cp))
        }
        let pieces = CharacterFolding.normalizeSeparated(input)
        var table = [UInt32](repeating: 0, count: 0x10000)
        for i in 0..<0x10000 { table[i] = UInt32(i) }
        var expansions: [UInt16] = []
        if pieces.count == codePoints.count {
            for (cp, piece) in zip(codePoints, pieces) {
                if piece.count == 1 {
                    table[Int(cp)] = UInt32(piece[0])
                } else if piece.count < 128 {
                    table[Int(cp)] = 0x8000_0000 | (UInt32(piece.count) << 24) | UInt32(expansions.count)
                    expansions.append(contentsOf: piece)
                }
            }
        }
        self.table = table
        self.expansions = expansions
    }

    private static func normalizeSeparated(_ input: [UInt16]) -> [[UInt16]] {
        var status: Int32 = 0
        var out = [UInt16](repeating: 0, count: input.count * 3 + 16)
        let n = input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                kite_nfkc_casefold(src.baseAddress, Int32(src.count), dst.baseAddress, Int32(dst.count), &status)
            }
        }
        guard status <= 0 else { return [] }
        return split(Array(out[0..<Int(n)]))
    }

    static func transliterate(_ input: [UInt16], id: String) -> [UInt16] {
        var buffer = input + [UInt16](repeating: 0, count: input.count)
        var status: Int32 = 0
        let n = buffer.withUnsafeMutableBufferPointer { buf in
            kite_transliterate(id, buf.baseAddress, Int32(input.count), Int32(buf.count), &status)
        }
        guard status <= 0 else { return input }
        return Array(buffer[0..<Int(n)])
    }

    /// Splits at NUL separators (each piece is terminated by one).
    private static func split(_ units: [UInt16]) -> [[UInt16]] {
        var pieces: [[UInt16]] = []
        pieces.reserveCapacity(65536)
        var current: [UInt16] = []
        for u in units {
            if u == 0 { pieces.append(current); current.removeAll(keepingCapacity: true) } else { current.append(u) }
        }
        return pieces
    }
}
