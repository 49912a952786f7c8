import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Step 3: words from ICU (or whitespace), adjusted by the user dictionary over a lattice; then the emitting of words, bigrams, joins and sub-words in order.
extension TokenStream {
    func segmentWhitespace(_ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void) {
        var position: Int32 = 0
        var start = 0
        let n = count
        var k = 0
        while k <= n {
            if k == n || units[k] == 0x20 {
                if k > start {
                    emitTerm(start, k, position: position, bigram: false, emit)
                    position += 1
                }
                start = k + 1
            }
            k += 1
        }
    }

    func segmentICU(allSegments: Bool, _ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void) throws(AnalysisError) {
        guard count > 0 else { return }
        if let memo, memo.scan(units, count) {
            if !memo.segmentAlone(units, count, into: &segments) {
                let (text, n) = memo.compacted(units, count)
                try breakWords(text, n)
                if !memo.expand(&segments) { try breakWords(units, count) }
            }
        } else {
            try breakWords(units, count)
        }
        memo?.learn(segments, units)
        if let lattice { resegment(with: lattice) }
        emitSegments(allSegments: allSegments, emit)
    }

    /// ICU's words and separators of `text[0..<n]` into `segments`.
    func breakWords(_ text: UnsafePointer<UInt16>, _ n: Int) throws(AnalysisError) {
        guard let breaker else { return }
        let status = kite_wordbreak_set_text(breaker, text, Int32(n))
        if status > 0 { throw .icuFailure(code: status) }
        var out: [Segment] = []
        swap(&out, &segments)  // (a local array: no exclusivity check per word)
        defer { swap(&out, &segments) }
        out.removeAll(keepingCapacity: true)
        var start: Int32 = 0
        while true {
            let end = kite_wordbreak_next(breaker)
            if end < 0 { break }
            out.append(Segment(start: start, end: end, rule: kite_wordbreak_rule_status(breaker)))
            start = end
        }
    }

    /// Emits the words of `segments`, with their joins, sub-words and rescue bigrams.
    func emitSegments(allSegments: Bool, _ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void) {
        let bigrams = configuration.emitsBigrams && !allSegments
        let joins = configuration.emitsJoins && !allSegments
        var position: Int32 = 0
        // The previous word if it was a single CJK ideograph: its unit range and position.
        var single: (start: Int32, end: Int32, position: Int32)? = nil
        // The previous word if it was a single Han character, even with punctuation since (for joins).
        var joinable: (start: Int32, end: Int32, position: Int32)? = nil
        for segment in segments {
            let (start, end, rule) = (segment.start, segment.end, segment.rule)
            if rule < 100 {
                if allSegments && !(end - start == 1 && units[Int(start)] == 0x20) {
                    emitTerm(Int(start), Int(end), position: position, bigram: false, emit)
                    position += 1
                }
                single = nil  // a join, unlike a bigram, reaches over punctuation: positions do
                continue
            }
            // (Decided once: joins and bigrams both ask, for every word.)
            let isSingle = (joins || bigrams) && isSingleHan(Int(start), Int(end))
            if joins {
                if let j = joinable, let first = firstHan(Int(start), Int(end)) {
                    emitJoin(Int(j.start)..<Int(j.end), first, position: j.position, emit)
                }
                joinable = isSingle ? (start, end, position) : nil
            }
            emitTerm(Int(start), Int(end), position: position, bigram: false, emit)
            if !allSegments && !configuration.subwords.isEmpty {
                emitSubwords(Int(start), Int(end), rule: rule, position: position, emit)
            }
            if bigrams {
                if rule >= 400 && rule < 500 && isSingle {
                    if let s = single, s.end == start {
                        emitTerm(Int(s.start), Int(end), position: s.position, bigram: true, emit)
                    }
                    single = (start, end, position)
                } else {
                    single = nil
                }
            }
            position += 1
        }
    }

    // MARK: User dictionary

    /// The lattice's costs in hundredths, chosen by measurement on SIGHAN 2005 (README, "Segmentation"): a word of
    /// the dictionary 1; a word of ICU's that the dictionary lacks 2.1, or 3 when it is one character; any other
    /// single character 3; and 0.05 more for a word that ends where ICU put no boundary. The cheapest path wins, ties
    /// to the path found first: the dictionary's words join ICU's pieces (新|质|生产|力 → 新质生产力) and split an ICU
    /// word they cover.
    enum LatticeCost {
        static let dictionaryWord = 100, segmenterWord = 210, character = 300, offBoundary = 5
    }

    /// Segments each run of words between separators again, over the lattice of ICU's words and the dictionary's.
    func resegment(with lattice: DictionaryLattice) {
        // Each segment covers a unit at least, and so does each piece of a run: `count` segments at most.
        let out = scratch.output(count)
        var o = 0
        segments.withUnsafeBufferPointer { segments in
            var i = 0
            while i < segments.count {
                guard segments[i].rule >= 100 else { out[o] = segments[i]; o += 1; i += 1; continue }
                var j = i + 1
                while j < segments.count && segments[j].rule >= 100 { j += 1 }
                o = resegmentRun(UnsafeBufferPointer(rebasing: segments[i..<j]), lattice, into: out, at: o)
                i = j
            }
        }
        segments.removeAll(keepingCapacity: true)
        segments.append(contentsOf: UnsafeBufferPointer(start: out, count: o))
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
