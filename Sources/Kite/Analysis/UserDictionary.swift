import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
/// Words the segmenter should know: a user dictionary, as Elasticsearch's IK `ext_dict` or jieba's `userdict.txt`.
///
/// ICU's dictionary does not know words coined since it was built (新质生产力 → 新/质/生产/力). With a user
/// dictionary, each run of words between punctuation and spaces is segmented again over a lattice of ICU's words and
/// the dictionary's (see ``AnalyzerConfiguration/dictionary``). Words are folded as text is (NFKC, case, traditional
/// to simplified), so 專精特新 in the dictionary matches 专精特新 in text and the other way round.
///
/// A dictionary is part of an index's analyzer: its digest is in the fingerprint and the index keeps a copy, which
/// readers use without being told.
public struct UserDictionary: Hashable, Sendable, Codable {
    /// The distinct folded words, sorted by their UTF-8 bytes (made on each call; ``wordCount`` counts them).
    public var words: [String] { (0..<folded.count).map { folded.string($0) } }
    /// How many words.
    public var wordCount: Int { folded.count }
    /// A 128-bit digest of ``words`` (32 hex digits), part of the analyzer fingerprint.
    public let digest: String
    /// The words as the lattice and the index's copy read them: bytes, sorted and distinct.
    let folded: FoldedWords

