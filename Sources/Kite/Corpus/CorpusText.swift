/// Small text helpers shared by the corpus readers (internal; no Foundation).
enum CorpusText {
    /// The scalar of the well-formed UTF-8 sequence at `k` and its length in bytes; nil if there is none (an
    /// overlong form, a surrogate, a value past U+10FFFF, a missing or stray continuation byte, the end). The one
    /// UTF-8 decoder of the readers of bytes that must be text: dictionary words, ids, a JSONL error's offset.
    @inline(__always)
    static func scalar(inUTF8 bytes: UnsafeRawBufferPointer, at k: Int) -> (Unicode.Scalar, Int)? {
        let b0 = UInt32(bytes[k])
        if b0 < 0x80 { return (Unicode.Scalar(UInt8(b0)), 1) }
        func next(_ i: Int, _ low: UInt32 = 0x80, _ high: UInt32 = 0xBF) -> UInt32? {
            guard k + i < bytes.count, case let b = UInt32(bytes[k + i]), b >= low, b <= high else { return nil }
            return b & 0x3F
        }
        let value: UInt32, length: Int
        switch b0 {
        case 0xC2...0xDF:
            guard let b1 = next(1) else { return nil }
            (value, length) = ((b0 & 0x1F) << 6 | b1, 2)
        case 0xE0...0xEF:
            let low: UInt32 = b0 == 0xE0 ? 0xA0 : 0x80, high: UInt32 = b0 == 0xED ? 0x9F : 0xBF
            guard let b1 = next(1, low, high), let b2 = next(2) else { return nil }
            (value, length) = ((b0 & 0x0F) << 12 | b1 << 6 | b2, 3)
        case 0xF0...0xF4:
            let low: UInt32 = b0 == 0xF0 ? 0x90 : 0x80, high: UInt32 = b0 == 0xF4 ? 0x8F : 0xBF
            guard let b1 = next(1, low, high), let b2 = next(2), let b3 = next(3) else { return nil }
            (value, length) = ((b0 & 0x07) << 18 | b1 << 12 | b2 << 6 | b3, 4)
        default: return nil
        }
        return Unicode.Scalar(value).map { ($0, length) }
    }

