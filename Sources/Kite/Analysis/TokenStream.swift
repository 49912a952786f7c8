import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One segment of the segmenter's output: a unit range and ICU's rule status (below 100: not a word).
struct Segment: Equatable {
    var start: Int32
    var end: Int32
    var rule: Int32
}

/// Where a term came from: its position and original UTF-8 byte range.
struct TokenInfo {
    var position: Int32
    var start: Int32
    var end: Int32
    var kind: AnalyzedTerm.Kind
    /// Whether the term is a word (it takes a position of its own; the other kinds share a word's).
    var isWord: Bool { kind == .word }
}

/// The reusable machinery of one analysis thread: an ICU break iterator and the normalization buffers.
///
/// Not thread-safe; ``make(_:)`` hands out one per thread and configuration.
final class TokenStream {
    let configuration: AnalyzerConfiguration
    let folding: CharacterFolding
    /// Traditional → simplified per code unit, applied to terms after segmentation (nil: no folding).
    let simplify: UnsafePointer<UInt16>?
    var breaker: OpaquePointer?
    /// Normalized UTF-16 text and, per unit, the original UTF-8 byte range it came from. Raw buffers, reused
    /// across calls and grown as needed: this is the hot path, so no array bookkeeping per character.
    var units: UnsafeMutablePointer<UInt16>
    var sourceStart: UnsafeMutablePointer<Int32>
    var sourceEnd: UnsafeMutablePointer<Int32>
    var capacity: Int
    var count = 0
    var termBytes: UnsafeMutablePointer<UInt8>
    var termCapacity: Int
    /// The segmenter's words and separators of the current text, in order; reused across calls.
    var segments: [Segment] = []
    /// The user dictionary's prefix table (nil: no dictionary).
    let lattice: DictionaryLattice?
    /// Whether the lattice joins numbers by the dictionary's frames (``AnalyzerConfiguration/learnsNumberPatterns``).
    let framesNumbers: Bool
    /// Traditional → simplified per code unit, for comparing text with dictionary words (always folded).
    let simplifyForMatching: UnsafePointer<UInt16>
    /// The lattice's per-run arrays, reused across runs and calls.
    let scratch = LatticeScratch()
    /// ICU's words of Han runs seen before (nil: not segmenting with ICU, or asked not to remember).
    var memo: HanRunMemo?

    init(_ configuration: AnalyzerConfiguration) throws(AnalysisError) {
        self.configuration = configuration
        self.folding = CharacterFolding.shared
        self.simplify = configuration.foldsTraditional ? TraditionalSimplified.units : nil
        self.simplifyForMatching = TraditionalSimplified.units
        self.lattice = configuration.segmenter == .icu ? configuration.dictionary.map(DictionaryLattice.shared) : nil
        self.framesNumbers = configuration.learnsNumberPatterns && lattice?.hasNumberPatterns == true
        if configuration.segmenter == .icu {
            var status: Int32 = 0
            breaker = kite_wordbreak_open("zh", &status)
            if breaker == nil { throw .icuFailure(code: status) }
            memo = HanRunMemo()
        }
        capacity = 1 << 16
        units = .allocate(capacity: capacity + TokenStream.unitPadding)
        sourceStart = .allocate(capacity: capacity)
        sourceEnd = .allocate(capacity: capacity)
        termCapacity = 1024
        termBytes = .allocate(capacity: termCapacity)
    }

    deinit {
        kite_wordbreak_close(breaker)
        units.deallocate()
        sourceStart.deallocate()
        sourceEnd.deallocate()
        termBytes.deallocate()
    }

    /// Units allocated past ``capacity``: a load of four units at any unit of the text stays inside the buffer
    /// (``LatticeMemo`` keys a word by one such load, the units past the word masked off).
    static let unitPadding = 4