    /// Why a dictionary could not be read: the file (if any), the 1-based line (if any), and what is wrong.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The dictionary file, when the dictionary came from one.
        public var path: String? = nil
        /// The 1-based line (or word) number, when one line is at fault.
        public var line: Int? = nil
        /// What is wrong.
        public var reason: String
        /// `dictionary FILE, line N: reason`.
        public var description: String {
            "dictionary" + (path.map { " \($0)" } ?? "") + (line.map { ", line \($0)" } ?? "") + ": \(reason)"
        }
    }

    /// A dictionary of `words` (folded, deduplicated; empty and whitespace-only entries are an error).
    public init(words: some Sequence<String>) throws(ParseError) {
        let folder = try WordFolder()
        var folded = FoldedWords()
        for (i, word) in words.enumerated() {
            try folder.fold(Array(word.utf8)[...], line: i + 1, into: &folded)
        }
        self.init(sorted: folded.sortedDistinct())
    }

    /// Parses dictionary text: one word per line, optionally followed by whitespace and a frequency and a tag
    /// (jieba's `userdict.txt`; IK's `ext_dict` is one word per line). `#` starts a comment line; blank lines and a
    /// leading byte-order mark are skipped. Frequencies and tags are accepted and not used: the segmentation that
    /// measured best needs none (README, "Segmentation").
    public init(parsing text: String) throws(ParseError) {
        let folder = try WordFolder()
        var folded = FoldedWords()
        let bytes = Array(text.utf8)
        var number = 0, start = 0
        // Lines split on "\n" bytes (a "\r" before it is whitespace): CRLF files work.
        while start <= bytes.count {
            let end = bytes.withUnsafeBytes { (raw) -> Int in
                guard start < raw.count, let newline = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) else {
                    return raw.count
                }
                return UnsafeRawPointer(newline) - raw.baseAddress!
            }
            number += 1
            var line = bytes[start..<end]
            start = end + 1
            if number == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }  // a byte-order mark
            guard let word = try UserDictionary.word(of: line, number: number) else { continue }
            try folder.fold(bytes[word], line: number, into: &folded)
        }
        self.init(sorted: folded.sortedDistinct())
    }

    /// Where the word of one line is (indices of `line`'s base): its first field, nil for a blank or `#` line,
    /// checked as jieba's `word [frequency] [tag]`. A line of one field with no byte that can begin a whitespace
    /// character — most lines — is the word itself, read without splitting.
    private static func word(of line: ArraySlice<UInt8>, number: Int) throws(ParseError) -> Range<Int>? {
        // ASCII whitespace, and the lead bytes of U+0085, U+00A0, U+1680, U+2000…U+205F and U+3000.
        if !line.contains(where: { $0 <= 0x20 || $0 == 0xC2 || ($0 >= 0xE1 && $0 <= 0xE3) }) {
            guard let first = line.first, first != 0x23 else { return nil }  // blank, or `#`
            return line.indices
        }
        let text = String(decoding: line, as: UTF8.self)  // (valid: it is a piece of a String's bytes between lines)
        let fields = text.split(whereSeparator: { $0.isWhitespace })
        guard let word = fields.first, !word.hasPrefix("#") else { return nil }
        guard fields.count <= 3 else {
            throw ParseError(line: number, reason: "expected a word, a frequency and a tag at most, found \(fields.count) fields")
        }
        // jieba: word [frequency] [tag]; a second field that is not a number is the tag.
        let isFrequency = fields.count == 3 || fields.count == 2 && fields[1].allSatisfy { $0.isNumber || $0 == "-" }
        if fields.count >= 2, isFrequency, Int(fields[1]) == nil || Int(fields[1])! < 0 {
            throw ParseError(line: number, reason: "frequency '\(fields[1])' is not a non-negative whole number")
        }
        let offset = text.utf8.distance(from: text.utf8.startIndex, to: word.startIndex)
        return (line.startIndex + offset)..<(line.startIndex + offset + word.utf8.count)
    }

    /// Dictionaries are equal when their digests are (a digest names its words; comparing 100,000 words on every
    /// analyzer lookup would not do).
    public static func == (a: UserDictionary, b: UserDictionary) -> Bool {
        a.digest == b.digest && a.wordCount == b.wordCount
    }

    /// Hashes the digest.
    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    /// Reads a dictionary file (UTF-8).
    public init(contentsOfFile path: String) throws(ParseError) {
        let bytes: [UInt8]
        do { bytes = try readFileBytes(atPath: path) } catch {
            throw ParseError(path: path, reason: "cannot read: \(error.reason)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ParseError(path: path, reason: "not UTF-8 text")
        }
        do { try self.init(parsing: text) } catch {
            var located = error
            located.path = path
            throw located
        }
    }

    /// Decodes the words and computes the digest again (a decoded digest is not trusted: it names the words).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(words: try container.decode([String].self, forKey: .words))
    }

    /// Encodes the words and their digest.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(words, forKey: .words)
        try container.encode(digest, forKey: .digest)
    }

    private enum CodingKeys: String, CodingKey { case words, digest }

    /// The union of several dictionaries (`--dictionary` given more than once).
    public init(merging dictionaries: [UserDictionary]) {
        if dictionaries.count == 1 {
            self = dictionaries[0]
            return
        }
        var all = FoldedWords()
        for dictionary in dictionaries {
            for i in 0..<dictionary.wordCount { all.append(dictionary.folded.bytes[dictionary.folded.range(i)]) }
        }
        self.init(sorted: all.sortedDistinct())
    }

    /// The dictionary of folded words sorted by their bytes and distinct, as ``FoldedWords/sortedDistinct()`` makes
    /// them and an index keeps them (not folded again: folding is not idempotent for a few characters, 苎 ⇄ 苧).
    init(sorted folded: FoldedWords) {
        self.folded = folded
        var a: UInt64 = 0xCBF2_9CE4_8422_2325, b: UInt64 = 0x8422_2325_CBF2_9CE4
        func mix(_ byte: UInt8) {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b &+ UInt64(byte) &+ 1) &* 0xC4CE_B9FE_1A85_EC53
            b ^= b >> 31
        }
        folded.bytes.withUnsafeBufferPointer { bytes in
            for i in 0..<folded.count {
                for byte in bytes[folded.range(i)] { mix(byte) }
                mix(0)
            }
        }
        digest = FileFormat.hex(a) + FileFormat.hex(b)
    }

    /// Whether `bytes` can be a word of an index's copy: 1 to ``maximumWordLength`` bytes of UTF-8 without
    /// whitespace.
    static func isFoldedWord(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !bytes.isEmpty, bytes.count <= maximumWordLength else { return false }
        var k = 0
        while k < bytes.count {
            guard let (scalar, length) = CorpusText.scalar(inUTF8: bytes, at: k), !CorpusText.isSpace(scalar) else { return false }
            k += length
        }
        return true
    }

    /// The longest word accepted, in UTF-8 bytes after folding.
    public static let maximumWordLength = 256

    /// Folds words as text is folded before segmentation (NFKC, case) and in terms (traditional → simplified), with
    /// one token stream for all of a dictionary's words.
    struct WordFolder {
        private let stream: TokenStream

        init() throws(ParseError) {
            let configuration = AnalyzerConfiguration(
                repairsExtractionArtifacts: false, emitsBigrams: false, subwords: [], emitsJoins: false)
            do { stream = try TokenStream.make(configuration) } catch { throw ParseError(reason: "\(error)") }
        }

        /// Appends the folded `word` to `words`.
        func fold(_ word: ArraySlice<UInt8>, line: Int, into words: inout FoldedWords) throws(ParseError) {
            let start = words.bytes.count
            guard start <= FoldedWords.maximumBytes - UserDictionary.maximumWordLength else {
                throw ParseError(line: line, reason: "a dictionary of more than \(FoldedWords.maximumBytes) bytes of words")
            }
            if !word.withUnsafeBytes({ stream.appendFoldedHanWord($0, to: &words.bytes) }) {
                let result = word.withUnsafeBytes { raw in Result { () throws(AnalysisError) in try stream.foldedPieces(raw) } }
                let pieces: [[UInt8]]
                do { pieces = try result.get() } catch { throw ParseError(line: line, reason: "\(error)") }
                guard pieces.count == 1, let piece = pieces.first, !piece.isEmpty else {
                    throw ParseError(line: line, reason: pieces.isEmpty ? "empty word" : "a word cannot contain whitespace")
                }
                words.bytes.append(contentsOf: piece)
            }
            guard words.bytes.count - start <= UserDictionary.maximumWordLength else {
                words.bytes.removeSubrange(start...)
                throw ParseError(line: line, reason: "a word longer than \(UserDictionary.maximumWordLength) bytes of UTF-8")
            }
            words.ends.append(Int32(words.bytes.count))
        }
    }

    /// The name of the index file that holds the dictionary of digest `digest`.
    static func fileName(digest: String) -> String { "dictionary-\(digest)" }

    /// The dictionary digest named by an analyzer fingerprint, if any.
    static func digest(inFingerprint fingerprint: String) -> String? {
        fingerprint.split(separator: ";").first { $0.hasPrefix("dict=") }.map { String($0.dropFirst(5)) }
            .flatMap { isDigest($0) ? $0 : nil }
    }

    /// Whether `text` has a digest's form: 32 lowercase hexadecimal digits.
    static func isDigest(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

/// Folded words as one buffer of UTF-8 bytes and where each ends: a 100,000-word dictionary is two arrays, not
/// 100,000 strings (reading an index's copy and building the lattice: 716 M → 207 M instructions).
struct FoldedWords: Sendable {
    var bytes: [UInt8] = []
    /// Where each word ends in ``bytes`` (the next one begins there).
    var ends: [Int32] = []

    var count: Int { ends.count }

    /// The most bytes of words a dictionary holds (ends are 32-bit).
    static let maximumBytes = Int(Int32.max)

    func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i]) }

    func string(_ i: Int) -> String { String(decoding: bytes[range(i)], as: UTF8.self) }

    mutating func append(_ word: some Collection<UInt8>) {
        bytes.append(contentsOf: word)
        ends.append(Int32(bytes.count))
    }

    /// The words sorted by their bytes, repeats dropped.
    func sortedDistinct() -> FoldedWords {
        bytes.withUnsafeBytes { raw in
            func word(_ i: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: raw[range(i)]) }
            // Sorted by the first 8 bytes as a big-endian number (zeros after a shorter word: a prefix sorts
            // first, as in byte order), the whole words compared only where those are equal.
            var order = (0..<count).map { i in
                let w = word(i)
                var key: UInt64 = 0
                for k in 0..<8 { key = key << 8 | UInt64(k < w.count ? w[k] : 0) }
                return (key: key, word: Int32(i))
            }
            order.sort { a, b in a.key != b.key ? a.key < b.key : compareBytes(word(Int(a.word)), word(Int(b.word))) < 0 }
            var out = FoldedWords()
            out.bytes.reserveCapacity(bytes.count)
            out.ends.reserveCapacity(count)
            var previous: Int? = nil
            for i in order.lazy.map({ Int($0.word) }) where previous.map({ compareBytes(word($0), word(i)) != 0 }) ?? true {
                out.append(word(i))
                previous = i
            }
            return out
        }
    }
}

