import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// ICU's words of runs of Han characters seen before, so that a repeated run is not segmented by ICU again.
///
/// Why it is exact: ICU's dictionary pass cuts each maximal run of dictionary characters (Han and kana) on its own,
/// from the run's characters alone. A run of unified ideographs with, on each side, the text's end or a character
/// that is neither a dictionary character nor one that ICU attaches to the character before it (``isSeparator(_:)``:
/// ASCII, CJK punctuation) is therefore always cut the same way, wherever it occurs. The memo keeps those cuts by
/// the run's units. Before ICU sees a text, each run found in the memo is replaced by one ideograph (`一`): the same
/// character class as the run, so ICU's rules cut the rest of the text around it exactly as around the run; the
/// placeholder's word is then replaced by the run's remembered words. A run not found is cut by ``dictionary``
/// (ICU's own dictionary pass, done again by ``HanDictionary``) and replaced the same way once it is loaded, or else
/// segmented by ICU in place; either way it is remembered. A text with nothing but such runs, lone ideographs,
/// punctuation and spaces does not go to ICU at all (``segmentAlone(_:_:into:)``). Checked word for word against ICU
/// alone on real text and on texts built to break it (`HanRunMemoTests`, `HanDictionaryTests`); indexes of the
/// benchmark corpora are byte-identical with it and without.
///
/// One per ``TokenStream`` (one thread), its words in a ``RunTable``.
final class HanRunMemo {
    /// A run of the current text: its units `start..<end`, its hash, and its slot when the memo holds it.
    struct Run {
        var start: Int32
        var end: Int32
        var hash: UInt64
        var hit: Int32  // slot index, or -1
        var computed: Int32  // where its words begin in `computedWords` when cut by the dictionary, or -1
        var computedCount: Int32  // how many (cut runs only)
        var placeholder: Int32  // its unit in the compacted text (runs replaced only)

        /// Whether the run's words are known before ICU reads the text: remembered, or cut by ``HanDictionary``.
        var isReplaced: Bool { hit >= 0 || computed >= 0 }
    }

    /// Runs shorter than this are left to ICU (a single ideograph is one word anyway); longer ones too (rarely repeated).
    static let shortest = 2, longest = 255
    /// What replaces a remembered run: a unified ideograph, the run's own character class.
    static let placeholder: UInt16 = 0x4E00

    let table = RunTable()
    /// The current text's runs (raw, reused: the hot path does no array bookkeeping per run).
    private var runs: UnsafeMutablePointer<Run>
    private var runCount = 0, runCapacity = 256
    /// The units of the current text's runs found in the memo, and the words of all its runs replaced.
    private var hitUnits = 0, hitWords = 0
    private var compact: UnsafeMutablePointer<UInt16>
    private var compactCapacity = 0
    private var expanded: [Segment] = []
    /// Units of Han runs found in the memo since the stream was made (for tests).
    private(set) var unitsRecalled = 0

    /// ICU's dictionary, which cuts the runs the memo lacks without ICU (nil: ICU cuts them). Asked for once a stream
    /// has read ``dictionaryAfter`` units, so that short jobs (a query, a small file) never load it, or as soon as
    /// any thread has built it (a writer has it built in the background after 256 KB of text).
    var dictionary: HanDictionary?
    private var dictionaryAsked = false
    /// Units scanned since the stream was made.
    private var unitsScanned = 0
    static let dictionaryAfter = 1 << 18
    /// The words of the current text's runs cut by the dictionary, packed as ``RunTable`` packs them.
    private var computedWords: UnsafeMutablePointer<UInt32>
    private var computedCapacity = 256
    private let cutScratch = HanDictionary.Scratch()
    private var cuts: UnsafeMutablePointer<Int32>
    private var cutsCapacity = 256
    /// Units of Han runs cut by the dictionary since the stream was made (for tests).
    private(set) var unitsCut = 0
    /// Texts segmented without ICU (``segmentAlone(_:_:into:)``) since the stream was made (for tests).
    private(set) var textsAlone = 0

