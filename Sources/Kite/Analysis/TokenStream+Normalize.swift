import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Step 1–2 of the chain: strict UTF-8 decoding, repair of extraction artefacts, per-character folding into `units`.
extension TokenStream {
    enum Class { case none, cjk, digit, dot, other }

    @inline(__always)
    static func isWhitespace(_ cp: UInt32) -> Bool {
        // Ideographs and printable ASCII first: two comparisons for nearly every character of Chinese text.
        if cp > 0x3000 || (cp > 0x20 && cp < 0x85) { return false }
        switch cp {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
             0x3000:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func isHan(_ cp: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(cp) || (0x3400...0x4DBF).contains(cp) || (0xF900...0xFAFF).contains(cp)
            || (0x20000...0x3134F).contains(cp)
    }

    @inline(__always)
    static func classify(_ unit: UInt32) -> Class {
        if unit >= 0x30 && unit <= 0x39 { return .digit }
        if unit == 0x2E { return .dot }
        if unit < 0x2E80 { return .other }
        // CJK radicals, punctuation, kana, ideographs, compatibility forms, full-width forms.
        if unit <= 0x9FFF || (0xF900...0xFAFF).contains(unit) || (0xFE30...0xFE4F).contains(unit)
            || (0xFF00...0xFFEF).contains(unit) || unit >= 0x20000 {
            return .cjk
        }
        return .other
    }

    /// The scalar whose UTF-8 encoding starts at `i`, and its length in bytes; strict (no overlong forms,
    /// surrogates or values past U+10FFFF).
    @inline(__always)
    static func decodeScalar(
        _ bytes: UnsafeBufferPointer<UInt8>, at i: Int
    ) throws(AnalysisError) -> (scalar: UInt32, length: Int) {
        let n = bytes.count
        let b0 = bytes[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        if b0 >= 0xC2 && b0 <= 0xDF {
            guard i + 1 < n, bytes[i + 1] & 0xC0 == 0x80 else { throw .invalidUTF8(byteOffset: i) }
            return ((UInt32(b0 & 0x1F) << 6) | UInt32(bytes[i + 1] & 0x3F), 2)
        }
        if b0 >= 0xE0 && b0 <= 0xEF {
            guard i + 2 < n, bytes[i + 1] & 0xC0 == 0x80, bytes[i + 2] & 0xC0 == 0x80 else {
                throw .invalidUTF8(byteOffset: i)
            }
            let cp = (UInt32(b0 & 0x0F) << 12) | (UInt32(bytes[i + 1] & 0x3F) << 6) | UInt32(bytes[i + 2] & 0x3F)
            guard cp >= 0x800, !(0xD800...0xDFFF).contains(cp) else { throw .invalidUTF8(byteOffset: i) }
            return (cp, 3)
        }
        if b0 >= 0xF0 && b0 <= 0xF4 {
            guard i + 3 < n, bytes[i + 1] & 0xC0 == 0x80, bytes[i + 2] & 0xC0 == 0x80, bytes[i + 3] & 0xC0 == 0x80
            else { throw .invalidUTF8(byteOffset: i) }
            let cp = (UInt32(b0 & 0x07) << 18) | (UInt32(bytes[i + 1] & 0x3F) << 12)
                | (UInt32(bytes[i + 2] & 0x3F) << 6) | UInt32(bytes[i + 3] & 0x3F)
            guard cp >= 0x10000, cp <= 0x10FFFF else { throw .invalidUTF8(byteOffset: i) }
            return (cp, 4)
        }
        throw .invalidUTF8(byteOffset: i)
    }

    /// The scalar whose UTF-8 encoding starts at `i` in well-formed UTF-8, and its length in bytes (no checks: for a
    /// Swift `String`'s bytes, which the standard library has validated).
    @inline(__always)
    static func decodeValidScalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (scalar: UInt32, length: Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 { return (b0, 1) }
        let b1 = UInt32(bytes[i + 1] & 0x3F)
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | b1, 2) }
        let b2 = UInt32(bytes[i + 2] & 0x3F)
        if b0 < 0xF0 { return ((b0 & 0x0F) << 12 | b1 << 6 | b2, 3) }
        return ((b0 & 0x07) << 18 | b1 << 12 | b2 << 6 | UInt32(bytes[i + 3] & 0x3F), 4)
    }

    /// Decodes UTF-8 (validating it unless `validUTF8`), repairs extraction artefacts and folds characters into
    /// `units`.
    func normalize(_ text: UnsafeRawBufferPointer, validUTF8: Bool = false) throws(AnalysisError) {
        count = 0
        // Every character yields at most one unit per UTF-8 byte, except expansions, which reserve for themselves.
        reserve(text.count + 64)
        let repair = configuration.repairsExtractionArtifacts
        let bytes = text.bindMemory(to: UInt8.self)
        let n = bytes.count
        var i = 0
        // The last two characters kept (folded), classified only where whitespace needs them (``flushSpace``).
        var prev = TokenStream.noCharacter, prevPrev = TokenStream.noCharacter
        var pendingSpace = false
        var spaceStart: Int32 = 0, spaceEnd: Int32 = 0
        try folding.table.withUnsafeBufferPointer { (table: UnsafeBufferPointer<UInt32>) throws(AnalysisError) in
        try folding.expansions.withUnsafeBufferPointer { (expansions: UnsafeBufferPointer<UInt16>) throws(AnalysisError) in
        while i < n {
            let (cp, len) = validUTF8 ? TokenStream.decodeValidScalar(bytes, at: i) : try TokenStream.decodeScalar(bytes, at: i)
            let start = Int32(i), end = Int32(i + len)
            i += len
            if TokenStream.isWhitespace(cp) {
                if !pendingSpace { pendingSpace = true; spaceStart = start }
                spaceEnd = end
                continue
            }
            // Fold the character.
            let first: UInt32
            if cp < 0x10000 {
                let entry = table[Int(cp)]
                if entry & 0x8000_0000 == 0 {
                    first = entry
                    if pendingSpace {
                        flushSpace(before: first, prev: prev, prevPrev: prevPrev, repair: repair, spaceStart, spaceEnd)
                        pendingSpace = false
                    }
                    append(UInt16(truncatingIfNeeded: entry), start, end)
                } else {
                    let k = Int((entry >> 24) & 0x7F)
                    if k == 0 { continue }  // removed by normalization (default ignorables)
                    let offset = Int(entry & 0xFF_FFFF)
                    first = UInt32(expansions[offset])
                    if pendingSpace {
                        flushSpace(before: first, prev: prev, prevPrev: prevPrev, repair: repair, spaceStart, spaceEnd)
                        pendingSpace = false
                    }
                    reserve(count + k + (n - i) + 64)
                    for j in 0..<k { append(expansions[offset + j], start, end) }
                }
            } else {
                first = cp
                if pendingSpace {
                    flushSpace(before: first, prev: prev, prevPrev: prevPrev, repair: repair, spaceStart, spaceEnd)
                    pendingSpace = false
                }
                let v = cp - 0x10000
                append(UInt16(0xD800 + (v >> 10)), start, end)
                append(UInt16(0xDC00 + (v & 0x3FF)), start, end)
            }
            prevPrev = prev
            prev = first
        }
        }
        }
    }

    /// `prev` before any character: not a scalar value.
    static let noCharacter: UInt32 = .max

    /// Keeps a whitespace run as one space, or drops it when repair says it is an extraction artefact.
    @inline(__always)
    func flushSpace(
        before next: UInt32, prev prevCharacter: UInt32, prevPrev prevPrevCharacter: UInt32, repair: Bool,
        _ start: Int32, _ end: Int32
    ) {
        if prevCharacter == TokenStream.noCharacter { return }  // leading whitespace
        if repair {
            let prev = TokenStream.classify(prevCharacter)
            let prevPrev = prevPrevCharacter == TokenStream.noCharacter ? Class.none : TokenStream.classify(prevPrevCharacter)
            let cur = TokenStream.classify(next)
            if prev == .cjk || cur == .cjk { return }
            if prev == .digit && (cur == .digit || cur == .dot) { return }
            if prev == .dot && prevPrev == .digit && cur == .digit { return }
        }
        append(0x20, start, end)
    }
}
