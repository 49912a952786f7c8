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
    /// Whether unit `i` is one Han character as the analyzer's joins see it (one scalar in its Han ranges).
    let joinable: [Bool]

    /// The chunk of a text's words (the analyzer's word terms, in position order); nil when there are none.
    init?(words: [AnalyzedTerm]) {
        if let chunk = Chunk(unifiedIdeographs: words) {
            self = chunk
            return
        }
        var units: [String] = [], han: [Bool] = []
        for w in words where w.kind == .word {
            for unit in Chunk.units(of: w.text) {
                units.append(unit.text)
                han.append(unit.isHan)
            }
        }
        guard !units.isEmpty else { return nil }
        self.units = units
        self.han = han
        var utf8: [UInt8] = [], ends: [Int] = [0]
        for u in units {
            utf8.append(contentsOf: u.utf8)
            ends.append(utf8.count)
        }
        self.utf8 = utf8
        unitEnds = ends
        // Both definitions of Han agree on it (the analyzer's ranges, and the ideographic property that `han` and
        // the walk's rules use), so that joins are relied on only where the analyzer wrote them and the walk agrees.
        joinable = zip(units, han).map { u, isHan in
            let scalars = u.unicodeScalars
            return isHan && scalars.count == 1 && TokenStream.isHan(scalars.first!.value)
        }
    }

    /// The common chunk, words of unified ideographs only (U+4E00…U+9FFF: one scalar, one character, three UTF-8
    /// bytes and a joinable Han unit each), built without cutting words into units; nil for any other.
    private init?(unifiedIdeographs words: [AnalyzedTerm]) {
        var utf8: [UInt8] = []
        for w in words where w.kind == .word {
            guard Chunk.isUnifiedIdeographs(w.text) else { return nil }
            utf8.append(contentsOf: w.text.utf8)
        }
        guard !utf8.isEmpty else { return nil }
        let n = utf8.count / 3
        units = (0..<n).map { i in String(decoding: utf8[(3 * i)..<(3 * i + 3)], as: UTF8.self) }
        han = [Bool](repeating: true, count: n)
        joinable = han
        self.utf8 = utf8
        unitEnds = (0...n).map { 3 * $0 }
    }

    /// The units' UTF-8, one after another; unit `i` is `utf8[unitEnds[i]..<unitEnds[i + 1]]`.
    private let utf8: [UInt8]
    private let unitEnds: [Int]

    var count: Int { units.count }

    /// The units of one word as matching compares them: a word with a Han character is cut into its Han characters
    /// and the runs of other characters between them (`1996年` → 1996, 年: a dictionary word may join a number or
    /// letter word whole, never part of it); any other word is one unit. `characters` are the unit's character
    /// offsets in the word.
    static func units(of word: String) -> [(text: String, isHan: Bool, characters: Range<Int>)] {
        if isUnifiedIdeographs(word) { return word.unicodeScalars.enumerated().map { (String($1), true, $0..<($0 + 1)) } }
        guard word.unicodeScalars.contains(where: { $0.properties.isIdeographic }) else {
            return [(word, false, 0..<word.count)]
        }
        var out: [(text: String, isHan: Bool, characters: Range<Int>)] = []
        var run = "", runStart = 0
        for (i, c) in word.enumerated() {
            if c.unicodeScalars.first!.properties.isIdeographic {
                if !run.isEmpty { out.append((run, false, runStart..<i)); run = "" }
                out.append((String(c), true, i..<(i + 1)))
            } else {
                if run.isEmpty { runStart = i }
                run.append(c)
            }
        }
        if !run.isEmpty { out.append((run, false, runStart..<word.count)) }
        return out
    }

    /// Whether every scalar of `word` is a unified ideograph (U+4E00…U+9FFF): one scalar, one character (no mark
    /// attaches to it), three UTF-8 bytes and a joinable Han unit each — most words, cut without grapheme breaking.
    static func isUnifiedIdeographs(_ word: String) -> Bool {
        !word.isEmpty && word.unicodeScalars.allSatisfy { (0x4E00...0x9FFF).contains($0.value) }
    }

    /// The bytes of units `range`, as a term of the index spells them.
    func bytes(_ range: Range<Int>) -> [UInt8] { Array(utf8[unitEnds[range.lowerBound]..<unitEnds[range.upperBound]]) }
}

