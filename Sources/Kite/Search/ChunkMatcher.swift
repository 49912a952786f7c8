/// How a chunk of query text (whitespace-separated) must occur in a document's text for the document to match.
///
/// Matching follows the text, not the analyzer's cut of the query: ICU splits 升规纳统 into 升/规/纳/统 in a query
/// and may split 专项债券 into 专项/债券 in a document, and neither cut decides whether the document contains the
/// chunk. Han characters compare one by one; a run of letters or digits compares as a whole word (`AI` does not
/// match `TAIWAN`, except with ``substring``). Text compares after Kite's normalization (PDF repair, NFKC case
/// folding, traditional → simplified), and whitespace and punctuation between words are not characters of it.
public enum TextMatching: String, Hashable, Sendable, CaseIterable, Codable {
    /// The chunk's characters occur contiguously, starting where a word of the document starts, and may end inside
    /// a word: 专项债 matches 专项债券, 高教 does not match 提高教育 (the default).
    case wordStart
    /// As ``wordStart``, and the chunk also ends where a word ends: a sequence of whole words (a quoted phrase).
    case wholeWords
    /// Anywhere, as grep finds it (义教 matches 主义教育).
    case substring
}

/// One chunk as the units matching compares: each Han character is a unit, and so is each word without Han
/// characters (matched whole).
struct Chunk: Hashable {
    let units: [String]
    /// Whether unit `i` is a Han character (a chunk may end inside a word only after a Han character).
    let han: [Bool]

    /// The chunk of a text's words (the analyzer's word terms, in position order); nil when there are none.
    init?(words: [AnalyzedTerm]) {
        var units: [String] = [], han: [Bool] = []
        for w in words where w.kind == .word {
            if w.text.unicodeScalars.contains(where: { $0.properties.isIdeographic }) {
                for c in w.text { units.append(String(c)); han.append(c.unicodeScalars.first!.properties.isIdeographic) }
            } else {
                units.append(w.text)
                han.append(false)
            }
        }
        guard !units.isEmpty else { return nil }
        self.units = units
        self.han = han
    }

    var count: Int { units.count }

    /// The bytes of units `range`, as a term of the index spells them.
    func bytes(_ range: Range<Int>) -> [UInt8] { Array(units[range].joined().utf8) }
}

/// Finds the documents of one segment's text field that contain a ``Chunk`` under a ``TextMatching`` rule, from the
/// word postings alone (no stored text is read).
///
/// A chunk occurs at a word start when consecutive word positions p, p+1, … hold terms that spell it: whole words
/// for all but the last, which may be a longer word the rest of the chunk is a prefix of. The matcher looks up
/// every run of units that is a term of the field ("pieces"), and for a candidate document walks the positions:
/// `reach[i]` holds the positions where a word must start for units `i...` to follow. Two details keep it exact:
/// a rescue bigram shares the position of its first character's word, so a two-character term at `p` counts as a
/// word only when its first character is not itself a word at `p`; and a piece that ends the chunk ends it
/// wherever the word goes on (``TextMatching/wordStart``) or only with the word (``TextMatching/wholeWords``).
/// With ``TextMatching/substring`` the first piece may also be a word that ends with the chunk's first units, or
/// one that contains it all (the field's term dictionary is scanned for them).
final class ChunkMatcher {
    private final class Piece {
        let start: Int
        let end: Int
        let cursors: [PostingsCursor]
        /// For a two-Han-character piece: the piece of its first character, whose word at the same position
        /// makes this occurrence a rescue bigram, not a word.
        var bigramOf: Piece?
        private var loadedDoc = -1
        private var cached: [Int32] = []

        init(start: Int, end: Int, cursors: [PostingsCursor]) {
            self.start = start
            self.end = end
            self.cursors = cursors
        }

        /// The positions of the piece's terms in `doc`, sorted (cursors only move forward).
        func positions(_ doc: Int) throws(KiteError) -> [Int32] {
            if loadedDoc == doc { return cached }
            loadedDoc = doc
            cached.removeAll(keepingCapacity: true)
            for c in cursors {
                try c.advance(to: doc)
                if c.doc == doc { try c.positions(into: &cached) }
            }
            if cursors.count > 1 { cached.sort() }
            return cached
        }
    }

    private let chunk: Chunk
    private var byStart: [[Piece]]
    /// Cursors of the pieces that can begin a match: a candidate document holds one of them.
    private let leaders: [PostingsCursor]

    /// Nil when no document of the segment can match (a unit no term covers).
    init?(_ chunk: Chunk, rule: TextMatching, segment: SegmentReader, field: Int) throws(KiteError) {
        self.chunk = chunk
        let n = chunk.count
        var byStart = [[Piece]](repeating: [], count: n)
        var exact: [Range<Int>: Piece] = [:]
        func cursors(_ infos: [TermInfo]) throws(KiteError) -> [PostingsCursor] {
            var out: [PostingsCursor] = []
            for info in infos {
                let c = try segment.postingsCursor(info)
                try c.start()
                out.append(c)
            }
            return out
        }
        for i in 0..<n {
            for j in (i + 1)...n {
                // Letters and digits are whole units; longer runs only matter where some term spells them.
                let bytes = chunk.bytes(i..<j)
                if let info = try typed({ try bytes.withUnsafeBytes { try segment.lookup(field: field, term: $0) } }) {
                    let piece = Piece(start: i, end: j, cursors: try cursors([info]))
                    exact[i..<j] = piece
                    byStart[i].append(piece)
                }
                // The last piece may be a longer word the rest of the chunk begins (after a Han character).
                if j == n && rule != .wholeWords && (chunk.han[n - 1] || rule == .substring) {
                    var infos: [TermInfo] = []
                    try typed {
                        try segment.forEachTerm(field: field, prefix: bytes) { term, info in
                            if term.count > bytes.count { infos.append(info) }
                            return true
                        }
                    }
                    if !infos.isEmpty { byStart[i].append(Piece(start: i, end: n, cursors: try cursors(infos))) }
                }
            }
        }
        if rule == .substring {
            for piece in try ChunkMatcher.innerPieces(chunk, segment: segment, field: field, cursors: cursors) {
                byStart[0].append(piece)
            }
        }
        for (range, piece) in exact where range.count == 2 && chunk.han[range.lowerBound] && chunk.han[range.lowerBound + 1] {
            piece.bigramOf = exact[range.lowerBound..<(range.lowerBound + 1)]
        }
        // Every unit must be covered by some piece, and a match needs a first piece.
        var covered = [Bool](repeating: false, count: n)
        for pieces in byStart { for p in pieces { for u in p.start..<p.end { covered[u] = true } } }
        guard covered.allSatisfy({ $0 }), !byStart[0].isEmpty else { return nil }
        self.byStart = byStart
        leaders = byStart[0].flatMap(\.cursors)
    }