    /// Whether a scalar is whitespace: Unicode's White_Space set (which includes U+3000 IDEOGRAPHIC SPACE and the
    /// no-break spaces), plus U+FEFF, the byte-order mark.
    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: return true
        default: return false
        }
    }

    /// `text` without leading and trailing whitespace.
    static func trimmed(_ text: Substring) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return text[text.endIndex...] }
        let last = scalars.lastIndex(where: { !isSpace($0) }) ?? first
        return Substring(scalars[first...last])
    }

    /// Whether `text` is empty or all whitespace.
    static func isBlank(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.allSatisfy(isSpace)
    }

    /// Whether `text` has more than `limit` unicode scalars: decided by its UTF-8 length when that can, else by
    /// counting the bytes that begin a scalar, up to where the answer is known.
    static func hasMoreScalars(_ text: String, than limit: Int) -> Bool {
        let bytes = text.utf8.count
        if bytes <= limit { return false }
        if bytes > 4 * limit { return true }
        var text = text
        return text.withUTF8 { utf8 in
            // Eight bytes at a time: a continuation byte is 10xxxxxx, so its bit 7 is set and bit 6 clear.
            var continuations = 0, k = 0
            let raw = UnsafeRawBufferPointer(utf8)
            while k + 8 <= raw.count {
                let x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: k, as: UInt64.self))
                continuations += (x & ~(x << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
                k += 8
                if k & 4095 == 0 && k - continuations > limit { return true }
            }
            while k < raw.count {
                if raw[k] & 0xC0 == 0x80 { continuations += 1 }
                k += 1
            }
            return raw.count - continuations > limit
        }
    }

    /// `text` with all whitespace (as ``isSpace(_:)``) removed.
    static func removingWhitespace(_ text: some StringProtocol) -> String {
        // On UTF-8 bytes: the non-ASCII white space characters are U+0085, U+00A0, U+1680, U+2000–U+200A,
        // U+2028, U+2029, U+202F, U+205F, U+3000 and U+FEFF.
        let utf8 = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            let b = utf8[i]
            if b < 0x80 {
                if !(b == 0x20 || (b >= 0x09 && b <= 0x0D)) { out.append(b) }
                i += 1
                continue
            }
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            guard i + length <= utf8.count else {
                out.append(contentsOf: utf8[i...])
                break
            }
            let b1 = utf8[i + 1]
            let isSpace: Bool
            switch (b, length) {
            case (0xC2, 2): isSpace = b1 == 0x85 || b1 == 0xA0
            case (0xE1, 3): isSpace = b1 == 0x9A && utf8[i + 2] == 0x80
            case (0xE2, 3):
                let b2 = utf8[i + 2]
                isSpace = (b1 == 0x80 && ((0x80...0x8A).contains(b2) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF))
                    || (b1 == 0x81 && b2 == 0x9F)
            case (0xE3, 3): isSpace = b1 == 0x80 && utf8[i + 2] == 0x80
            case (0xEF, 3): isSpace = b1 == 0xBB && utf8[i + 2] == 0xBF
            default: isSpace = false
            }
            if !isSpace { out.append(contentsOf: utf8[i..<(i + length)]) }
            i += length
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The lines of `text` (split on `\n`, a trailing `\r` removed), keeping empty ones; with `maxSplits`, the
    /// last element is the rest of the text, newlines and all.
    static func lines(_ text: some StringProtocol, maxSplits: Int = .max) -> [Substring] {
        let pieces = Substring(text).unicodeScalars.split(
            separator: "\n", maxSplits: maxSplits, omittingEmptySubsequences: false)
        return pieces.enumerated().map { index, piece in
            let line = Substring(piece)
            let isRest = index == maxSplits && index == pieces.count - 1
            return !isRest && line.unicodeScalars.last == "\r" ? Substring(line.unicodeScalars.dropLast()) : line
        }
    }

    /// Whether a scalar is CJK (ideographs, CJK punctuation, full-width forms, general punctuation such as “”—),
    /// next to which a space or line break in PDF-extracted text is an artefact.
    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2010...0x206F,  // general punctuation: – — ‘ ’ “ ” … ‧
            0x2E80...0x2FFF,  // radicals
            0x3000...0x303F,  // CJK symbols and punctuation: 、。〈〉《》「」【】〔〕
            0x3040...0x30FF,  // kana
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF,  // ideographs
            0xFE30...0xFE4F,  // CJK compatibility forms
            0xFF00...0xFFEF,  // full-width forms: ，（）：；！？
            0x20000...0x3FFFF:
            return true
        default:
            return false
        }
    }

    private static func isDigitLike(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value >= 0x30 && scalar.value <= 0x39) || scalar == "." || scalar == "%"
    }

    /// Joins the broken lines of PDF-extracted text: removes line breaks and the stray spaces that extraction puts
    /// between CJK characters ("工 作 圆 满" → "工作圆满") and inside numbers ("50 0 0" → "5000", "1 . 13" → "1.13").
    /// A run of whitespace between two Latin letters becomes a single space; leading and trailing whitespace go.
    static func joiningBrokenLines(_ text: some StringProtocol) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            if isSpace(scalar) {
                pendingSpace = previous != nil
                continue
            }
            if pendingSpace, let previous {
                let drop = isWide(previous) || isWide(scalar) || (isDigitLike(previous) && isDigitLike(scalar))
                if !drop { out.append(" ") }
            }
            pendingSpace = false
            out.append(scalar)
            previous = scalar
        }
        return String(out)
    }

    /// The first sentence of joined text: up to (not including) the first 。！？, or all of it.
    static func leadSentence(of joined: String) -> String {
        if let end = joined.unicodeScalars.firstIndex(where: { $0 == "。" || $0 == "！" || $0 == "？" }) {
            return String(joined.unicodeScalars[..<end])
        }
        return joined
    }
}