    init() {
        runs = .allocate(capacity: runCapacity)
        compact = .allocate(capacity: 1)
        computedWords = .allocate(capacity: computedCapacity)
        cuts = .allocate(capacity: cutsCapacity)
    }

    deinit {
        runs.deallocate()
        compact.deallocate()
        computedWords.deallocate()
        cuts.deallocate()
    }

    /// Whether `u` may be a unit of a remembered run: a unified ideograph of the BMP (U+3400…U+4DBF, U+4E00…U+9FFF).
    @inline(__always)
    static func isRunUnit(_ u: UInt16) -> Bool {
        (u &- 0x4E00) <= 0x9FFF - 0x4E00 || (u &- 0x3400) <= 0x4DBF - 0x3400
    }

    /// Whether `u` bounds a run that ICU cuts on its own: ASCII, or CJK punctuation that is not a dictionary
    /// character (、。〈〉《》「」『』【】〔〕〖〗〘〙〚〛, dashes, quotes, ‥ …) nor an extending or format character.
    @inline(__always)
    static func isSeparator(_ u: UInt16) -> Bool {
        u < 0x80 || u == 0x3001 || u == 0x3002 || (u &- 0x3008) <= 0x3011 - 0x3008
            || (u &- 0x3014) <= 0x301B - 0x3014 || (u &- 0x2010) <= 0x2027 - 0x2010
    }

    /// Finds the text's runs and looks each up; returns whether any was found (then ICU reads ``compacted(_:_:)``).
    func scan(_ units: UnsafePointer<UInt16>, _ n: Int) -> Bool {
        var count = 0
        var k = 0
        while k < n {
            guard Self.isRunUnit(units[k]) else { k += 1; continue }
            let s = k
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15
            while k < n, Self.isRunUnit(units[k]) {
                h = (h ^ UInt64(units[k])) &* 0x0000_0100_0000_01B3
                k += 1
            }
            let length = k - s
            guard length >= Self.shortest, length <= (dictionary == nil ? Self.longest : Int(UInt16.max)),
                  s == 0 || Self.isSeparator(units[s - 1]), k == n || Self.isSeparator(units[k]) else { continue }
            h = RunTable.finish(h)
            table.prefetch(h)  // (looked up below, once the text's runs are found: misses overlap)
            if count == runCapacity { growRuns() }
            runs[count] = Run(start: Int32(s), end: Int32(k), hash: h, hit: -1, computed: -1, computedCount: 0, placeholder: -1)
            count += 1
        }
        var hits = 0, hitUnits = 0, hitWords = 0, computed = 0
        for r in 0..<count {
            let run = runs[r], length = Int(run.end - run.start)
            let hit = length <= Self.longest ? table.find(run.hash, units + Int(run.start), length) : -1
            if hit >= 0 {
                runs[r].hit = Int32(hit)
                hitUnits += length
                hitWords += table.words(hit).count
            } else if let dictionary {
                let words = cut(units + Int(run.start), length, dictionary, at: computed)
                (runs[r].computed, runs[r].computedCount) = (Int32(computed), Int32(words))
                computed += words
            } else {
                continue
            }
            hits += 1
        }
        hitWords += computed
        (runCount, self.hitUnits, self.hitWords) = (count, hitUnits, hitWords)
        unitsScanned += n
        if !dictionaryAsked && (unitsScanned >= Self.dictionaryAfter || HanDictionary.isLoaded.load(ordering: .acquiring)) {
            dictionaryAsked = true
            dictionary = HanDictionary.shared
        }
        return hits > 0
    }

    /// Cuts the run `text[0..<n]` with the dictionary, its words packed into `computedWords` from `at`; returns how many.
    private func cut(_ text: UnsafePointer<UInt16>, _ n: Int, _ dictionary: HanDictionary, at: Int) -> Int {
        if cutsCapacity < n {
            cuts.deallocate()
            cutsCapacity = max(n, 2 * cutsCapacity)
            cuts = .allocate(capacity: cutsCapacity)
        }
        let count = dictionary.cut(text, n, cutScratch, into: cuts)
        if computedCapacity < at + count {
            let grown = UnsafeMutablePointer<UInt32>.allocate(capacity: max(at + count, 2 * computedCapacity))
            grown.moveInitialize(from: computedWords, count: at)
            computedWords.deallocate()
            computedWords = grown
            computedCapacity = max(at + count, 2 * computedCapacity)
        }
        for w in 0..<count { computedWords[at + w] = UInt32(cuts[w]) << 16 | HanDictionary.ruleStatus }
        unitsCut += n
        return count
    }