/// Finds the documents of one segment's text field that contain a ``Chunk`` under a ``TextMatching`` rule, from the
/// word postings alone (no stored text is read).
///
/// A chunk occurs at a word start when consecutive word positions p, p+1, … hold terms that spell it: whole words
/// for all but the last, which may be a longer word the rest of the chunk is a prefix of. The matcher looks up
/// every run of units that is a term of the field ("pieces"). A piece that spells the whole chunk (a term equal to
/// it, or beginning with it) matches wherever it occurs, so its postings alone decide, without positions. For the
/// other candidates — documents holding a piece that begins the chunk but not all of it — the matcher walks the
/// word positions: `reach[i]` holds the positions where a word must start for units `i...` to follow. Two details
/// keep it exact: a rescue bigram shares the position of its first character's word, so a two-character term at
/// `p` counts as a word only when its first character is not itself a word at `p`; and a piece that ends the chunk
/// ends it wherever the word goes on (``TextMatching/wordStart``; after a letter or number word, only where a
/// dictionary word goes on with a Han character: 1996 in 1996年) or only with the word
/// (``TextMatching/wholeWords``). With ``TextMatching/substring`` the first piece may also be a word that ends with
/// the chunk's first units, or one that contains it all (the field's term dictionary is scanned for them).
///
/// In an index with joins (``AnalyzerConfiguration/emitsJoins``: a single-character word and the next word's first
/// character, at the single character's position), a single Han character followed by another in the chunk is
/// looked up as the join of the two instead of as a word: it occurs exactly where the character is a word *and*
/// the chunk can go on, so common characters (的, 有, 中) cost the positions of their rare joins, not their own.
/// A two-character chunk is then decided by postings alone (the word, its longer words, the join).
final class ChunkMatcher {
    /// A run of the chunk's units `start..<end` and the terms that spell it, resolved and opened when first used.
    private final class Piece {
        enum Terms {
            case exact(TermInfo)
            /// Terms longer than these bytes that begin with them (looked up on first use); with `thenHan`, only
            /// those that go on with a Han character (a dictionary word that begins with a whole letter or number word).
            case longer([UInt8], thenHan: Bool)
            case listed([TermInfo])
        }

        let start: Int
        let end: Int
        private let terms: Terms
        private let segment: SegmentReader
        private let field: Int
        private var opened: [PostingsCursor]?
        /// For a two-Han-character piece: the piece of its first character, whose word at the same position
        /// makes this occurrence a rescue bigram, not a word.
        var bigramOf: Piece?
        /// Whether the piece begins the chunk: the candidate loop advances its cursors.
        var isLeader = false
        private var loadedDoc = -1
        private var cached: [Int32] = []

        init(start: Int, end: Int, terms: Terms, segment: SegmentReader, field: Int) {
            self.start = start
            self.end = end
            self.terms = terms
            self.segment = segment
            self.field = field
        }

        /// The piece's terms, looked up once.
        func infos() throws(KiteError) -> [TermInfo] {
            if let resolved { return resolved }
            var infos: [TermInfo] = []
            switch terms {
            case .exact(let info): infos = [info]
            case .listed(let list): infos = list
            case .longer(let prefix, let thenHan):
                try segment.forEachTerm(field: field, prefix: prefix) { (term, info) throws(KiteError) in
                    if term.count > prefix.count && (!thenHan || Piece.beginsWithHan(term, at: prefix.count)) {
                        infos.append(info)
                    }
                    return true
                }
            }
            resolved = infos
            return infos
        }
        private var resolved: [TermInfo]?

        /// Whether the UTF-8 bytes `term[offset...]` begin with a Han character.
        static func beginsWithHan(_ term: UnsafeRawBufferPointer, at offset: Int) -> Bool {
            let rest = UnsafeRawBufferPointer(rebasing: term[offset...])
            var decoder = UTF8()
            var bytes = rest.makeIterator()
            guard case .scalarValue(let scalar) = decoder.decode(&bytes) else { return false }
            return TokenStream.isHan(scalar.value)
        }

        /// Cursors over the piece's terms, opened on first use.
        func cursors() throws(KiteError) -> [PostingsCursor] {
            if let opened { return opened }
            var out: [PostingsCursor] = []
            for info in try infos() {
                let c = try segment.postingsCursor(info)
                try c.start()
                out.append(c)
            }
            opened = out
            heap = CursorHeap(out)
            return out
        }