    /// Pieces that begin a substring match inside a word: terms ending with units `0..<j` (j < n), or containing
    /// the whole chunk (then one occurrence is a match: such a piece spans the whole chunk).
    private static func innerPieces(
        _ chunk: Chunk, segment: SegmentReader, field: Int,
        cursors: ([TermInfo]) throws(KiteError) -> [PostingsCursor]
    ) throws(KiteError) -> [Piece] {
        let n = chunk.count
        let whole = chunk.bytes(0..<n)
        let heads = (1..<n).map { chunk.bytes(0..<$0) }
        var ending = [[TermInfo]](repeating: [], count: n)
        var containing: [TermInfo] = []
        try typed {
            var terms = TermEnumerator(segment: segment, field: field)
            while try terms.next() {
                let t = terms.term
                if t.first == 0x23 { continue }  // Latin trigrams: their own term space
                if t.count > whole.count, !t.starts(with: whole), contains(t, whole) {
                    containing.append(terms.info)
                    continue
                }
                for (k, head) in heads.enumerated() where t.count > head.count && t.suffix(head.count).elementsEqual(head) {
                    ending[k + 1].append(terms.info)
                }
            }
        }
        var out: [Piece] = []
        if !containing.isEmpty { out.append(Piece(start: 0, end: n, cursors: try cursors(containing))) }
        for j in 1..<n where !ending[j].isEmpty {
            out.append(Piece(start: 0, end: j, cursors: try cursors(ending[j])))
        }
        return out
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for s in 0...(haystack.count - needle.count) where haystack[s] == needle[0] {
            if haystack[s..<(s + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// Adds every document of the segment that contains the chunk to `set`.
    func collect(into set: inout DocSet) throws(KiteError) {
        var target = 0
        while true {
            var doc = PostingsCursor.exhausted
            for c in leaders {
                try c.advance(to: target)
                doc = min(doc, c.doc)
            }
            if doc == PostingsCursor.exhausted { return }
            if try matches(doc) { set.insert(doc) }
            target = doc + 1
        }
    }

    /// Whether `doc` contains the chunk: the walk over word positions described above.
    private func matches(_ doc: Int) throws(KiteError) -> Bool {
        let n = chunk.count
        var reach = [[Int32]](repeating: [], count: n + 1)
        for i in 0..<n {
            if i > 0 {
                if reach[i].isEmpty { continue }
                reach[i].sort()
            }
            for piece in byStart[i] {
                for p in try piece.positions(doc) {
                    if i > 0 && !ChunkMatcher.sortedContains(reach[i], p) { continue }
                    if piece.end == n { return true }
                    if let first = piece.bigramOf, ChunkMatcher.sortedContains(try first.positions(doc), p) { continue }
                    reach[piece.end].append(p + 1)
                }
            }
        }
        return false
    }

    private static func sortedContains(_ a: [Int32], _ x: Int32) -> Bool {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < a.count && a[lo] == x
    }
}

/// A set of documents of one segment, as a bitset.
struct DocSet: Hashable, Sendable {
    private(set) var words: [UInt64]
    let capacity: Int

    init(capacity: Int, full: Bool = false) {
        self.capacity = capacity
        words = [UInt64](repeating: full ? ~0 : 0, count: (capacity + 63) / 64)
        if full && capacity % 64 != 0 { words[words.count - 1] = (1 << UInt64(capacity % 64)) - 1 }
    }

    @inline(__always) func contains(_ doc: Int) -> Bool {
        let w = doc >> 6
        return w < words.count && words[w] & (1 << UInt64(doc & 63)) != 0
    }

    @inline(__always) mutating func insert(_ doc: Int) {
        words[doc >> 6] |= 1 << UInt64(doc & 63)
    }

    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    mutating func formUnion(_ o: DocSet) { for i in words.indices { words[i] |= o.words[i] } }
    mutating func formIntersection(_ o: DocSet) { for i in words.indices { words[i] &= o.words[i] } }
    mutating func subtract(_ o: DocSet) { for i in words.indices { words[i] &= ~o.words[i] } }
    mutating func subtract(_ deletes: DeleteSet) {
        for i in words.indices where i < deletes.words.count { words[i] &= ~deletes.words[i] }
    }

    /// Calls `body` with each document in increasing order.
    func forEach(_ body: (Int) throws(KiteError) -> Void) throws(KiteError) {
        for (i, var w) in words.enumerated() {
            while w != 0 {
                let b = w.trailingZeroBitCount
                try body(i << 6 | b)
                w &= w - 1
            }
        }
    }
}