/// The dictionary's words as a trie over UTF-16 units as the segmenter sees them, for the lattice walk: from each
/// position, step while the text so far is a prefix of some word, noting where it is a word. Nodes are numbered
/// level by level in sorted order, so a node's children are consecutive: the child on a unit is found by a short
/// search among its siblings' units, and a 100,000-word trie takes about 2 MB (a hash table of (parent, unit) took
/// 16 MB: `kite index --dictionary` peaks 16 MiB lower, at the same speed). The first step reads two bits per unit
/// (16 KB); the second, where a first character has hundreds of children (大, 一, 张) and their search missed the
/// cache at every halving, reads a hash table of the two-unit prefixes (``pairs``, 1 MB for 100,000 words), which
/// the walk prefetches for a whole run before it needs them: on short documents with a 100,000-word list the walk
/// went from 15 % to 12.5 % of the cycles (`perf record`), the same words.
final class DictionaryLattice: Sendable {
    /// A trie node: the unit that leads to it, where its children begin (`link & childMask`; they end where the
    /// next node's begin) and whether a word ends there (``wordBit``). One record, so that the walk reads the word
    /// flag and the children of the child it has just found from the cache line it found it in.
    struct Node {
        var link: UInt32
        var unit: UInt16
    }

    /// The nodes level by level, and one past the last (its link ends the last node's children).
    private let nodes: [Node]
    private static let wordBit: UInt32 = 1 << 31, childMask: UInt32 = wordBit - 1
    /// Per unit, two bits: whether some word begins with it (1), whether it is a word (2). 16 KB: the walk reads it
    /// at every position, from the first-level cache.
    private let firstUnits: [UInt8]
    /// How many nodes the first level has: nodes 0 ..< firstLevelCount, one per first unit, in unit order.
    private let firstLevelCount: Int
    /// The longest word, in units.
    let maxLength: Int
    /// The frames of the dictionary's number words (used when the analyzer ``AnalyzerConfiguration/learnsNumberPatterns``).
    let numberPatterns: NumberPatterns
    /// Whether ``numberPatterns`` has any frame.
    let hasNumberPatterns: Bool
    /// The two-unit prefixes: open addressing, linear probing, at most half full; an entry is the prefix's units
    /// (high 32 bits: first << 16 | second) and its ``Pair`` (low 32 bits); 0 is empty (no word begins with U+0000).
    private let pairs: [UInt64]
    private let pairShift: UInt32
    /// One bit per hash of a two-unit prefix, set for the table's prefixes (64 KB, 2^19 bits): most pairs of text
    /// begin no word, and the bit says so from the cache where a probe of ``pairs`` would miss it and walk a cluster.
    private let pairFilter: [UInt64]
    private static let filterBits: UInt32 = 19
    /// One bit per hash of two units that stand side by side in some word (128 KB, 2^20 bits): a word crosses the
    /// boundary between two units of text only if they are such a pair, and most pairs around ICU's boundaries are
    /// not.
    private let innerPairs: [UInt64]
    private static let innerBits: UInt32 = 20