        /// Calls `body` with the piece's positions in `doc`, term by term (each term's in order), until it returns
        /// false; returns false if it stopped early. Cursors only move forward.
        func forEachPosition(_ doc: Int, _ body: (Int32) -> Bool) throws(KiteError) -> Bool {
            if loadedDoc == doc {
                for p in cached where !body(p) { return false }
                return true
            }
            let cs = try cursors()
            if cs.count == 1 {
                // Through the cache: a cursor yields a document's positions once, and a bigram check may ask again.
                for p in try positions(doc) where !body(p) { return false }
                return true
            }
            if isLeader {
                // The candidate loop moves a leader's cursors itself: they are all at `doc` or past it.
                for c in cs where c.doc == doc {
                    if try !c.forEachPosition(body) { return false }
                }
                return true
            }
            // The piece's buffers as locals for the loop (a class's arrays cost a dynamic exclusivity check and a
            // uniqueness check at every use: a third of a slow chunk's time went to the runtime).
            var heap = CursorHeap(), onDoc: [Int] = [], stack: [Int] = []
            swap(&heap, &self.heap)
            swap(&onDoc, &self.onDoc)
            swap(&stack, &self.stack)
            defer {
                swap(&heap, &self.heap)
                swap(&onDoc, &self.onDoc)
                swap(&stack, &self.stack)
            }
            // Many terms (a prefix's longer words): a heap by current document touches only the cursors that are
            // behind `doc` (Lucene's disjunction approximation), not every term for every candidate.
            while let top = heap.first, heap.firstDoc < doc {
                let c = cs[top]
                try c.advance(to: doc)
                heap.siftDownFirst(to: c.doc)
            }
            onDoc.removeAll(keepingCapacity: true)
            heap.collect(doc: doc, into: &onDoc, stack: &stack)
            for i in onDoc {
                if try !cs[i].forEachPosition(body) { return false }
            }
            return true
        }

        private var heap = CursorHeap()
        /// The cursors on the current document, and the heap walk's stack (kept between documents).
        private var onDoc: [Int] = []
        private var stack: [Int] = []

        /// The positions of the piece's terms in `doc`, sorted (cursors only move forward). Only for a piece of one
        /// term (a bigram's first character, and the walk through ``forEachPosition(_:_:)``), whose cursor must not
        /// be read twice for one document.
        func positions(_ doc: Int) throws(KiteError) -> [Int32] {
            if loadedDoc == doc { return cached }
            loadedDoc = -1
            var out: [Int32] = []  // (the property's buffer as a local: see forEachPosition)
            swap(&out, &cached)
            defer { swap(&out, &cached) }
            out.removeAll(keepingCapacity: true)
            let cs = try cursors()
            for c in cs {
                try c.advance(to: doc)
                if c.doc == doc { try c.positions(into: &out) }
            }
            if cs.count > 1 { out.sort() }
            loadedDoc = doc
            return out
        }
    }

    /// The most units a piece (a term of the index) is looked up for: ICU's words are far shorter, and a longer
    /// Latin word is one unit.
    static let longestPiece = 24

    /// The first byte of a join term (``AnalyzedTerm/Kind/join``).
    static let joinMark: UInt8 = JoinFilter.mark

    private let chunk: Chunk
    private let segment: SegmentReader
    /// Pieces that spell the whole chunk: any occurrence is a match.
    private let whole: [Piece]
    /// The other pieces, by the unit they start at.
    private let byStart: [[Piece]]

