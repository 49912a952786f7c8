/// A short excerpt of a stored field around its highlighted terms, with whitespace collapsed (PDF line breaks
/// removed between CJK characters) so that it reads as one line.
public struct Snippet: Hashable, Sendable {
    /// The excerpt text; "…" marks cut ends.
    public var text: String
    /// UTF-8 byte ranges of the highlighted terms within ``text``.
    public var highlights: [Range<Int>]

    /// Builds a snippet of at most about `maxCharacters` characters from `text`, around the window with the most
    /// highlighted text, a range counting by the square of its length, so that the query found whole (one long
    /// merged range) outweighs its words scattered (`highlights` are UTF-8 byte ranges into `text`, as
    /// ``Hit/highlights`` gives them).
    public init(text: String, highlights: [Range<Int>], maxCharacters: Int = 100) {
        let bytes = Array(text.utf8)
        // Character starts (byte offsets), skipping whitespace runs.
        var chars: [(start: Int, end: Int, space: Bool)] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            let end = min(i + len, bytes.count)
            let isSpace = b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 || (len == 3 && bytes[i] == 0xE3 && end - i == 3 && bytes[i + 1] == 0x80 && bytes[i + 2] == 0x80)
            chars.append((i, end, isSpace))
            i = end
        }
        // Choose the window start: the one whose highlights, each weighted by its squared length, weigh most.
        let starts = highlights.map(\.lowerBound)
        var bestStart = 0, bestWeight = -1
        var charIndexOf: [Int: Int] = [:]
        for (k, c) in chars.enumerated() { charIndexOf[c.start] = k }
        for s in starts {
            guard let k = charIndexOf[s] else { continue }
            let from = max(0, k - maxCharacters / 4)
            let limit = from + maxCharacters < chars.count ? chars[from + maxCharacters].start : bytes.count
            var weight = 0
            for r in highlights where r.lowerBound >= chars[from].start && r.lowerBound < limit { weight += r.count * r.count }
            if weight > bestWeight { bestWeight = weight; bestStart = from }
        }
        let from = bestStart
        let to = min(chars.count, from + maxCharacters)
        var out: [UInt8] = []
        var map: [Int: Int] = [:]  // source byte → output byte, at character starts and ends
        if from > 0 { out.append(contentsOf: Array("…".utf8)) }
        var k = from
        while k < to {
            let c = chars[k]
            map[c.start] = out.count
            if c.space {
                // Keep one space only between two Latin letters (PDF extraction spaced CJK text and digits).
                var j = k
                while j < to && chars[j].space { j += 1 }
                func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
                let prevLatin = out.last.map(isLetter) ?? false
                let nextLatin = j < to && isLetter(bytes[chars[j].start])
                if prevLatin && nextLatin { out.append(0x20) }
                for m in k..<j { map[chars[m].start] = out.count; map[chars[m].end] = out.count }
                k = j
                continue
            }
            out.append(contentsOf: bytes[c.start..<c.end])
            map[c.end] = out.count
            k += 1
        }
        let windowStart = from < chars.count ? chars[from].start : bytes.count
        let windowEnd = to < chars.count ? chars[to].start : bytes.count
        if to < chars.count { out.append(contentsOf: Array("…".utf8)) }
        self.text = String(decoding: out, as: UTF8.self)
        self.highlights = highlights.compactMap { r in
            guard r.lowerBound >= windowStart, r.upperBound <= windowEnd, let a = map[r.lowerBound], let b = map[r.upperBound], a < b
            else { return nil }
            return a..<b
        }
    }
}
