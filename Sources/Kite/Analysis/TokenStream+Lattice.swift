/// Step 3 with a user dictionary: each run of ICU's words between separators segmented again over the lattice of
/// ICU's words and the dictionary's (``DictionaryLattice``).
extension TokenStream {
    /// The lattice's costs in hundredths, chosen by measurement on SIGHAN 2005 (README, "Segmentation"): a word of
    /// the dictionary 1; a word of ICU's that the dictionary lacks 2.1, or 3 when it is one character; any other
    /// single character 3; and 0.05 more for a word that ends where ICU put no boundary. The cheapest path wins, ties
    /// to the path found first: the dictionary's words join ICU's pieces (新|质|生产|力 → 新质生产力) and split an ICU
    /// word they cover.
    enum LatticeCost {
        static let dictionaryWord = 100, segmenterWord = 210, character = 300, offBoundary = 5
    }

    /// Segments each run of words between separators again, over the lattice of ICU's words and the dictionary's:
    /// the pieces of the whole text, in a buffer of the stream's (valid until the next text; no copy back into
    /// ``segments``, which on long texts cost more than the walk's bookkeeping).
    func resegment(with lattice: DictionaryLattice) -> UnsafeBufferPointer<Segment> {
        // Each segment covers a unit at least, and so does each piece of a run: `count` segments at most.
        let out = scratch.output(count), memo = scratch.memo  // (the memo fetched once: its getter retains)
        var o = 0
        segments.withUnsafeBufferPointer { segments in
            var i = 0
            while i < segments.count {
                guard segments[i].rule >= 100 else { out[o] = segments[i]; o += 1; i += 1; continue }
                var j = i + 1
                while j < segments.count && segments[j].rule >= 100 { j += 1 }
                o = resegmentWords(UnsafeBufferPointer(rebasing: segments[i..<j]), lattice, memo, into: out, at: o)
                i = j
            }
        }
        return UnsafeBufferPointer(start: out, count: o)
    }

    /// The cheapest path through one run of words, as ``resegmentRun(_:_:into:at:)`` finds it, found span by span:
    /// every path goes through an ICU boundary that no dictionary word crosses (any other step ends at or before the
    /// next boundary), so the run splits there into spans whose cheapest paths join into the run's, ties included.
    /// What the lattice makes of a span depends on its units and ICU's words in it alone, and spans repeat (本条例,
    /// 人民代表大会 come back in document after document), so a span is looked up in ``LatticeMemo`` and walked only
    /// the first time (or again when another span took its slot). Whether a dictionary word crosses a word's end is asked only where the two units around it occur
    /// side by side in some dictionary word, and walked only from the word's positions whose rest begins a longer
    /// dictionary word (the memo knows them).
    func resegmentWords(
        _ run: UnsafeBufferPointer<Segment>, _ lattice: DictionaryLattice, _ memo: LatticeMemo,
        into out: UnsafeMutablePointer<Segment>, at o0: Int
    ) -> Int {
        let n = Int(run[run.count - 1].end)
        let t = UnsafePointer(units), fold = simplifyForMatching, numbers = framesNumbers
        var o = o0
        var span = -1  // the first word of the span being gathered, or -1 (the run is cut before this word)
        var reach = 0  // the furthest end of a dictionary word that starts in the span
        for w in 0..<run.count {
            let word = run[w]
            // Number frames join words in ways the test below does not see: a run with a number takes the walk.
            if numbers && UInt32(bitPattern: word.rule &- 100) < 100 { return resegmentRun(run, lattice, into: out, at: o0) }
            let end = Int(word.end)
            let known = memo.find(word: word, t) ?? remember(word, lattice, memo)
            if known.open != 0 && end < n && lattice.mayCross(fold[Int(t[end - 1])], fold[Int(t[end])]) {
                reach = max(reach, furthestWordEnd(word, open: known.open, before: n, lattice))
            }
            if reach > end {
                if span < 0 { span = w }
            } else if span < 0 && known.isKept {
                o = known.write(word, into: out, at: o)
            } else {  // (a span that ends here, or a word too long for the memo)
                o = resegmentSpan(UnsafeBufferPointer(rebasing: run[(span < 0 ? w : span)...w]), lattice, memo, into: out, at: o)
                span = -1
            }
        }
        return o
    }