    init(
        _ chunk: Chunk, rule: TextMatching, joins: Bool, planner: Planner, segment: SegmentReader, field: Int
    ) throws(KiteError) {
        self.chunk = chunk
        self.segment = segment
        let n = chunk.count
        var byStart = [[Piece]](repeating: [], count: n)
        var whole: [Piece] = []
        // Exact pieces of one unit and of two, by start: a rescue bigram's check needs its first character's piece.
        var singles = [Piece?](repeating: nil, count: n), pairs = [Piece?](repeating: nil, count: n)
        func exact(_ piece: Piece) {
            if piece.end - piece.start == 1 { singles[piece.start] = piece }
            if piece.end - piece.start == 2 { pairs[piece.start] = piece }
            add(piece)
        }
        var decidedByPostings = false
        func add(_ piece: Piece) {
            if piece.start == 0 && piece.end == n { whole.append(piece) } else { byStart[piece.start].append(piece) }
        }
        func lookup(_ bytes: [UInt8]) throws(KiteError) -> TermInfo? {
            try planner.lookup(segment, field: field, bytes)
        }
        // Two joinable characters under word-start matching: the word, its longer words and the join decide (below);
        // pieces starting at the second character would serve only a walk, which then never runs.
        let pairByPostings = joins && n == 2 && chunk.joinable[0] && chunk.joinable[1] && rule == .wordStart
        var terms = TermEnumerator(segment: segment, field: field)
        for i in 0..<(pairByPostings ? 1 : n) {
            // No term spans more than `longestPiece` units, so a long chunk costs lookups in proportion to its length.
            for j in (i + 1)...min(n, i + ChunkMatcher.longestPiece) {
                let bytes = chunk.bytes(i..<j)
                let ends = j == n && rule != .wholeWords
                // The last piece may be a longer word the rest of the chunk begins: after a Han character, any; after
                // a whole letter or number word, one that goes on with a Han character (a dictionary word: 1996年).
                let thenHan = !chunk.han[n - 1] && rule != .substring
                if joins && j == i + 1 && j < n && chunk.joinable[i] && chunk.joinable[j] {
                    // The character as a word that the next one follows: its join, or nowhere.
                    if let info = try ChunkMatcher.join(chunk, at: i, segment: segment, field: field) {
                        exact(Piece(start: i, end: j, terms: .exact(info), segment: segment, field: field))
                        if n == 2 && rule != .wholeWords {
                            add(Piece(start: 0, end: 2, terms: .exact(info), segment: segment, field: field))
                            // The word, its longer words and the join are every way to begin with two characters.
                            decidedByPostings = rule == .wordStart
                        }
                    }
                    continue  // longer pieces from i: looked up below, whether or not the character is a word
                }
                // One dictionary seek: the term equal to the bytes, and whether longer ones follow (read on from there
                // when the piece spells the whole chunk, whose longer words are always wanted).
                let found = try ChunkMatcher.probe(&terms, bytes, collecting: ends && i == 0, thenHan: thenHan)
                planner.remember(segment, field: field, bytes, found.exact)
                if let info = found.exact { exact(Piece(start: i, end: j, terms: .exact(info), segment: segment, field: field)) }
                if ends && found.hasLonger {
                    let terms: Piece.Terms = found.longer.map { .listed($0) } ?? .longer(bytes, thenHan: thenHan)
                    add(Piece(start: i, end: n, terms: terms, segment: segment, field: field))
                }
                // No term begins with these units: none begins with more of them.
                if !found.hasLonger { break }
            }
        }
        if rule == .substring {
            for (range, terms) in try ChunkMatcher.innerTerms(chunk, segment: segment, field: field) {
                var plain: [TermInfo] = []
                for (term, info) in terms {
                    // Two Han characters may be a rescue bigram, not a word, where the first is a word of its own.
                    guard range.count < chunk.count, let first = ChunkMatcher.bigramHead(term) else {
                        plain.append(info)
                        continue
                    }
                    let piece = Piece(start: range.lowerBound, end: range.upperBound, terms: .exact(info), segment: segment, field: field)
                    if let head = try lookup(joins ? [ChunkMatcher.joinMark] + term : first) {
                        piece.bigramOf = Piece(start: 0, end: 0, terms: .exact(head), segment: segment, field: field)
                    }
                    add(piece)
                }
                if !plain.isEmpty {
                    add(Piece(start: range.lowerBound, end: range.upperBound, terms: .listed(plain), segment: segment, field: field))
                }
            }
        }
        // A rescue bigram at p is exactly where the first character is a word at p (with joins: where its join is).
        for i in 0..<(n - 1) where chunk.han[i] && chunk.han[i + 1] { pairs[i]?.bigramOf = singles[i] }
        self.whole = whole
        self.byStart = decidedByPostings ? [] : byStart
        reach = Reach(levels: n + 1)  // last: nothing after it throws, so deinit frees it
    }