    /// A two-unit prefix's node with what the walk asks of it first: whether it is a word, whether longer words
    /// begin with it. 0: no word begins with the two units (node 0 is of the first level, never a prefix of two).
    struct Pair {
        let bits: UInt32
        static let none = Pair(bits: 0)
        static let wordBit: UInt32 = 1 << 31, childrenBit: UInt32 = 1 << 30, nodeMask: UInt32 = childrenBit - 1
        var exists: Bool { bits != 0 }
        var isWord: Bool { bits & Pair.wordBit != 0 }
        var hasChildren: Bool { bits & Pair.childrenBit != 0 }
        var node: UInt32 { bits & Pair.nodeMask }
    }

    /// The lattice of `dictionary`, built once per digest and shared by every token stream of the process.
    static func shared(_ dictionary: UserDictionary) -> DictionaryLattice {
        cacheLock.withLock {
            if let lattice = cache[dictionary.digest] { return lattice }
            let lattice = DictionaryLattice(dictionary)
            cache[dictionary.digest] = lattice
            return lattice
        }
    }

    private static let cacheLock = Mutex()
    nonisolated(unsafe) private static var cache: [String: DictionaryLattice] = [:]

    /// The words the lattice uses, in UTF-16 units as the walk reads text, sorted by them: words of Han characters,
    /// and words that mix Han characters with letters or digits (`1996年`, `5G手机`). The lattice never starts or
    /// ends a word inside one of ICU's letter, number or kana words, so a mixed word joins such a word only whole
    /// (`5G手机` in 5G手机, not in 15G手机), and a chunk such as `AI` keeps matching whole letter words only. A word
    /// with punctuation, spaces or no Han character is kept in the dictionary (and its digest) but not used: the
    /// lattice runs over words, between separators.
    static func usedWords(_ folded: FoldedWords) -> WordTrie.Words {
        var words = WordTrie.Words()
        words.units.reserveCapacity(folded.bytes.count)  // (no more UTF-16 units than UTF-8 bytes)
        words.starts.reserveCapacity(folded.count + 1)
        // Byte order is code point order; UTF-16 order differs only when a surrogate meets U+E000…U+FFFF, so the
        // words need sorting again only if some unit is a surrogate or above U+DFFF.
        var high = false
        folded.bytes.withUnsafeBytes { raw in
            for i in 0..<folded.count {
                let start = words.units.count
                guard appendUTF16(ofUsed: UnsafeRawBufferPointer(rebasing: raw[folded.range(i)]), to: &words.units) else {
                    words.units.removeSubrange(start...)
                    continue
                }
                high = high || words.units[start...].contains { $0 >= 0xD800 }
                words.starts.append(Int32(words.units.count))
            }
        }
        guard high else { return words }
        var resorted = WordTrie.Words()
        for word in (0..<words.count).map({ w in (0..<words.length(w)).map { words.unit(w, $0) } })
            .sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            resorted.append(word)
        }
        return resorted
    }

    /// Appends the UTF-16 units of the UTF-8 word `bytes` to `units` and says whether the lattice uses it
    /// (``usedWords(_:)``; a word it does not use leaves some units behind, which the caller removes). The common
    /// case, a character of U+4E00…U+9FFF, is decoded from its three bytes without a table.
    private static func appendUTF16(ofUsed bytes: UnsafeRawBufferPointer, to units: inout [UInt16]) -> Bool {
        var han = false
        var k = 0
        while k < bytes.count {
            let b0 = bytes[k]
            if b0 >= 0xE4 && b0 <= 0xE9 && k + 2 < bytes.count && bytes[k + 1] & 0xC0 == 0x80 && bytes[k + 2] & 0xC0 == 0x80 {
                let cp = UInt16(b0 & 0x0F) << 12 | UInt16(bytes[k + 1] & 0x3F) << 6 | UInt16(bytes[k + 2] & 0x3F)
                if cp >= 0x4E00 {  // (all of U+4E00…U+9FFF is Han)
                    units.append(cp)
                    han = true
                    k += 3
                    continue
                }
            }
            guard let (scalar, length) = CorpusText.scalar(inUTF8: bytes, at: k) else { return false }
            k += length
            if TokenStream.isHan(scalar.value) {
                han = true
            } else if scalar.isASCII {  // (the properties below, without their table lookups)
                let v = scalar.value
                guard (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) else { return false }
            } else if !(scalar.properties.isAlphabetic || scalar.properties.generalCategory == .decimalNumber) {
                return false
            }
            if scalar.value < 0x10000 {
                units.append(UInt16(scalar.value))
            } else {
                units.append(UInt16(0xD800 + ((scalar.value - 0x10000) >> 10)))
                units.append(UInt16(0xDC00 + (scalar.value & 0x3FF)))
            }
        }
        return han
    }

    private init(_ dictionary: UserDictionary) {
        let words = DictionaryLattice.usedWords(dictionary.folded)
        maxLength = (0..<words.count).reduce(0) { max($0, words.length($1)) }
        numberPatterns = NumberPatterns(dictionary.folded)
        hasNumberPatterns = !numberPatterns.isEmpty
        let trie = WordTrie(sorted: words)
        var inner = [UInt64](repeating: 0, count: 1 << (Int(DictionaryLattice.innerBits) - 6))
        words.units.withUnsafeBufferPointer { units in
            for w in 0..<words.count {
                for k in Int(words.starts[w])..<(Int(words.starts[w + 1]) - 1) {
                    let bit = DictionaryLattice.innerBit(DictionaryLattice.pairKey(units[k], units[k + 1]))
                    inner[bit >> 6] |= 1 << (bit & 63)
                }
            }
        }
        self.innerPairs = inner
        let (units, firstChild) = (trie.units, trie.firstChild)
        precondition(units.count < Int(Pair.nodeMask), "a dictionary of more than 2^30 trie nodes")
        var firstUnits = [UInt8](repeating: 0, count: 1 << 14)
        for node in 0..<trie.firstLevelCount {
            let unit = Int(units[node])
            firstUnits[unit >> 2] |= (trie.word[node] >= 0 ? 3 : 1) << (2 * (unit & 3))
        }
        self.nodes = firstChild.indices.map { i in
            i < units.count
                ? Node(link: firstChild[i] | (trie.word[i] >= 0 ? DictionaryLattice.wordBit : 0), unit: units[i])
                : Node(link: firstChild[i], unit: 0)
        }
        self.firstUnits = firstUnits
        self.firstLevelCount = trie.firstLevelCount
        let first = trie.firstLevelCount
        let pairCount = Int(firstChild[first]) - first
        var bits = 4
        while (1 << bits) < 2 * pairCount { bits += 1 }
        var pairs = [UInt64](repeating: 0, count: 1 << bits)
        var filter = [UInt64](repeating: 0, count: 1 << (Int(DictionaryLattice.filterBits) - 6))
        for parent in 0..<first {
            for child in Int(firstChild[parent])..<Int(firstChild[parent + 1]) {
                let key = UInt32(units[parent]) << 16 | UInt32(units[child])
                var slot = DictionaryLattice.slot(key, shift: UInt32(32 - bits))
                while pairs[slot] != 0 { slot = (slot + 1) & (pairs.count - 1) }
                let flags = (trie.word[child] >= 0 ? Pair.wordBit : 0) | (trie.hasChildren(child) ? Pair.childrenBit : 0)
                pairs[slot] = UInt64(key) << 32 | UInt64(UInt32(child) | flags)
                let bit = DictionaryLattice.filterBit(key)
                filter[bit >> 6] |= 1 << (bit & 63)
            }
        }
        self.pairs = pairs
        self.pairShift = UInt32(32 - bits)
        self.pairFilter = filter
    }

    @inline(__always)
    private static func slot(_ key: UInt32, shift: UInt32) -> Int { Int((key &* 0x9E37_79B1) >> shift) }

    /// The bit of `key` in ``pairFilter``.
    @inline(__always)
    private static func filterBit(_ key: UInt32) -> Int { Int((key &* 0x85EB_CA6B) >> (32 - filterBits)) }

    /// The bit of `key` in ``innerPairs``.
    @inline(__always)
    private static func innerBit(_ key: UInt32) -> Int { Int((key &* 0xCC9E_2D51) >> (32 - innerBits)) }

    /// Whether some word may hold the units `a` and `b` side by side (false: no word crosses a boundary between
    /// them).
    @inline(__always)
    func mayCross(_ a: UInt16, _ b: UInt16) -> Bool {
        let bit = DictionaryLattice.innerBit(DictionaryLattice.pairKey(a, b))
        return innerPairs.withUnsafeBufferPointer { $0[bit >> 6] >> UInt64(bit & 63) & 1 != 0 }
    }

    /// Whether `key` may be in the table (false: no word begins with the two units).
    @inline(__always)
    private func mayBePair(_ key: UInt32) -> Bool {
        let bit = DictionaryLattice.filterBit(key)
        return pairFilter.withUnsafeBufferPointer { $0[bit >> 6] >> UInt64(bit & 63) & 1 != 0 }
    }

    /// Whether some word begins with `unit`.
    @inline(__always)
    func mayStart(with unit: UInt16) -> Bool { firstBits(unit) & 1 != 0 }

    /// Whether `unit` alone is a word.
    @inline(__always)
    func isOneUnitWord(_ unit: UInt16) -> Bool { firstBits(unit) & 2 != 0 }

    @inline(__always)
    private func firstBits(_ unit: UInt16) -> UInt8 {
        firstUnits.withUnsafeBufferPointer { $0[Int(unit >> 2)] >> (2 * (unit & 3)) }
    }

    /// Whether a word ends at `node`.
    @inline(__always)
    func isWord(_ node: UInt32) -> Bool { nodes[Int(node)].link & DictionaryLattice.wordBit != 0 }

    /// The child of `node` on `unit`, if the text so far followed by `unit` begins some word.
    @inline(__always)
    func step(_ node: UInt32, _ unit: UInt16) -> UInt32? {
        nodes.withUnsafeBufferPointer { nodes in
            // Siblings' units are sorted: halve a long run down to a few (every unit before `lo` is smaller, none
            // from `hi` on is), then scan from `lo` to the first unit not smaller.
            let mask = DictionaryLattice.childMask
            var lo = Int(nodes[Int(node)].link & mask), hi = Int(nodes[Int(node) + 1].link & mask)
            let end = hi
            while hi - lo > 8 {
                let mid = (lo + hi) / 2
                if nodes[mid].unit < unit { lo = mid + 1 } else { hi = mid }
            }
            while lo < end && nodes[lo].unit < unit { lo += 1 }
            return lo < end && nodes[lo].unit == unit ? UInt32(lo) : nil
        }
    }
}