    /// The furthest end of a dictionary word that starts at one of `word`'s `open` positions (bit k: unit k; all
    /// of them when `open` is ``LatticeMemo/Answer/everyPosition``).
    @inline(never)
    func furthestWordEnd(_ word: Segment, open: UInt32, before n: Int, _ lattice: DictionaryLattice) -> Int {
        let t = UnsafePointer(units)
        var reach = 0
        guard open != LatticeMemo.Answer.everyPosition else {
            for k in Int(word.start)..<Int(word.end) {
                reach = max(reach, lattice.longestWordEnd(t, simplifyForMatching, from: k, before: n))
            }
            return reach
        }
        var open = open
        while open != 0 {
            let k = Int(word.start) + open.trailingZeroBitCount
            open &= open &- 1
            reach = max(reach, lattice.longestWordEnd(t, simplifyForMatching, from: k, before: n))
        }
        return reach
    }

    /// The pieces of a span of several words, from the memo or by the walk (and then remembered).
    @inline(never)
    func resegmentSpan(
        _ span: UnsafeBufferPointer<Segment>, _ lattice: DictionaryLattice, _ memo: LatticeMemo,
        into out: UnsafeMutablePointer<Segment>, at o: Int
    ) -> Int {
        if let known = memo.find(span, UnsafePointer(units)) { return known.write(span, into: out, at: o) }
        let count = resegmentRun(span, lattice, into: out, at: o)
        if let known = LatticeMemo.Answer(span, pieces: UnsafeBufferPointer(start: out + o, count: count - o)) {
            memo.insert(span, UnsafePointer(units), known)
        }
        return count
    }

