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
    /// The distinct folded words, sorted by their UTF-8 bytes.
    public let words: [String]
    /// A 128-bit digest of ``words`` (32 hex digits), part of the analyzer fingerprint.
    public let digest: String

    /// Why a dictionary could not be read: the file (if any), the 1-based line (if any), and what is wrong.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var path: String? = nil
        public var line: Int? = nil
        public var reason: String
        public var description: String {
            "dictionary" + (path.map { " \($0)" } ?? "") + (line.map { ", line \($0)" } ?? "") + ": \(reason)"
        }
    }

    /// A dictionary of `words` (folded, deduplicated; empty and whitespace-only entries are an error).
    public init(words: some Sequence<String>) throws(ParseError) {
        var folded: Set<String> = []
        for (i, word) in words.enumerated() {
            folded.insert(try UserDictionary.fold(word, line: i + 1))
        }
        self.init(folded: folded)
    }

    /// Parses dictionary text: one word per line, optionally followed by whitespace and a frequency and a tag
    /// (jieba's `userdict.txt`; IK's `ext_dict` is one word per line). `#` starts a comment line; blank lines and a
    /// leading byte-order mark are skipped. Frequencies and tags are accepted and not used: the segmentation that
    /// measured best needs none (README, "Segmentation").
    public init(parsing text: String) throws(ParseError) {
        var folded: Set<String> = []
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var body = line
            if number == 1, body.unicodeScalars.first == "\u{FEFF}" { body = Substring(body.unicodeScalars.dropFirst()) }
            let fields = body.split(whereSeparator: { $0.isWhitespace })
            guard let word = fields.first, !word.hasPrefix("#") else { continue }
            guard fields.count <= 3 else {
                throw ParseError(line: number, reason: "expected a word, a frequency and a tag at most, found \(fields.count) fields")
            }
            if fields.count >= 2, Int(fields[1]) == nil || Int(fields[1])! < 0 {
                throw ParseError(line: number, reason: "frequency '\(fields[1])' is not a non-negative whole number")
            }
            folded.insert(try UserDictionary.fold(String(word), line: number))
        }
        self.init(folded: folded)
    }

    /// Dictionaries are equal when their digests are (a digest names its words; comparing 100,000 words on every
    /// analyzer lookup would not do).
    public static func == (a: UserDictionary, b: UserDictionary) -> Bool {
        a.digest == b.digest && a.words.count == b.words.count
    }

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

    /// The union of several dictionaries (`--dictionary` given more than once).
    public init(merging dictionaries: [UserDictionary]) {
        self.init(folded: Set(dictionaries.flatMap(\.words)))
    }

    private init(folded: Set<String>) {
        words = folded.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var a: UInt64 = 0xCBF2_9CE4_8422_2325, b: UInt64 = 0x8422_2325_CBF2_9CE4
        for word in words {
            for byte in word.utf8 + [0] {
                a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                b = (b &+ UInt64(byte) &+ 1) &* 0xC4CE_B9FE_1A85_EC53
                b ^= b >> 31
            }
        }
        digest = FileFormat.hex(a) + FileFormat.hex(b)
    }

    /// `word` as text is folded before segmentation (NFKC, case) and in terms (traditional → simplified).
    static func fold(_ word: String, line: Int) throws(ParseError) -> String {
        let analyzer = Analyzer(AnalyzerConfiguration(repairsExtractionArtifacts: false, emitsBigrams: false,
                                                      subwords: [], emitsJoins: false))
        let pieces: [String]
        do { pieces = try analyzer.foldedText(of: word) } catch { throw ParseError(line: line, reason: "\(error)") }
        guard pieces.count == 1, let folded = pieces.first, !folded.isEmpty else {
            throw ParseError(line: line, reason: pieces.isEmpty ? "empty word" : "a word cannot contain whitespace")
        }
        return folded
    }

    /// The name of the index file that holds the dictionary of digest `digest`.
    static func fileName(digest: String) -> String { "dictionary-\(digest)" }

    /// The dictionary digest named by an analyzer fingerprint, if any.
    static func digest(inFingerprint fingerprint: String) -> String? {
        fingerprint.split(separator: ";").first { $0.hasPrefix("dict=") }.map { String($0.dropFirst(5)) }
    }
}