extension DictionaryLattice {
    /// Whether `text` begins some word and whether it is one, by the walk's own steps: the first unit's bits, the
    /// two-unit prefix's entry, then the trie (``TokenStream/resegmentRun(_:_:into:)`` inlines them; tests call this).
    func lookUp(_ text: [UInt16]) -> (isPrefix: Bool, isWord: Bool) {
        guard let first = text.first, mayStart(with: first) else { return (false, false) }
        if text.count == 1 { return (true, isOneUnitWord(first)) }
        let pair = pair(Self.pairKey(first, text[1]))
        guard pair.exists else { return (false, false) }
        if text.count == 2 { return (true, pair.isWord) }
        guard pair.hasChildren else { return (false, false) }
        var node = pair.node
        for unit in text.dropFirst(2) {
            guard let next = step(node, unit) else { return (false, false) }
            node = next
        }
        return (true, isWord(node))
    }

    /// The end of the longest word that starts at `i` in text `t` (folded by `fold`) and ends by `n`; `i + 1` when
    /// none is longer than one unit. The walk's own steps.
    @inline(__always)
    func longestWordEnd(_ t: UnsafePointer<UInt16>, _ fold: UnsafePointer<UInt16>, from i: Int, before n: Int) -> Int {
        let first = fold[Int(t[i])]
        guard i + 1 < n, mayStart(with: first) else { return i + 1 }
        let pair = pair(Self.pairKey(first, fold[Int(t[i + 1])]))
        guard pair.exists else { return i + 1 }
        var end = pair.isWord ? i + 2 : i + 1
        guard pair.hasChildren else { return end }
        var at = pair.node, k = i + 2
        let limit = min(n, i + maxLength)
        while k < limit, let child = step(at, fold[Int(t[k])]) {
            at = child
            k += 1
            if isWord(at) { end = k }
        }
        return end
    }