    /// The join of units `i` and `i + 1` (``AnalyzedTerm/Kind/join``) in the field, looked up without the planner's
    /// cache (the ranking never looks joins up), and not at all where the field's join filter rules it out.
    private static func join(_ chunk: Chunk, at i: Int, segment: SegmentReader, field: Int) throws(KiteError) -> TermInfo? {
        try ([joinMark] + chunk.bytes(i..<(i + 2))).withBytes { (t) throws(KiteError) in
            guard segment.termDictionary.mayHoldJoin(field: field, term: t) else { return nil }
            return try segment.lookup(field: field, term: t)
        }
    }

    /// The terms of the field that begin with `bytes`, from one seek: the term equal to them, whether longer ones
    /// exist, and with `collecting` those longer ones (with `thenHan`, only those going on with a Han character).
    private static func probe(
        _ terms: inout TermEnumerator, _ bytes: [UInt8], collecting: Bool, thenHan: Bool
    ) throws(KiteError) -> (exact: TermInfo?, hasLonger: Bool, longer: [TermInfo]?) {
        var more = try bytes.withBytes { (key) throws(KiteError) in try terms.seek(ceiling: key) }
        var exact: TermInfo?
        if more, terms.term == bytes {
            exact = terms.info
            more = try terms.next()
        }
        let hasLonger = more && terms.term.starts(with: bytes)
        guard collecting, hasLonger else { return (exact, hasLonger, nil) }
        var longer: [TermInfo] = []
        while more, terms.term.starts(with: bytes) {
            if !thenHan || terms.term.withUnsafeBytes({ Piece.beginsWithHan($0, at: bytes.count) }) { longer.append(terms.info) }
            more = try terms.next()
        }
        return (exact, true, longer)
    }

    /// Terms that begin a substring match inside a word: terms ending with units `0..<j` (j < n), or containing
    /// the whole chunk (one occurrence is a match: such a term spans the whole chunk).
    private static func innerTerms(
        _ chunk: Chunk, segment: SegmentReader, field: Int
    ) throws(KiteError) -> [Range<Int>: [(term: [UInt8], info: TermInfo)]] {
        let n = chunk.count
        let wholeBytes = chunk.bytes(0..<n)
        let heads = (1..<n).map { chunk.bytes(0..<$0) }
        var out: [Range<Int>: [(term: [UInt8], info: TermInfo)]] = [:]
        var terms = TermEnumerator(segment: segment, field: field)
        while try terms.next() {
            let t = terms.term
            if t.first == 0x23 || t.first == joinMark { continue }  // Latin trigrams, joins: their own term spaces
            if t.count > wholeBytes.count, !t.starts(with: wholeBytes), contains(t, wholeBytes) {
                out[0..<n, default: []].append((t, terms.info))
                continue
            }
            for (k, head) in heads.enumerated() where t.count > head.count && t.suffix(head.count).elementsEqual(head) {
                out[0..<(k + 1), default: []].append((t, terms.info))
            }
        }
        return out
    }