    /// Makes room for at least `needed` units, keeping the first `count`.
    func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        var c = capacity
        while c < needed { c *= 2 }
        func grow<T>(_ p: UnsafeMutablePointer<T>, padding: Int = 0) -> UnsafeMutablePointer<T> {
            let q = UnsafeMutablePointer<T>.allocate(capacity: c + padding)
            q.moveInitialize(from: p, count: count)
            p.deallocate()
            return q
        }
        units = grow(units, padding: TokenStream.unitPadding)
        sourceStart = grow(sourceStart)
        sourceEnd = grow(sourceEnd)
        capacity = c
    }

    @inline(__always)
    func append(_ unit: UInt16, _ start: Int32, _ end: Int32) {
        units[count] = unit
        sourceStart[count] = start
        sourceEnd[count] = end
        count += 1
    }

    /// Per-thread cache of token streams, one per configuration.
    static func make(_ configuration: AnalyzerConfiguration) throws(AnalysisError) -> TokenStream {
        let cache = ThreadLocalStreams.current
        if let s = cache.streams[configuration] { return s }
        let s = try TokenStream(configuration)
        cache.streams[configuration] = s
        return s
    }

    /// Analyzes UTF-8 `text`, calling `emit` with each term's normalized UTF-8 bytes and origin.
    ///
    /// With `allSegments`, every non-space segment (punctuation too) is emitted and no bigrams are made. With
    /// `validUTF8`, the caller vouches that `text` is well-formed (a Swift `String`'s bytes) and it is decoded
    /// without checks; otherwise malformed UTF-8 throws ``AnalysisError/invalidUTF8(byteOffset:)``.
    func analyze(
        _ text: UnsafeRawBufferPointer, allSegments: Bool = false, validUTF8: Bool = false,
        _ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void
    ) throws(AnalysisError) {
        guard text.count < Int(Int32.max) else { throw .inputTooLarge(bytes: text.count) }
        try normalize(text, validUTF8: validUTF8)
        if configuration.segmenter == .whitespace {
            segmentWhitespace(emit)
        } else {
            try segmentICU(allSegments: allSegments, emit)
        }
    }

    /// ``foldedPieces(_:)`` of a word of unified ideographs (U+4E00…U+9FFF, each folding to itself before the
    /// traditional → simplified step): the word with that step applied, without normalizing text; nil for any other
    /// word (a 100,000-word dictionary folds in a fraction of the time).
    func foldedHanWord(_ utf8: UnsafeRawBufferPointer) -> [UInt8]? {
        var out: [UInt8] = []
        return appendFoldedHanWord(utf8, to: &out) ? out : nil
    }

    /// ``foldedHanWord(_:)`` appended to `out`; false (and `out` as it was) for any other word.
    func appendFoldedHanWord(_ utf8: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        guard utf8.count % 3 == 0, !utf8.isEmpty else { return false }
        let simplify = simplifyForMatching
        let start = out.count
        let folded = folding.table.withUnsafeBufferPointer { table in
            for i in stride(from: 0, to: utf8.count, by: 3) {
                let b0 = UInt32(utf8[i]), b1 = UInt32(utf8[i + 1]), b2 = UInt32(utf8[i + 2])
                guard b0 >= 0xE4, b0 <= 0xE9, b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return false }
                let cp = (b0 & 0x0F) << 12 | (b1 & 0x3F) << 6 | (b2 & 0x3F)
                guard (0x4E00...0x9FFF).contains(cp), table[Int(cp)] == cp else { return false }
                let s = UInt32(simplify[Int(cp)])
                guard s >= 0x800 else { return false }  // (a three-byte character, as every mapping of this range is)
                out.append(UInt8(0xE0 | s >> 12))
                out.append(UInt8(0x80 | (s >> 6) & 0x3F))
                out.append(UInt8(0x80 | s & 0x3F))
            }
            return true
        }
        if !folded { out.removeSubrange(start...) }
        return folded
    }

    /// The normalized text cut at whitespace, each piece folded to simplified characters: the form in which
    /// dictionary words are compared with text (``UserDictionary``).
    func foldedPieces(_ text: UnsafeRawBufferPointer) throws(AnalysisError) -> [[UInt8]] {
        try normalize(text)
        var out: [[UInt8]] = []
        var start = 0
        for k in 0...count where k == count || units[k] == 0x20 {
            if k > start {
                for j in start..<k { units[j] = simplifyForMatching[Int(units[j])] }
                out.append([UInt8](unsafeUninitializedCapacity: (k - start) * 3) { buffer, n in
                    n = encodeUTF8(start..<k, into: buffer.baseAddress!, at: 0, folding: false)
                })
            }
            start = k + 1
        }
        return out
    }

    // MARK: Characters and terms

    /// Whether units[start..<end] are all Han characters.
    func isAllHan(_ start: Int, _ end: Int) -> Bool {
        var k = start
        while k < end {
            guard let first = firstHan(k, end) else { return false }
            k = first.upperBound
        }
        return true
    }

    /// Whether units[start..<end] hold a Han character (a low surrogate never reads as one).
    func containsHan(_ start: Int, _ end: Int) -> Bool {
        (start..<end).contains { firstHan($0, end) != nil }
    }

    @inline(__always)
    /// The unit range of the first character of the word units[start..<end] when it is a Han character.
    func firstHan(_ start: Int, _ end: Int) -> Range<Int>? {
        let u = units[start]
        if u & 0xFC00 == 0xD800, start + 1 < end {
            let cp = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(units[start + 1]) - 0xDC00)
            return TokenStream.isHan(cp) ? start..<(start + 2) : nil
        }
        return TokenStream.isHan(UInt32(u)) ? start..<(start + 1) : nil
    }

    @inline(__always)
    func isSingleHan(_ start: Int, _ end: Int) -> Bool {
        let len = end - start
        if len == 1 { return TokenStream.isHan(UInt32(units[start])) }
        if len == 2, units[start] & 0xFC00 == 0xD800 {
            let cp = 0x10000 + ((UInt32(units[start]) - 0xD800) << 10) + (UInt32(units[start + 1]) - 0xDC00)
            return TokenStream.isHan(cp)
        }
        return false
    }

    /// Encodes units[start..<end] as UTF-8 into the reused term buffer and emits it.
    @inline(__always)
    func emitTerm(
        _ start: Int, _ end: Int, position: Int32, bigram: Bool, subword: Bool = false, prefix: UInt8? = nil,
        _ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void
    ) {
        if (end - start) * 3 + 1 > termCapacity {
            termBytes.deallocate()
            termCapacity = (end - start) * 3 + 1
            termBytes = .allocate(capacity: termCapacity)
        }
        let out = termBytes
        var n = 0
        if let prefix { out[0] = prefix; n = 1 }
        n = encodeUTF8(start..<end, into: out, at: n)
        let info = TokenInfo(position: position, start: sourceStart[start], end: sourceEnd[end - 1],
                             kind: subword ? .subword : (bigram ? .bigram : .word))
        emit(UnsafeBufferPointer(start: out, count: n), info)
    }

    /// Writes units `range` as UTF-8 at `out[n...]`, folded to simplified characters when configured; returns the
    /// new end.
    @inline(__always)
    func encodeUTF8(
        _ range: Range<Int>, into out: UnsafeMutablePointer<UInt8>, at start: Int, folding: Bool = true
    ) -> Int {
        var n = start
        var k = range.lowerBound
        let end = range.upperBound
        // Traditional → simplified applies to the term only: segmentation has seen the text as written.
        let fold = folding ? simplify : nil
        while k < end {
            let u = UInt32(fold?[Int(units[k])] ?? units[k])
            k += 1
            if u < 0x80 {
                out[n] = UInt8(u); n += 1
            } else if u < 0x800 {
                out[n] = UInt8(0xC0 | (u >> 6)); out[n + 1] = UInt8(0x80 | (u & 0x3F)); n += 2
            } else if u & 0xFC00 == 0xD800, k < end, units[k] & 0xFC00 == 0xDC00 {
                let cp = 0x10000 + ((u - 0xD800) << 10) + (UInt32(units[k]) - 0xDC00)
                k += 1
                out[n] = UInt8(0xF0 | (cp >> 18)); out[n + 1] = UInt8(0x80 | ((cp >> 12) & 0x3F))
                out[n + 2] = UInt8(0x80 | ((cp >> 6) & 0x3F)); out[n + 3] = UInt8(0x80 | (cp & 0x3F))
                n += 4
            } else {
                let v = (u & 0xF800) == 0xD800 ? 0xFFFD : u  // lone surrogate cannot occur from valid input
                out[n] = UInt8(0xE0 | (v >> 12)); out[n + 1] = UInt8(0x80 | ((v >> 6) & 0x3F))
                out[n + 2] = UInt8(0x80 | (v & 0x3F))
                n += 3
            }
        }
        return n
    }
}