    /// Whether some word is longer than `text` (folded units) and begins with it: a word that starts in `text` may
    /// then end past it. Asked once per distinct word (``TokenStream/resegmentWords(_:_:into:at:)``), not per position.
    func extends(_ text: UnsafeBufferPointer<UInt16>) -> Bool {
        guard let first = text.first, mayStart(with: first) else { return false }
        guard text.count > 1 else {
            // The first level is in unit order: the node of `first`, and whether it has children.
            var lo = 0, hi = firstLevelCount
            while lo < hi {
                let mid = (lo + hi) / 2
                if nodes[mid].unit < first { lo = mid + 1 } else { hi = mid }
            }
            return lo < firstLevelCount && nodes[lo].unit == first && hasChildren(UInt32(lo))
        }
        let pair = pair(Self.pairKey(first, text[1]))
        guard pair.exists, pair.hasChildren else { return false }
        var node = pair.node
        for unit in text.dropFirst(2) {
            guard let next = step(node, unit) else { return false }
            node = next
        }
        return hasChildren(node)
    }

    /// Whether a word is longer than the prefix that ends at `node`.
    private func hasChildren(_ node: UInt32) -> Bool {
        nodes[Int(node) + 1].link & Self.childMask > nodes[Int(node)].link & Self.childMask
    }