    private func growRuns() {
        let grown = UnsafeMutablePointer<Run>.allocate(capacity: 2 * runCapacity)
        grown.moveInitialize(from: runs, count: runCapacity)
        runs.deallocate()
        runs = grown
        runCapacity *= 2
    }

    /// The text with every remembered run replaced by ``placeholder``: its units and count (valid until the next call).
    func compacted(_ units: UnsafePointer<UInt16>, _ n: Int) -> (UnsafePointer<UInt16>, Int) {
        if compactCapacity < n {
            compact.deallocate()
            compactCapacity = max(n, 2 * compactCapacity)
            compact = .allocate(capacity: compactCapacity)
        }
        let out = compact
        var from = 0, to = 0
        for r in 0..<runCount where runs[r].isReplaced {
            let s = Int(runs[r].start)
            (out + to).update(from: units + from, count: s - from)
            to += s - from
            out[to] = Self.placeholder
            runs[r].placeholder = Int32(to)
            to += 1
            from = Int(runs[r].end)
        }
        (out + to).update(from: units + from, count: n - from)
        return (UnsafePointer(out), to + n - from)
    }

    /// Whether `u` is a separator that is punctuation or a space: ASCII punctuation but `_` and `@` (ICU's rules
    /// give both a letter's status and keep `__` and `@@` together), the space, and the CJK punctuation of
    /// ``isSeparator(_:)``.
    @inline(__always)
    static func isPunctuation(_ u: UInt16) -> Bool {
        guard u < 0x80 else { return isSeparator(u) }
        let letter = (u | 0x20) >= 0x61 && (u | 0x20) <= 0x7A, digit = u >= 0x30 && u <= 0x39
        return u >= 0x20 && u < 0x7F && u != 0x5F && u != 0x40 && !letter && !digit
    }

    /// ICU's segments of the whole text without ICU, when nothing in it needs ICU's rules: each unit is an ideograph of
    /// a run whose words are known or of a lone ideograph, a space, or punctuation (``isPunctuation(_:)``). With no
    /// letter, digit, kana, joiner or control in the text, ICU's word rules break before and after each punctuation
    /// character and each lone ideograph and keep a run of spaces together (WB3d); punctuation and spaces have rule
    /// status 0, a lone ideograph 400. Returns false (`segments` untouched) when the text has anything else, or a run
    /// whose words are not known; tested against ICU on corpora and on random texts of these characters and others.
    func segmentAlone(_ units: UnsafePointer<UInt16>, _ n: Int, into segments: inout [Segment]) -> Bool {
        var out: [Segment] = []
        swap(&out, &expanded)
        defer { swap(&out, &expanded) }
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(n)
        var k = 0, r = 0
        while k < n {
            let u = units[k]
            if r < runCount && Int(runs[r].start) == k {
                let run = runs[r]
                guard run.isReplaced else { return false }
                appendWords(of: run, to: &out)
                k = Int(run.end)
                r += 1
            } else if Self.isRunUnit(u) {
                // Not a run's start: a lone ideograph, or a run left to ICU (too long to cut).
                guard k + 1 == n || !Self.isRunUnit(units[k + 1]) else { return false }
                out.append(Segment(start: Int32(k), end: Int32(k + 1), rule: Int32(HanDictionary.ruleStatus)))
                k += 1
            } else if u == 0x20 {
                var e = k + 1
                while e < n && units[e] == 0x20 { e += 1 }
                out.append(Segment(start: Int32(k), end: Int32(e), rule: 0))
                k = e
            } else if Self.isPunctuation(u) {
                out.append(Segment(start: Int32(k), end: Int32(k + 1), rule: 0))
                k += 1
            } else {
                return false
            }
        }
        unitsRecalled += hitUnits
        textsAlone += 1
        swap(&segments, &out)
        return true
    }

