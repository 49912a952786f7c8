/// What a user dictionary's number words teach the lattice: frames such as `#项` (from 3项, 12项, 7项) or `#年#月#日`,
/// each with the digit counts its listed words have, so that any number in a frame with as many digits is one word
/// (25项, 1997年5月20日), as IK's quantifier segmenter joins numbers with its quantifier list. The frames come from
/// the dictionary alone: SIGHAN's msr list writes 76个 and 18元 as words and yields 469 frames; pku's writes 1932年 as
/// a word and 10 年 as two, and its digit counts keep the two apart (README, "Segmentation").
///
/// A frame begins with a number; a number (`#`) is one whole ICU number word of ASCII digits, with a decimal point
/// (`.` or `·`) between digits or not (1.5亿 and 3亿 make `#亿`; the digit counts are of the whole part); never a
/// part of one. A frame's other elements are Han characters and letters: one with punctuation could not match, the
/// lattice runs between separators.
struct NumberPatterns: Sendable {
    /// One element of a frame after its first number: a UTF-16 unit, or ``number``.
    typealias Element = UInt32
    static let number: Element = 0x1_0000

    /// A frame, with the lowest and highest digit count of each of its numbers among the words that make it.
    struct Frame: Sendable {
        /// The elements after the first number.
        var rest: [Element]
        /// Per number of the frame, first included: the digit counts seen.
        var digits: [ClosedRange<Int>]
    }

    /// A frame needs this many dictionary words (fewer would copy the words themselves, not learn a pattern; the
    /// scores on SIGHAN are flat from 1 to 10).
    static let minimumWords = 3

    /// The frames by the unit that follows their first number.
    private let frames: [UInt16: [Frame]]

    var isEmpty: Bool { frames.isEmpty }

    /// How many frames there are.
    var count: Int { frames.values.reduce(0) { $0 + $1.count } }

    /// The frames of the number words of `folded` (a dictionary's words).
    init(_ folded: FoldedWords) {
        var found: [[Element]: (count: Int, digits: [ClosedRange<Int>])] = [:]
        var word: [UInt16] = []  // (one buffer for every number word's units)
        for w in 0..<folded.count {
            let range = folded.range(w)
            guard (0x30...0x39).contains(folded.bytes[range.lowerBound]) else { continue }
            word.removeAll(keepingCapacity: true)
            folded.bytes.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[range])
                var k = 0
                while k < bytes.count, let (scalar, length) = CorpusText.scalar(inUTF8: bytes, at: k) {
                    word.append(contentsOf: UTF16.encode(scalar)!)
                    k += length
                }
            }
            guard let (elements, digits) = NumberPatterns.frame(of: word) else { continue }
            if let seen = found[elements] {
                guard seen.digits.count == digits.count else { continue }
                let merged = zip(seen.digits, digits).map { min($0.lowerBound, $1)...max($0.upperBound, $1) }
                found[elements] = (seen.count + 1, merged)
            } else {
                found[elements] = (1, digits.map { $0...$0 })
            }
        }
        var frames: [UInt16: [Frame]] = [:]
        for (elements, seen) in found.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) })
        where seen.count >= NumberPatterns.minimumWords {
            frames[UInt16(elements[0]), default: []].append(Frame(rest: elements, digits: seen.digits))
        }
        self.frames = frames
    }

    /// A word's frame (its elements after the first number) and the whole-part digit count of each of its numbers;
    /// nil unless it begins with a digit and holds Han characters or letters besides numbers, and nothing else.
    static func frame(of word: [UInt16]) -> (elements: [Element], digits: [Int])? {
        guard let first = word.first, isDigit(first) else { return nil }
        var elements: [Element] = [], digits: [Int] = []
        var k = 0
        while k < word.count {
            if let (end, whole) = number(in: word, at: k) {
                digits.append(whole)
                if k > 0 { elements.append(Self.number) }
                k = end
            } else {
                let unit = word[k]
                guard TokenStream.isHan(UInt32(unit)) || (0x41...0x5A).contains(unit) || (0x61...0x7A).contains(unit) else {
                    return nil
                }
                elements.append(Element(unit))
                k += 1
            }
        }
        guard !elements.isEmpty else { return nil }
        return (elements, digits)
    }

    /// The number at `k` of `units` (digits, and digits after each decimal point between digits): where it ends and
    /// how many digits its whole part has; nil when `k` is not a digit.
    @inline(__always)
    static func number(in units: some RandomAccessCollection<UInt16>, at k: Int) -> (end: Int, whole: Int)? {
        let s = units.startIndex
        func digit(_ i: Int) -> Bool { i < units.count && isDigit(units[units.index(s, offsetBy: i)]) }
        guard digit(k) else { return nil }
        var end = k
        while digit(end) { end += 1 }
        let whole = end - k
        while end + 1 < units.count, case let u = units[units.index(s, offsetBy: end)], u == 0x2E || u == 0xB7, digit(end + 1) {
            end += 1
            while digit(end) { end += 1 }
        }
        return (end, whole)
    }

    @inline(__always)
    static func isDigit(_ unit: UInt16) -> Bool { unit >= 0x30 && unit <= 0x39 }

    /// The frames whose first number is followed by `unit`.
    @inline(__always)
    func frames(after unit: UInt16) -> [Frame]? { frames[unit] }
}