    /// The key of the two-unit prefix `first second` in ``pair(_:)``.
    @inline(__always)
    static func pairKey(_ first: UInt16, _ second: UInt16) -> UInt32 { UInt32(first) << 16 | UInt32(second) }

    /// Starts loading the slot of `key`: a probe of a 1 MB table is most often a cache miss, so the walk prefetches
    /// every prefix of its run before it looks any of them up.
    @inline(__always)
    func prefetchPair(_ key: UInt32) {
        guard mayBePair(key) else { return }
        pairs.withUnsafeBufferPointer { kite_prefetch($0.baseAddress! + DictionaryLattice.slot(key, shift: pairShift)) }
    }

    /// The two-unit prefix of `key` (``pairKey(_:_:)``), or ``Pair/none``.
    @inline(__always)
    func pair(_ key: UInt32) -> Pair {
        guard mayBePair(key) else { return .none }
        return pairs.withUnsafeBufferPointer { pairs in
            var slot = DictionaryLattice.slot(key, shift: pairShift)
            while true {
                let entry = pairs[slot]
                if entry >> 32 == UInt64(key) { return Pair(bits: UInt32(truncatingIfNeeded: entry)) }
                if entry == 0 { return .none }
                slot = (slot + 1) & (pairs.count - 1)
            }
        }
    }
}