    /// What the lattice makes of `word` alone, worked out and remembered (``LatticeMemo``), with the positions whose
    /// rest begins a longer dictionary word. A word longer than the memo keeps is given all its positions and no
    /// answer of its own, so that the walk takes it as a span.
    @inline(never)
    func remember(_ word: Segment, _ lattice: DictionaryLattice, _ memo: LatticeMemo) -> LatticeMemo.Answer {
        let start = Int(word.start), length = Int(word.end) - start
        guard length <= LatticeMemo.maximumLength else { return .unkept }
        let pieces = scratch.memoPieces
        let count = withUnsafePointer(to: word) { resegmentRun(UnsafeBufferPointer(start: $0, count: 1), lattice, into: pieces, at: 0) }
        var answer = LatticeMemo.Answer(CollectionOfOne(word), pieces: UnsafeBufferPointer(start: pieces, count: count))!
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: length) { folded in
            for k in 0..<length { folded[k] = simplifyForMatching[Int(units[start + k])] }
            for k in 0..<length where lattice.extends(UnsafeBufferPointer(rebasing: folded[k...])) { answer.open |= 1 << k }
        }
        withUnsafePointer(to: word) { memo.insert(UnsafeBufferPointer(start: $0, count: 1), UnsafePointer(units), answer) }
        return answer
    }

    /// The whole-part digit count of `segment` when it is an ICU number word of ASCII digits and decimal points (a
    /// frame's `#`, ``NumberPatterns``); nil for any other.
    func numberDigits(_ segment: Segment) -> Int? {
        guard (100..<200).contains(segment.rule) else { return nil }
        let word = UnsafeBufferPointer(start: units + Int(segment.start), count: Int(segment.end - segment.start))
        guard let (end, whole) = NumberPatterns.number(in: word, at: 0), end == word.count else { return nil }
        return whole
    }

    /// The words of number frames in a run (``NumberPatterns``): (start, end) in run positions, by start.
    @inline(never)
    func numberFrames(
        _ run: UnsafeBufferPointer<Segment>, _ patterns: NumberPatterns, n: Int,
        icuEnd: UnsafeMutablePointer<Int32>, icuRule: UnsafeMutablePointer<Int32>
    ) -> [(start: Int, end: Int)] {
        let a = Int(run[0].start)
        var frames: [(start: Int, end: Int)] = []
        for s in run where (100..<200).contains(s.rule) {
            guard let digits = numberDigits(s) else { continue }
            let i = Int(s.start) - a
            for end in numberFrameEnds(patterns, from: i, digits: digits, run: a, n: n, icuEnd: icuEnd, icuRule: icuRule) {
                frames.append((i, end))
            }
        }
        return frames
    }

    /// Where the frames that begin with the number word at run position `i` end (run positions): each frame's
    /// units and number words in turn, each number with a digit count the frame's dictionary words have.
    func numberFrameEnds(
        _ patterns: NumberPatterns, from i: Int, digits: Int, run a: Int, n: Int,
        icuEnd: UnsafeMutablePointer<Int32>, icuRule: UnsafeMutablePointer<Int32>
    ) -> [Int] {
        let first = Int(icuEnd[i])
        guard first < n, let frames = patterns.frames(after: simplifyForMatching[Int(units[a + first])]) else { return [] }
        var ends: [Int] = []
        frames: for frame in frames where frame.digits[0].contains(digits) {
            var p = first, number = 1
            for element in frame.rest {
                guard p < n else { continue frames }
                if element == NumberPatterns.number {
                    let e = Int(icuEnd[p])
                    guard e >= 0, let digits = numberDigits(Segment(start: Int32(a + p), end: Int32(a + e), rule: icuRule[p])),
                          frame.digits[number].contains(digits) else { continue frames }
                    p = e
                    number += 1
                } else {
                    guard UInt32(simplifyForMatching[Int(units[a + p])]) == element else { continue frames }
                    p += 1
                }
            }
            ends.append(p)
        }
        return ends
    }

    /// The cheapest path through one run of words (contiguous units; see ``LatticeCost``), written to `out` from
    /// `o`; returns where the next segment goes.
    ///
    /// Every position's step to position e adds ``LatticeScratch/penalty`` of e: 0 at ICU's boundaries,
    /// ``LatticeCost/offBoundary`` elsewhere, and ``LatticeScratch/unreachable`` inside ICU's letter, number and kana
    /// words, which no path may start or end inside: a cost that high is never the best and never a start. So a
    /// step is an add and a compare, with no branch on where it ends.
    func resegmentRun(
        _ run: UnsafeBufferPointer<Segment>, _ lattice: DictionaryLattice, into out: UnsafeMutablePointer<Segment>, at o: Int
    ) -> Int {
        let a = Int(run[0].start), n = Int(run[run.count - 1].end) - a
        // One unit: no path but itself.
        guard n > 1 else { out[o] = run[0]; return o + 1 }
        let fold = simplifyForMatching
        let t = units + a
        var anyStart = false
        for k in 0..<n where lattice.mayStart(with: fold[Int(t[k])]) { anyStart = true; break }
        // Whether a number frame could start here: only with frames, and only at an ICU number word.
        let numbers = framesNumbers && run.contains { (100..<200).contains($0.rule) }
        if !anyStart && numbers { anyStart = run.contains { (100..<200).contains($0.rule) && numberDigits($0) != nil } }
        guard anyStart else { (out + o).initialize(from: run.baseAddress!, count: run.count); return o + run.count }
        let m = scratch.reserve(n)
        let icuEnd = m.icuEnd, icuRule = m.icuRule, penalty = m.penalty, best = m.best, prev = m.prev
        // The two-unit prefix at each position is looked up before the walk: prefetched here, read once the arrays
        // below are set (a probe of the prefix table is most often a cache miss).
        let pairs = m.pairs, pairKeys = m.pairKeys
        var previous = fold[Int(t[0])]
        for k in 0..<(n - 1) {
            let next = fold[Int(t[k + 1])]
            pairKeys[k] = DictionaryLattice.pairKey(previous, next)
            lattice.prefetchPair(pairKeys[k])
            previous = next
        }
        let unreachable = LatticeScratch.unreachable
        for k in 0..<n { icuEnd[k] = -1; penalty[k] = LatticeCost.offBoundary; best[k] = unreachable }
        best[n] = unreachable
        for s in run {
            let start = Int(s.start) - a, end = Int(s.end) - a
            icuEnd[start] = Int32(end)
            icuRule[start] = s.rule
            penalty[end] = 0
            // ICU's letter, number and kana words stay whole: no path starts or ends inside one.
            if !(400..<500).contains(s.rule) {
                for k in (start + 1)..<end { penalty[k] = unreachable }
            }
        }
        // The number frames' words in start order, found apart so that the walk below stays lean.
        let frames = numbers ? numberFrames(run, lattice.numberPatterns, n: n, icuEnd: icuEnd, icuRule: icuRule) : []
        var frame = 0
        best[0] = 0
        for k in 0..<(n - 1) { pairs[k] = lattice.pair(pairKeys[k]) }
        for i in 0..<n {
            let cost = best[i]
            guard cost < unreachable else { continue }
            @inline(__always) func relax(_ e: Int, _ step: Int) {
                let c = cost &+ step &+ penalty[e]
                let better = c < best[e]
                best[e] = better ? c : best[e]
                prev[e] = better ? Int32(truncatingIfNeeded: i) : prev[e]
            }
            // A step from i to where another from i already went at no higher cost is skipped: the dictionary's
            // (1) before ICU's word (2.1, or 3 for one character), and either before the character (3).
            let surrogates = t[i] & 0xFC00 == 0xD800 && i + 1 < n && t[i + 1] & 0xFC00 == 0xDC00
            let next = i + (surrogates ? 2 : 1), e = Int(icuEnd[i])
            var icuDone = false, nextDone = e == next
            let first = fold[Int(t[i])]
            if lattice.mayStart(with: first) {
                if lattice.isOneUnitWord(first) {
                    relax(i + 1, LatticeCost.dictionaryWord)
                    icuDone = e == i + 1
                    nextDone = nextDone || next == i + 1
                }
                if i + 1 < n, case let pair = pairs[i], pair.exists {
                    if pair.isWord {
                        relax(i + 2, LatticeCost.dictionaryWord)
                        icuDone = icuDone || e == i + 2
                        nextDone = nextDone || next == i + 2
                    }
                    var at = pair.node, k = i + 2
                    let limit = min(n, i + lattice.maxLength)
                    while pair.hasChildren, k < limit, let child = lattice.step(at, fold[Int(t[k])]) {
                        at = child
                        k += 1
                        if lattice.isWord(at) { relax(k, LatticeCost.dictionaryWord); icuDone = icuDone || k == e }
                    }
                }
            }
            while frame < frames.count && frames[frame].start <= i {
                if frames[frame].start == i { relax(frames[frame].end, LatticeCost.dictionaryWord) }
                frame += 1
            }
            if e >= 0 && !icuDone { relax(e, e == next ? LatticeCost.character : LatticeCost.segmenterWord) }
            if !nextDone { relax(next, LatticeCost.character) }
        }
        // Walk back from the end, then write the pieces in order.
        var count = 0
        var e = n
        while e > 0 { m.cuts[count] = Int32(e); count += 1; e = Int(prev[e]) }
        var s = 0, o = o
        for c in stride(from: count - 1, through: 0, by: -1) {
            let e = Int(m.cuts[c])
            let rule = Int(icuEnd[s]) == e ? icuRule[s] : (isAllHan(a + s, a + e) ? 400 : 200)
            out[o] = Segment(start: Int32(a + s), end: Int32(a + e), rule: rule)
            o += 1
            s = e
        }
        return o
    }
}