/// The dictionary's words as a table of every prefix of every word, over UTF-16 units as the segmenter sees them,
/// for the lattice walk: from each position, extend while the text so far is a prefix, noting where it is a word.
final class DictionaryLattice: Sendable {
    private struct Entry {
        var key: UInt64
        var word: UInt32
        var length: UInt16
        var isWord: Bool
    }

    private let entries: [Entry]
    private let mask: Int
    /// The units of every word, one after another; `starts[w]` is where word `w` begins.
    private let units: [UInt16]
    private let starts: [Int]
    /// Bit `u` set when some word begins with unit `u`: most positions of most texts are rejected here.
    private let firstUnits: [UInt64]
    /// The longest word, in units.
    let maxLength: Int

    init(_ dictionary: UserDictionary) {
        var units: [UInt16] = [], starts: [Int] = []
        var firstUnits = [UInt64](repeating: 0, count: 1024)
        var prefixes = 0, maxLength = 0
        for word in dictionary.words {
            let w = Array(word.utf16)
            starts.append(units.count)
            units += w
            prefixes += w.count
            maxLength = max(maxLength, w.count)
            if let f = w.first { firstUnits[Int(f) >> 6] |= 1 << UInt64(f & 63) }
        }
        starts.append(units.count)
        var n = 16
        while n < prefixes * 2 { n <<= 1 }
        var entries = [Entry](repeating: Entry(key: 0, word: 0, length: 0, isWord: false), count: n)
        for w in 0..<(starts.count - 1) {
            var key = DictionaryLattice.seed
            for k in starts[w]..<starts[w + 1] {
                key = DictionaryLattice.step(key, units[k])
                let length = k - starts[w] + 1
                var slot = DictionaryLattice.slot(key, length, n - 1)
                while entries[slot].length != 0 {
                    let e = entries[slot]
                    if e.key == key && Int(e.length) == length
                        && units[starts[Int(e.word)]..<(starts[Int(e.word)] + length)] == units[starts[w]...k] { break }
                    slot = (slot + 1) & (n - 1)
                }
                if entries[slot].length == 0 { entries[slot] = Entry(key: key, word: UInt32(w), length: UInt16(length), isWord: false) }
                if k + 1 == starts[w + 1] { entries[slot].isWord = true }
            }
        }
        self.entries = entries
        self.mask = n - 1
        self.units = units
        self.starts = starts
        self.firstUnits = firstUnits
        self.maxLength = min(maxLength, Int(UInt16.max))
    }

    static let seed: UInt64 = 0xCBF2_9CE4_8422_2325

    @inline(__always)
    static func step(_ key: UInt64, _ unit: UInt16) -> UInt64 { (key ^ UInt64(unit)) &* 0x0000_0100_0000_01B3 }

    @inline(__always)
    private static func slot(_ key: UInt64, _ length: Int, _ mask: Int) -> Int {
        var h = key ^ UInt64(length) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h) & mask
    }

    /// Whether some word begins with `unit`.
    @inline(__always)
    func mayStart(with unit: UInt16) -> Bool { firstUnits[Int(unit) >> 6] & (1 << UInt64(unit & 63)) != 0 }

    /// What `text[0..<length]` (whose running key is `key`) is: nil if no word begins so, else whether it is a word.
    @inline(__always)
    func lookup(_ key: UInt64, _ text: UnsafePointer<UInt16>, _ length: Int) -> Bool? {
        var slot = DictionaryLattice.slot(key, length, mask)
        while true {
            let e = entries[slot]
            if e.length == 0 { return nil }
            if e.key == key && Int(e.length) == length {
                let s = starts[Int(e.word)]
                var same = true
                for k in 0..<length where units[s + k] != text[k] { same = false; break }
                if same { return e.isWord }
            }
            slot = (slot + 1) & mask
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
        w.vint(dictionary.words.count)
        for word in dictionary.words { w.string(word) }
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
        var words: [String] = []
        words.reserveCapacity(count)
        for _ in 0..<count { words.append(try r.string()) }
        guard r.remaining == 0 else { throw .corrupt(file: name, reason: "\(r.remaining) bytes after the last word") }
        let dictionary: UserDictionary
        do { dictionary = try UserDictionary(words: words) } catch {
            throw .corrupt(file: name, reason: "word \(error.line ?? 0): \(error.reason)")
        }
        guard dictionary.digest == digest else {
            throw .corrupt(file: name, reason: "its words have digest \(dictionary.digest), not \(digest)")
        }
        return dictionary
    }
}