/// `dictionary-<digest>` (FORMAT.md, "Dictionary"): an index's user dictionary, named by its digest and referenced
/// through the analyzer fingerprint. Writer, reader and validation of the file kind together.
enum DictionaryFile {
    /// Writes `dictionary` into `directory` unless a valid copy is there (temporary file, fsync, rename).
    static func ensure(_ dictionary: UserDictionary, directory: String) throws(KiteError) {
        if (try? read(digest: dictionary.digest, directory: directory)) == dictionary { return }
        let name = UserDictionary.fileName(digest: dictionary.digest)
        let tmp = directory + "/" + name + ".tmp"
        let out = try FileOutput(path: tmp)
        var w = FileFormat.header(.dictionary, segment: UInt64(dictionary.digest.prefix(16), radix: 16) ?? 0)
        let folded = dictionary.folded
        w.vint(folded.count)
        for i in 0..<folded.count {
            w.vint(folded.range(i).count)
            w.append(folded.bytes[folded.range(i)])
        }
        try out.write(w)
        try out.finish()
        try IndexDirectory.rename(tmp, to: directory + "/" + name)
        try IndexDirectory.sync(directory)
    }

    /// The dictionary of digest `digest` kept in `directory`, checked against its digest.
    static func read(digest: String, directory: String) throws(KiteError) -> UserDictionary {
        let name = UserDictionary.fileName(digest: digest)
        let file = try MappedFile(path: directory + "/" + name, name: name)
        let body = try FileFormat.validate(
            file.bytes, kind: .dictionary, segment: UInt64(digest.prefix(16), radix: 16), name: name, verifyChecksum: true)
        var r = ByteReader(file.bytes, from: body.lowerBound, to: body.upperBound, file: name)
        let count = try r.vint(max: r.remaining)
        guard r.remaining <= FoldedWords.maximumBytes else { throw .corrupt(file: name, reason: "larger than a dictionary can be") }
        var words = FoldedWords()
        words.ends.reserveCapacity(count)
        words.bytes.reserveCapacity(r.remaining)
        var previous = UnsafeRawBufferPointer(start: nil, count: 0)
        for i in 0..<count {
            let word = try r.bytes(try r.vint(max: r.remaining))
            guard UserDictionary.isFoldedWord(word) else {
                throw .corrupt(file: name, reason: "word \(i + 1): not a folded dictionary word")
            }
            guard i == 0 || compareBytes(previous, word) < 0 else {
                throw .corrupt(file: name, reason: "word \(i + 1): words not sorted or not distinct")
            }
            words.append(word)
            previous = word
        }
        guard r.remaining == 0 else { throw .corrupt(file: name, reason: "\(r.remaining) bytes after the last word") }
        let dictionary = UserDictionary(sorted: words)
        guard dictionary.digest == digest else {
            throw .corrupt(file: name, reason: "its words have digest \(dictionary.digest), not \(digest)")
        }
        return dictionary
    }
}