/// What the lattice makes of a span of ICU's words of up to eight units that no dictionary word crosses, remembered per
/// span: where its cheapest path cuts it and what each piece is, and for a span of one word, from which of its positions
/// a dictionary word may go on past its end. The answer depends on the span's units, where ICU's words in it begin and
/// which of them are ideographic, and nothing else: those are the key. Direct-mapped: a span whose slot another took
/// is walked again.
final class LatticeMemo {
    /// The longest span kept, in UTF-16 units.
    static let maximumLength = 8

    /// One span's answer.
    struct Answer {
        /// Bit k: a cut after the span's first k + 1 units.
        var cuts: UInt32
        /// Two bits per piece: 0, one of ICU's words (its rule); 1, ideographic (400); 2, a word (200), as the walk
        /// writes them.
        var kinds: UInt32
        /// Bit k: the units from k on begin a longer dictionary word (spans of one word only).
        var open: UInt32 = 0
        /// Whether the answer is the span's (false: too long to keep; the walk takes it).
        var isKept = true

        /// The answer of a span too long to keep: every position may start a word past it, and the walk takes it.
        static let unkept = Answer(cuts: 0, kinds: 0, open: everyPosition, isKept: false)

        /// `open` of a span too long to keep (no kept span has a bit above its eighth unit).
        static let everyPosition = UInt32.max