    /// Rewrites ICU's segments of the compacted text into segments of the text: each placeholder's word becomes its
    /// run's remembered words, the rest shift by the units removed before them. False (segments untouched) if ICU did
    /// not give a placeholder a word of its own, which the rules above exclude; the caller then segments the text.
    func expand(_ segments: inout [Segment]) -> Bool {
        var out: [Segment] = []
        swap(&out, &expanded)
        defer { swap(&out, &expanded) }
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(segments.count + hitWords)
        let (runs, runCount) = (self.runs, self.runCount)
        func nextHit(_ r: Int) -> Int {
            var r = r
            while r < runCount && !runs[r].isReplaced { r += 1 }
            return r
        }
        var delta: Int32 = 0
        var r = nextHit(0)
        for segment in segments {
            guard r < runCount, segment.end > runs[r].placeholder else {
                out.append(Segment(start: segment.start + delta, end: segment.end + delta, rule: segment.rule))
                continue
            }
            let run = runs[r]
            guard segment.start == run.placeholder, segment.end == run.placeholder + 1 else { return false }
            appendWords(of: run, to: &out)
            delta += run.end - run.start - 1
            r = nextHit(r + 1)
        }
        guard r == runCount else { return false }
        unitsRecalled += hitUnits
        swap(&segments, &out)
        return true
    }

    /// Appends the words of `run` (replaced: remembered or cut by the dictionary) to `out`.
    @inline(__always)
    private func appendWords(of run: Run, to out: inout [Segment]) {
        if run.hit >= 0 {
            table.append(Int(run.hit), at: run.start, to: &out)
        } else {
            RunTable.append(UnsafeBufferPointer(start: computedWords + Int(run.computed), count: Int(run.computedCount)),
                            at: run.start, to: &out)
        }
    }

    /// Remembers the words ICU gave each run of the text that the memo did not hold (`segments` in text units).
    func learn(_ segments: [Segment], _ units: UnsafePointer<UInt16>) {
        var i = 0
        for r in 0..<runCount where runs[r].hit < 0 && runs[r].end - runs[r].start <= Self.longest {
            let run = runs[r]
            while i < segments.count && segments[i].end <= run.start { i += 1 }
            guard i < segments.count, segments[i].start == run.start else { continue }
            var j = i
            while j < segments.count && segments[j].end < run.end { j += 1 }
            guard j < segments.count, segments[j].end == run.end else { continue }
            table.remember(run.hash, units + Int(run.start), Int(run.end - run.start), segments[i...j], from: run.start)
            i = j + 1
        }
    }
}

/// Runs of units and their segments, remembered: a direct-mapped table of 2^14 runs whose units and segments are
/// written to two rings, a run kept until its slot is taken or a ring comes round over it (1.5 MiB, however much text
/// passes). The storage of ``HanRunMemo``, apart from what it stores. Since ``HanDictionary`` cuts a run the memo lacks
/// at a fraction of ICU's cost, a larger memo no longer pays: 2^16 runs (6 MiB) indexed in the same time (1.00× on
/// short documents and on laws, 5 whole-process pairs each).
final class RunTable {
    /// A remembered run: its hash, and where its units and segments were written in the rings (positions counted
    /// from the table's start, never reused: the run is still there while the ring has not come round over it).
    struct Slot {
        var hash: UInt64
        var key: Int
        var word: Int
        var length: Int32
        var wordCount: Int32
    }

    static let slotBits = 14
    private static let keyCapacity = 1 << 18, wordCapacity = 1 << 17
    private let slots: UnsafeMutablePointer<Slot>
    private let keys: UnsafeMutablePointer<UInt16>
    /// A segment as its end from the run's start (high 16 bits) and its rule status (low 16 bits).
    private let words: UnsafeMutablePointer<UInt32>
    /// How many units and words were ever written to the rings (the next write goes to `count % capacity`).
    private var keysWritten = 0, wordsWritten = 0