    /// The first character of a term of exactly two Han characters (one scalar each), which a rescue bigram can
    /// spell; nil for any other term.
    private static func bigramHead(_ term: [UInt8]) -> [UInt8]? {
        let scalars = Array(String(decoding: term, as: UTF8.self).unicodeScalars)
        guard scalars.count == 2, scalars.allSatisfy({ TokenStream.isHan($0.value) }) else { return nil }
        return Array(String(scalars[0]).utf8)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for s in 0...(haystack.count - needle.count) where haystack[s] == needle[0] {
            if haystack[s..<(s + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// Adds every document of `segment` whose field `field` contains `chunk` to `set` — or, with `enough`, possibly
    /// only until `set` holds every document of `enough`: a chunk whose documents are a union over many terms stops
    /// reading their lists there.
    static func collect(
        _ chunk: Chunk, rule: TextMatching, joins: Bool, planner: Planner, segment: SegmentReader, field: Int,
        into set: inout DocSet, enough: DocSet? = nil
    ) throws(KiteError) {
        if try collectByPostings(
            chunk, rule: rule, joins: joins, planner: planner, segment: segment, field: field, into: &set, enough: enough) {
            return
        }
        try ChunkMatcher(chunk, rule: rule, joins: joins, planner: planner, segment: segment, field: field).collect(into: &set)
    }

    /// The chunks whose every occurrence is one term's, with no position walk — one unit (the word, and unless
    /// whole words are asked for its longer words), or under word-start matching two joinable characters (the
    /// word, its longer words, the join) — as the matcher would find them, without building one: their terms'
    /// documents go straight into `set`. False for any other chunk (nothing added).
    private static func collectByPostings(
        _ chunk: Chunk, rule: TextMatching, joins: Bool, planner: Planner, segment: SegmentReader, field: Int,
        into set: inout DocSet, enough: DocSet?
    ) throws(KiteError) -> Bool {
        let n = chunk.count
        let pair = joins && n == 2 && chunk.joinable[0] && chunk.joinable[1] && rule == .wordStart
        guard (n == 1 && rule != .substring) || pair else { return false }
        let scratch = Scratch(segment: segment)
        if pair, let join = try join(chunk, at: 0, segment: segment, field: field) { try scratch.insert(join, into: &set) }
        var terms = TermEnumerator(segment: segment, field: field)
        let bytes = chunk.bytes(0..<n)
        let found = try probe(&terms, bytes, collecting: rule != .wholeWords, thenHan: !chunk.han[n - 1])
        planner.remember(segment, field: field, bytes, found.exact)
        if let exact = found.exact { try scratch.insert(exact, into: &set) }
        // With `enough`: its documents not yet in the set, followed while few (checking them costs one lookup each,
        // not a pass over the set's words after each of a common character's hundreds of lists).
        let longer = found.longer ?? []
        var missing = longer.isEmpty ? nil : enough.flatMap { set.missing(of: $0, atMost: 256) }
        for info in longer {
            if missing?.isEmpty == true { break }
            try scratch.insert(info, into: &set)
            missing?.removeAll { set.contains($0) }
        }
        return true
    }

    /// Inserts the documents of one term after another (a prefix of a common character has hundreds of longer
    /// words, most of them rare): a list shorter than a block through a buffer, a longer one through one cursor,
    /// opened on first use and pointed at each term in turn.
    private final class Scratch {
        let segment: SegmentReader
        private var cursor: PostingsCursor?
        private let docs = UnsafeMutablePointer<UInt32>.allocate(capacity: postingsBlockSize)

        init(segment: SegmentReader) { self.segment = segment }

        deinit { docs.deallocate() }

        func insert(_ info: TermInfo, into set: inout DocSet) throws(KiteError) {
            if let n = try PostingsCursor.shortListDocuments(info, in: segment, into: docs) {
                set.insert(docs, count: n)
                return
            }
            let c: PostingsCursor
            if let cursor { c = cursor; try c.reset(to: info) } else { c = try segment.postingsCursor(info); cursor = c }
            try c.insertAll(into: &set)
        }
    }

    /// Adds every document of the segment that contains the chunk to `set`.
    func collect(into set: inout DocSet) throws(KiteError) {
        // A term spelling the whole chunk: its documents, from the postings alone.
        for piece in whole { try addDocuments(of: piece.infos(), to: &set) }
        // Documents with a piece that begins the chunk and one that ends it, not yet found: walk their positions.
        guard let first = byStart.first, !first.isEmpty else { return }
        // The documents of the pieces that end the chunk rule candidates out before any walk, unless they are far
        // more than the leaders' (a common final character's many longer words): then the walk alone decides.
        let endPieces = byStart.joined().filter { $0.end == chunk.count }
        func frequency(_ pieces: [Piece]) throws(KiteError) -> Int {
            var sum = 0
            for p in pieces { for info in try p.infos() { sum += info.docFrequency } }
            return sum
        }
        let enders = try frequency(endPieces) > 4 * frequency(first) ? nil : documents(of: endPieces, capacity: set.capacity)
        var leaders: [PostingsCursor] = []
        for piece in byStart[0] {
            piece.isLeader = true
            leaders += try piece.cursors()
        }
        var target = 0
        while true {
            var doc = PostingsCursor.exhausted
            for c in leaders {
                try c.advance(to: target)
                doc = min(doc, c.doc)
            }
            if doc == PostingsCursor.exhausted { return }
            if !set.contains(doc), enders?.contains(doc) ?? true, try matches(doc) { set.insert(doc) }
            target = doc + 1
        }
    }

    /// The documents holding any term of `pieces`, from their postings alone (the pieces' own cursors stay at
    /// the start for the walk).
    private func documents(of pieces: [Piece], capacity: Int) throws(KiteError) -> DocSet {
        var out = DocSet(capacity: capacity)
        for piece in pieces { try addDocuments(of: piece.infos(), to: &out) }
        return out
    }

    /// Adds the documents of `terms` to `set`, through one cursor pointed at each term in turn (a prefix of a
    /// common character has hundreds of longer words, most of them rare).
    private func addDocuments(of terms: [TermInfo], to set: inout DocSet) throws(KiteError) {
        for info in terms { try scratch.insert(info, into: &set) }
    }

    private lazy var scratch = Scratch(segment: segment)

    /// Whether `doc` contains the chunk through several pieces: the walk over word positions described above.
    private func matches(_ doc: Int) throws(KiteError) -> Bool {
        let n = chunk.count
        let reach = self.reach
        reach.removeAll()
        for i in 0..<n {
            if i > 0 {
                if reach.isEmpty(i) { continue }
                reach.sort(i)
            }
            for piece in byStart[i] {
                // A bigram check needs its first character's positions, loaded before the walk.
                let firsts = try piece.bigramOf.map { (f: Piece) throws(KiteError) in try f.positions(doc) } ?? []
                var found = false
                let end = piece.end
                let complete = try firsts.withUnsafeBufferPointer { (firsts) throws(KiteError) -> Bool in
                    try piece.forEachPosition(doc) { p in
                        if i > 0 && !reach.contains(i, p) { return true }
                        if end == n { found = true; return false }
                        if !firsts.isEmpty && ChunkMatcher.sortedContains(firsts, p) { return true }
                        reach.append(end, p + 1)
                        return true
                    }
                }
                if found || !complete { return true }
            }
        }
        return false
    }

    /// The walk's positions, kept between documents.
    private let reach: Reach

    deinit { reach.deallocate() }

    private static func sortedContains(_ a: UnsafeBufferPointer<Int32>, _ x: Int32) -> Bool {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < a.count && a[lo] == x
    }

    /// `reach[i]` of the walk, for units `0...n`: positions in raw buffers that grow as needed and are kept between
    /// documents. All its state is behind pointers, so the walk's closure appends with no uniqueness check, retain
    /// or exclusivity check (arrays captured by it cost them at every position: a fifth of a slow chunk's time).
    private struct Reach {
        private let buffers: UnsafeMutablePointer<UnsafeMutablePointer<Int32>>
        private let capacities: UnsafeMutablePointer<Int>
        private let counts: UnsafeMutablePointer<Int>
        private let levels: Int

        init(levels: Int) {
            self.levels = levels
            buffers = .allocate(capacity: levels)
            capacities = .allocate(capacity: levels)
            counts = .allocate(capacity: levels)
            for i in 0..<levels {
                buffers[i] = .allocate(capacity: 16)
                capacities[i] = 16
                counts[i] = 0
            }
        }

        func deallocate() {
            for i in 0..<levels { buffers[i].deallocate() }
            buffers.deallocate()
            capacities.deallocate()
            counts.deallocate()
        }

        func removeAll() { counts.update(repeating: 0, count: levels) }

        func isEmpty(_ level: Int) -> Bool { counts[level] == 0 }

        @inline(__always) func append(_ level: Int, _ position: Int32) {
            if counts[level] == capacities[level] {
                let grown = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * capacities[level])
                grown.moveInitialize(from: buffers[level], count: counts[level])
                buffers[level].deallocate()
                buffers[level] = grown
                capacities[level] *= 2
            }
            buffers[level][counts[level]] = position
            counts[level] += 1
        }

        func sort(_ level: Int) {
            var level = UnsafeMutableBufferPointer(start: buffers[level], count: counts[level])
            level.sort()
        }

        /// Whether sorted level `level` holds `position`.
        @inline(__always) func contains(_ level: Int, _ position: Int32) -> Bool {
            ChunkMatcher.sortedContains(UnsafeBufferPointer(start: buffers[level], count: counts[level]), position)
        }
    }
}

/// Indices of cursors in a binary min-heap by their current document, which the heap keeps beside each index (so
/// that sifting reads no cursor: reading a cursor from an array retained and released it).
struct CursorHeap {
    private(set) var items: [Int] = []
    /// `docs[k]`: the current document of cursor `items[k]`, as last told.
    private var docs: [Int] = []

    init() {}

    init(_ cursors: [PostingsCursor]) {
        items = Array(cursors.indices)
        items.sort { cursors[$0].doc < cursors[$1].doc }  // a sorted array is a heap
        docs = items.map { cursors[$0].doc }
    }

    var first: Int? { items.first }
    /// The first cursor's document (``PostingsCursor/exhausted`` when there is none).
    var firstDoc: Int { docs.first ?? PostingsCursor.exhausted }

    /// Restores the heap after the first cursor moved forward, to `doc`.
    mutating func siftDownFirst(to doc: Int) {
        items.withUnsafeMutableBufferPointer { items in
            docs.withUnsafeMutableBufferPointer { docs in
                let moved = items[0]
                var i = 0
                let n = items.count
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = l
                    if l >= n { break }
                    if r < n && docs[r] < docs[l] { m = r }
                    if docs[m] >= doc { break }
                    items[i] = items[m]
                    docs[i] = docs[m]
                    i = m
                }
                items[i] = moved
                docs[i] = doc
            }
        }
    }

    /// The cursors on `doc` (the heap's top ones); `stack` is scratch space.
    func collect(doc: Int, into out: inout [Int], stack: inout [Int]) {
        stack.removeAll(keepingCapacity: true)
        stack.append(0)
        while let i = stack.popLast() {
            guard i < items.count, docs[i] == doc else { continue }
            out.append(items[i])
            stack.append(2 * i + 1)
            stack.append(2 * i + 2)
        }
    }
}

/// A set of documents of one segment, as a bitset.
struct DocSet: Hashable, Sendable, Sequence {
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

    /// Inserts `count` documents read from `docs` (each below ``capacity``): one exclusive access for them all.
    mutating func insert(_ docs: UnsafePointer<UInt32>, count: Int) {
        words.withUnsafeMutableBufferPointer { w in
            for k in 0..<count {
                let d = Int(docs[k])
                w[d >> 6] |= 1 << UInt64(d & 63)
            }
        }
    }

    /// Inserts the documents `after + deltas[0] + 1`, then each `deltas[k] + 1` past the one before, stopping
    /// before any document past `limit` (which must be below ``capacity``); returns the last one inserted (`after`
    /// if none). One exclusive access for them all.
    mutating func insertDeltas(_ deltas: UnsafePointer<UInt32>, count: Int, after: Int, limit: Int) -> Int {
        var d = after
        words.withUnsafeMutableBufferPointer { w in
            for k in 0..<count {
                let next = d + Int(deltas[k]) + 1
                if next > limit { return }
                d = next
                w[d >> 6] |= 1 << UInt64(d & 63)
            }
        }
        return d
    }

    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Whether the set holds at most `n` documents (counts only as far as needed).
    func hasAtMost(_ n: Int) -> Bool {
        var seen = 0
        for w in words where w != 0 {
            seen += w.nonzeroBitCount
            if seen > n { return false }
        }
        return true
    }
    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// The documents of `other` (of the same capacity) that are not in the set, in order; nil if there are more than
    /// `limit`.
    func missing(of other: DocSet, atMost limit: Int) -> [Int]? {
        var out: [Int] = []
        for i in words.indices {
            var w = other.words[i] & ~words[i]
            while w != 0 {
                if out.count == limit { return nil }
                out.append(i << 6 | w.trailingZeroBitCount)
                w &= w - 1
            }
        }
        return out
    }

    mutating func formUnion(_ o: DocSet) { for i in words.indices { words[i] |= o.words[i] } }
    mutating func formIntersection(_ o: DocSet) { for i in words.indices { words[i] &= o.words[i] } }
    mutating func subtract(_ o: DocSet) { for i in words.indices { words[i] &= ~o.words[i] } }
    mutating func subtract(_ deletes: DeleteSet) {
        for i in words.indices where i < deletes.words.count { words[i] &= ~deletes.words[i] }
    }

    /// The documents in increasing order.
    struct Iterator: IteratorProtocol {
        let words: [UInt64]
        var index = 0
        var word: UInt64

        init(_ words: [UInt64]) {
            self.words = words
            word = words.first ?? 0
        }

        mutating func next() -> Int? {
            while word == 0 {
                index += 1
                guard index < words.count else { return nil }
                word = words[index]
            }
            let b = word.trailingZeroBitCount
            word &= word - 1
            return index << 6 | b
        }
    }

    func makeIterator() -> Iterator { Iterator(words) }

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