        /// The answer that `pieces` (the walk's output for `span`) give, if the memo can hold it.
        init?(_ span: some Collection<Segment>, pieces: UnsafeBufferPointer<Segment>) {
            guard let first = span.first, let last = pieces.last,
                  Int(last.end - first.start) <= LatticeMemo.maximumLength else { return nil }
            cuts = 0
            kinds = 0
            var words = span.makeIterator(), icu = words.next()
            for (p, piece) in pieces.enumerated() {
                if piece.end < last.end { cuts |= 1 << UInt32(piece.end - first.start - 1) }
                while let w = icu, w.start < piece.start { icu = words.next() }
                let isICUWord = icu.map { $0.start == piece.start && $0.end == piece.end && $0.rule == piece.rule } ?? false
                kinds |= (isICUWord ? 0 : piece.rule == 400 ? 1 : 2) << UInt32(2 * p)
            }
        }

        fileprivate init(cuts: UInt32, kinds: UInt32, open: UInt32, isKept: Bool) {
            (self.cuts, self.kinds, self.open, self.isKept) = (cuts, kinds, open, isKept)
        }

        /// The answer a memo entry holds: `cuts` | `open` << 8 | `kinds` << 16.
        @inline(__always)
        fileprivate init(value: UInt32) {
            self.init(cuts: value & 0xFF, kinds: value >> 16, open: (value >> 8) & 0xFF, isKept: true)
        }

        fileprivate var value: UInt32 { cuts | open << 8 | kinds << 16 }

        /// Writes the pieces of the span of one `word` to `out` from `o`; returns where the next goes.
        @inline(__always)
        func write(_ word: Segment, into out: UnsafeMutablePointer<Segment>, at o: Int) -> Int {
            guard cuts != 0 || kinds != 0 else { out[o] = word; return o + 1 }
            return withUnsafePointer(to: word) { write(UnsafeBufferPointer(start: $0, count: 1), into: out, at: o) }
        }

        /// Writes the pieces of `span` to `out` from `o`; returns where the next goes.
        @inline(__always)
        func write(_ span: UnsafeBufferPointer<Segment>, into out: UnsafeMutablePointer<Segment>, at o: Int) -> Int {
            if cuts == 0 && kinds == 0 && span.count == 1 { out[o] = span[0]; return o + 1 }
            var o = o, start = span[0].start, rest = cuts, kinds = kinds, w = 0
            let last = span[span.count - 1].end
            while true {
                let end = rest == 0 ? last : span[0].start + Int32(rest.trailingZeroBitCount) + 1
                var rule: Int32 = kinds & 3 == 1 ? 400 : 200
                if kinds & 3 == 0 {
                    while span[w].start < start { w += 1 }
                    rule = span[w].rule
                }
                out[o] = Segment(start: start, end: end, rule: rule)
                o += 1
                if rest == 0 { return o }
                rest &= rest &- 1
                kinds >>= 2
                start = end
            }
        }
    }

    private struct Entry {
        var low: UInt64 = 0, high: UInt64 = 0
        /// 0: empty; else the span's ``shape(_:)``.
        var shape: UInt32 = 0
        /// `cuts` | `open` << 8 | `kinds` << 16.
        var value: UInt32 = 0
    }

    private static let slotBits = 13
    private let entries = UnsafeMutablePointer<Entry>.allocate(capacity: 1 << slotBits)

    /// Spans of one word of up to four units (most of them): 16 bytes an entry.
    private struct WordEntry {
        var key: UInt64 = 0
        var shape: UInt32 = 0
        var value: UInt32 = 0
    }

    private static let wordBits = 15
    private let words = UnsafeMutablePointer<WordEntry>.allocate(capacity: 1 << wordBits)

    init() {
        entries.initialize(repeating: Entry(), count: 1 << Self.slotBits)
        words.initialize(repeating: WordEntry(), count: 1 << Self.wordBits)
    }

    deinit {
        entries.deallocate()
        words.deallocate()
    }

    /// The span's length (4 bits), bit 4 + k where one of ICU's words begins at unit k > 0, and bit 12 + k where an
    /// ideographic one begins at unit k. Never 0.
    @inline(__always)
    private static func shape(_ span: UnsafeBufferPointer<Segment>) -> UInt32 {
        let a = span[0].start
        var shape = UInt32(span[span.count - 1].end - a)
        for word in span {
            let k = UInt32(word.start - a)
            if k > 0 { shape |= 1 << (4 + k) }
            if (400..<500).contains(word.rule) { shape |= 1 << (12 + k) }
        }
        return shape
    }