/// The arrays of one lattice run (``TokenStream``), grown as needed and never shrunk: a run costs no allocation.
final class LatticeScratch {
    private(set) var icuEnd: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private(set) var icuRule: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    /// What a step that ends at a position adds: 0 at ICU's boundaries, ``TokenStream/LatticeCost/offBoundary``
    /// elsewhere, ``unreachable`` inside a word no path may split.
    private(set) var penalty: UnsafeMutablePointer<Int> = .allocate(capacity: 1)
    private(set) var best: UnsafeMutablePointer<Int> = .allocate(capacity: 1)
    private(set) var prev: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private(set) var cuts: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private(set) var pairs: UnsafeMutablePointer<DictionaryLattice.Pair> = .allocate(capacity: 1)
    private(set) var pairKeys: UnsafeMutablePointer<UInt32> = .allocate(capacity: 1)
    var capacity = 0
    /// What the lattice made of spans seen before (made on first use: 704 KB, and only streams with a dictionary
    /// use it).
    lazy var memo = LatticeMemo()
    /// Room for the pieces of a span the memo works out (``LatticeMemo/maximumLength`` at most).
    let memoPieces = UnsafeMutablePointer<Segment>.allocate(capacity: LatticeMemo.maximumLength)
    /// The segments of a whole text after the lattice (``output(_:)``).
    private var segments: UnsafeMutablePointer<Segment> = .allocate(capacity: 1)
    private var segmentCapacity = 1