    init() {
        let slotCount = 1 << Self.slotBits
        slots = calloc(slotCount, MemoryLayout<Slot>.stride)!.bindMemory(to: Slot.self, capacity: slotCount)
        keys = .allocate(capacity: Self.keyCapacity)
        words = .allocate(capacity: Self.wordCapacity)
    }

    deinit {
        free(slots)
        keys.deallocate()
        words.deallocate()
    }

    /// The last step of a run's hash (``HanRunMemo/scan(_:_:)`` folds the units in one by one).
    @inline(__always)
    static func finish(_ h: UInt64) -> UInt64 {
        let h = (h ^ h >> 32) &* 0xD6E8_FEB8_6659_FD93
        return h ^ h >> 32
    }

    @inline(__always)
    private static func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> (64 - UInt64(slotBits))) }

    @inline(__always)
    func prefetch(_ hash: UInt64) { kite_prefetch(slots + Self.slot(hash)) }

    /// The slot holding the run `key[0..<length]` (whose hash is `hash`), or -1.
    func find(_ hash: UInt64, _ key: UnsafePointer<UInt16>, _ length: Int) -> Int {
        let i = Self.slot(hash)
        let slot = slots[i]
        guard slot.hash == hash, Int(slot.length) == length, keysWritten - slot.key <= Self.keyCapacity,
              wordsWritten - slot.word <= Self.wordCapacity,
              memcmp(keys + slot.key % Self.keyCapacity, key, length * 2) == 0 else { return -1 }
        return i
    }

    /// The packed segments of the run in `slot`.
    func words(_ slot: Int) -> UnsafeBufferPointer<UInt32> {
        UnsafeBufferPointer(start: words + slots[slot].word % Self.wordCapacity, count: Int(slots[slot].wordCount))
    }

    /// Appends the segments of the run in `slot` to `out`, the run starting at unit `start`.
    @inline(__always)
    func append(_ slot: Int, at start: Int32, to out: inout [Segment]) {
        Self.append(words(slot), at: start, to: &out)
    }

    /// Appends the packed segments `words` of a run starting at unit `start` to `out`.
    @inline(__always)
    static func append(_ words: UnsafeBufferPointer<UInt32>, at start: Int32, to out: inout [Segment]) {
        var from = start
        for packed in words {
            let end = start + Int32(packed >> 16)
            out.append(Segment(start: from, end: end, rule: Int32(Int16(truncatingIfNeeded: packed))))
            from = end
        }
    }

    /// Remembers `cut`, the segments of the run `key[0..<length]` that starts at unit `start` of its text.
    func remember(
        _ hash: UInt64, _ key: UnsafePointer<UInt16>, _ length: Int, _ cut: ArraySlice<Segment>, from start: Int32
    ) {
        guard length <= Int(UInt16.max), cut.count <= Int(UInt16.max),
              cut.allSatisfy({ Int32(Int16(truncatingIfNeeded: $0.rule)) == $0.rule }) else { return }
        // Each run's units and words are contiguous: where one would pass a ring's end, it starts at the beginning.
        if keysWritten % Self.keyCapacity + length > Self.keyCapacity {
            keysWritten += Self.keyCapacity - keysWritten % Self.keyCapacity
        }
        if wordsWritten % Self.wordCapacity + cut.count > Self.wordCapacity {
            wordsWritten += Self.wordCapacity - wordsWritten % Self.wordCapacity
        }
        let keyAt = keysWritten, wordAt = wordsWritten
        (keys + keyAt % Self.keyCapacity).update(from: key, count: length)
        for (w, segment) in cut.enumerated() {
            words[wordAt % Self.wordCapacity + w] = UInt32(segment.end - start) << 16 | UInt32(UInt16(truncatingIfNeeded: segment.rule))
        }
        slots[Self.slot(hash)] = Slot(hash: hash, key: keyAt, word: wordAt, length: Int32(length), wordCount: Int32(cut.count))
        keysWritten += length
        wordsWritten += cut.count
    }
}