    /// The units of units[a..<a + length] (one to eight) packed 16 bits each, the first lowest, in two words.
    @inline(__always)
    private static func key(_ units: UnsafePointer<UInt16>, _ a: Int, _ length: Int) -> (UInt64, UInt64) {
        guard length > 4 else { return (wordKey(units + a, length), 0) }
        return (wordKey(units + a, 4), wordKey(units + a + 4, length - 4))
    }

    @inline(__always)
    private func slot(_ low: UInt64, _ high: UInt64, _ shape: UInt32) -> UnsafeMutablePointer<Entry> {
        let h = (low ^ high &* 0xC2B2_AE3D_27D4_EB4F ^ UInt64(shape) << 40) &* 0x9E37_79B9_7F4A_7C15
        return entries + Int(truncatingIfNeeded: h >> UInt64(64 - Self.slotBits))
    }

    /// The answer for the span of one `word` of text `units`, if remembered: ``find(_:_:)`` for the commonest case,
    /// a word of up to four units, in a table of its own with keys of one load (``TokenStream/unitPadding``).
    @inline(__always)
    func find(word: Segment, _ units: UnsafePointer<UInt16>) -> Answer? {
        let a = Int(word.start), length = Int(word.end) - a
        guard length <= 4 else {
            return length <= Self.maximumLength ? withUnsafePointer(to: word) { find(UnsafeBufferPointer(start: $0, count: 1), units) } : nil
        }
        let key = Self.wordKey(units + a, length), shape = Self.shape(word)
        let entry = wordSlot(key, shape).pointee
        guard entry.key == key, entry.shape == shape else { return nil }
        return Answer(value: entry.value)
    }

    /// The units of a word of one to four units packed 16 bits each, the first lowest: one load, the units past the
    /// word masked off.
    @inline(__always)
    private static func wordKey(_ units: UnsafePointer<UInt16>, _ length: Int) -> UInt64 {
        UnsafeRawPointer(units).loadUnaligned(as: UInt64.self) & (UInt64.max >> UInt64(64 - 16 * length))
    }

    /// The length of `word`, | 1 << 12 when ICU calls it ideographic (``shape(_:)`` of a span of one word).
    @inline(__always)
    private static func shape(_ word: Segment) -> UInt32 {
        UInt32(word.end - word.start) | ((400..<500).contains(word.rule) ? 1 << 12 : 0)
    }

    @inline(__always)
    private func wordSlot(_ key: UInt64, _ shape: UInt32) -> UnsafeMutablePointer<WordEntry> {
        words + Int(truncatingIfNeeded: ((key ^ UInt64(shape) << 48) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - Self.wordBits))
    }

    /// The answer for `span` of text `units`, if remembered.
    @inline(__always)
    func find(_ span: UnsafeBufferPointer<Segment>, _ units: UnsafePointer<UInt16>) -> Answer? {
        let a = Int(span[0].start), length = Int(span[span.count - 1].end) - a
        guard length <= Self.maximumLength else { return nil }
        let (low, high) = Self.key(units, a, length), shape = Self.shape(span)
        let entry = slot(low, high, shape).pointee
        guard entry.low == low, entry.high == high, entry.shape == shape else { return nil }
        return Answer(value: entry.value)
    }

    /// Remembers the answer for `span` of text `units` (at most ``maximumLength`` units).
    func insert(_ span: UnsafeBufferPointer<Segment>, _ units: UnsafePointer<UInt16>, _ answer: Answer) {
        let a = Int(span[0].start), length = Int(span[span.count - 1].end) - a
        if span.count == 1 && length <= 4 {
            let key = Self.wordKey(units + a, length), shape = Self.shape(span[0])
            wordSlot(key, shape).pointee = WordEntry(key: key, shape: shape, value: answer.value)
            return
        }
        let (low, high) = Self.key(units, a, length), shape = Self.shape(span)
        slot(low, high, shape).pointee = Entry(low: low, high: high, shape: shape, value: answer.value)
    }
}