    /// A cost no path reaches: the best cost of a position nothing reaches, and the penalty inside a word no path
    /// may split (far above any path's cost, far below overflow).
    static let unreachable = 1 << 50

    /// Room for a run of `n` units (`n + 1` lattice positions); returns self.
    func reserve(_ n: Int) -> LatticeScratch {
        guard n + 1 > capacity else { return self }
        release()
        capacity = max(n + 1, capacity * 2, 256)
        icuEnd = .allocate(capacity: capacity)
        icuRule = .allocate(capacity: capacity)
        penalty = .allocate(capacity: capacity)
        best = .allocate(capacity: capacity)
        prev = .allocate(capacity: capacity)
        cuts = .allocate(capacity: capacity)
        pairs = .allocate(capacity: capacity)
        pairKeys = .allocate(capacity: capacity)
        return self
    }

    /// Room for the `n` segments of a text of `n` units (apart from the run's arrays).
    func output(_ n: Int) -> UnsafeMutablePointer<Segment> {
        if n > segmentCapacity {
            segments.deallocate()
            segmentCapacity = max(n, 2 * segmentCapacity)
            segments = .allocate(capacity: segmentCapacity)
        }
        return segments
    }

    private func release() {
        icuEnd.deallocate(); icuRule.deallocate(); penalty.deallocate()
        best.deallocate(); prev.deallocate(); cuts.deallocate(); pairs.deallocate(); pairKeys.deallocate()
    }

    deinit { release(); segments.deallocate(); memoPieces.deallocate() }
}

/// The token streams of the current thread.
final class ThreadLocalStreams {
    var streams: [AnalyzerConfiguration: TokenStream] = [:]

    static var current: ThreadLocalStreams {
        if let p = pthread_getspecific(key) {
            return Unmanaged<ThreadLocalStreams>.fromOpaque(p).takeUnretainedValue()
        }
        let s = ThreadLocalStreams()
        pthread_setspecific(key, Unmanaged.passRetained(s).toOpaque())
        return s
    }

    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { p in
            guard let p else { return }
            Unmanaged<ThreadLocalStreams>.fromOpaque(p).release()
        }
        return key
    }()
}
