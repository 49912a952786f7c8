import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why text could not be analyzed.
public enum AnalysisError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input is not valid UTF-8; the offset is of the first bad byte.
    case invalidUTF8(byteOffset: Int)
    /// ICU failed to open or run a break iterator (its error code).
    case icuFailure(code: Int32)
    /// The input is larger than one analysis call accepts (2 GiB − 1 bytes).
    case inputTooLarge(bytes: Int)

    public var description: String {
        switch self {
        case .invalidUTF8(let offset): return "invalid UTF-8 at byte \(offset)"
        case .icuFailure(let code): return "ICU error \(code)"
        case .inputTooLarge(let n): return "input of \(n) bytes is too large to analyze in one piece"
        }
    }
}

/// One index term produced by the analyzer.
public struct AnalyzedTerm: Hashable, Sendable {
    /// Whether the term is a word of the segmenter, a rescue bigram over single characters, a part of a word, or
    /// a matching join.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A word of the segmenter; it takes a position of its own.
        case word
        /// A rescue bigram over two adjacent single-character words, at the first one's position.
        case bigram
        /// A part of a word (``AnalyzerConfiguration/subwords``), at the word's position.
        case subword
        /// A single-character word and the first character of the next word (``AnalyzerConfiguration/emitsJoins``),
        /// in its own term space: it serves exact matching only and never ranks.
        case join
    }
    /// The normalized term text, as it is stored in the index.
    public var text: String
    /// The token position (bigrams share the position of their first character).
    public var position: Int
    /// The UTF-8 byte range of the term in the original, unnormalized input.
    public var sourceRange: Range<Int>
    /// Word or bigram.
    public var kind: Kind

    /// Creates a term.
    public init(text: String, position: Int, sourceRange: Range<Int>, kind: Kind) {
        self.text = text
        self.position = position
        self.sourceRange = sourceRange
        self.kind = kind
    }
}

/// Turns text into index terms: repair, normalization, segmentation and the bigram rescue.
///
/// Documents and queries go through the same analyzer, so a query term always meets the document term it was
/// made from. An `Analyzer` is a value; each call borrows a reusable per-thread token stream internally.
public struct Analyzer: Sendable {
    /// The settings this analyzer applies.
    public let configuration: AnalyzerConfiguration

    /// Creates an analyzer with the given settings (Kite's defaults if omitted).
    public init(_ configuration: AnalyzerConfiguration = .default) {
        self.configuration = configuration
    }

    /// The index terms of `text`, in emission order (by position; a bigram follows the word after its start).
    public func terms(in text: String) throws(AnalysisError) -> [AnalyzedTerm] {
        var utf8 = Array(text.utf8)
        return try terms(inUTF8: &utf8)
    }

    /// The index terms of UTF-8 bytes; throws ``AnalysisError/invalidUTF8(byteOffset:)`` on malformed input.
    public func terms(inUTF8 bytes: [UInt8]) throws(AnalysisError) -> [AnalyzedTerm] {
        var copy = bytes
        return try terms(inUTF8: &copy)
    }

    private func terms(inUTF8 bytes: inout [UInt8]) throws(AnalysisError) -> [AnalyzedTerm] {
        var out: [AnalyzedTerm] = []
        let stream = try TokenStream.make(configuration)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(AnalysisError) in
                try stream.analyze(raw) { term, info in
                    out.append(AnalyzedTerm(
                        text: String(decoding: term, as: UTF8.self), position: Int(info.position),
                        sourceRange: Int(info.start)..<Int(info.end), kind: info.kind))
                }
            }
        }
        try result.get()
        return out
    }

    /// The segmenter's words of `text` including punctuation, before bigrams, each as the slice of the original
    /// text it came from with whitespace removed — the form of the SIGHAN segmentation bakeoff.
    public func segments(of text: String) throws(AnalysisError) -> [String] {
        let bytes = Array(text.utf8)
        var out: [String] = []
        let stream = try TokenStream.make(configuration)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(AnalysisError) in
                // A character that normalization expanded (℃ → °c) may be cut in two by the segmenter: both pieces
                // map to the same source bytes, which belong to the first.
                var covered = 0
                try stream.analyze(raw, allSegments: true) { _, info in
                    let start = max(Int(info.start), covered), end = Int(info.end)
                    guard start < end else { return }
                    covered = end
                    var s = String(decoding: raw[start..<end], as: UTF8.self)
                    s.removeAll { $0.isWhitespace }
                    if !s.isEmpty { out.append(s) }
                }
            }
        }
        try result.get()
        return out
    }
}

/// One segment of the segmenter's output: a unit range and ICU's rule status (below 100: not a word).
struct Segment {
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
    private let folding: CharacterFolding
    /// Traditional → simplified per code unit, applied to terms after segmentation (nil: no folding).
    private let simplify: UnsafePointer<UInt16>?
    private var breaker: OpaquePointer?
    /// Normalized UTF-16 text and, per unit, the original UTF-8 byte range it came from. Raw buffers, reused
    /// across calls and grown as needed: this is the hot path, so no array bookkeeping per character.
    private var units: UnsafeMutablePointer<UInt16>
    private var sourceStart: UnsafeMutablePointer<Int32>
    private var sourceEnd: UnsafeMutablePointer<Int32>
    private var capacity: Int
    private var count = 0
    private var termBytes: UnsafeMutablePointer<UInt8>
    private var termCapacity: Int
    /// The segmenter's words and separators of the current text, in order; reused across calls.
    private var segments: [Segment] = []
    /// The user dictionary's prefix table (nil: no dictionary).
    private let lattice: DictionaryLattice?
    /// Traditional → simplified per code unit, for comparing text with dictionary words (always folded).
    private let simplifyForMatching: UnsafePointer<UInt16>
    /// The lattice's per-run arrays, reused across runs and calls.
    private let scratch = LatticeScratch()

    init(_ configuration: AnalyzerConfiguration) throws(AnalysisError) {
        self.configuration = configuration
        self.folding = CharacterFolding.shared
        self.simplify = configuration.foldsTraditional ? TraditionalSimplified.units : nil
        self.simplifyForMatching = TraditionalSimplified.units
        self.lattice = configuration.segmenter == .icu ? configuration.dictionary.map(DictionaryLattice.shared) : nil
        if configuration.segmenter == .icu {
            var status: Int32 = 0
            breaker = kite_wordbreak_open("zh", &status)
            if breaker == nil { throw .icuFailure(code: status) }
        }
        capacity = 1 << 16
        units = .allocate(capacity: capacity)
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

    /// Makes room for at least `needed` units, keeping the first `count`.
    private func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        var c = capacity
        while c < needed { c *= 2 }
        func grow<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let q = UnsafeMutablePointer<T>.allocate(capacity: c)
            q.moveInitialize(from: p, count: count)
            p.deallocate()
            return q
        }
        units = grow(units)
        sourceStart = grow(sourceStart)
        sourceEnd = grow(sourceEnd)
        capacity = c
    }

    @inline(__always)
    private func append(_ unit: UInt16, _ start: Int32, _ end: Int32) {
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
    /// With `allSegments`, every non-space segment (punctuation too) is emitted and no bigrams are made.
    func analyze(
        _ text: UnsafeRawBufferPointer, allSegments: Bool = false,
        _ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void
    ) throws(AnalysisError) {
        guard text.count < Int(Int32.max) else { throw .inputTooLarge(bytes: text.count) }
        try normalize(text)
        if configuration.segmenter == .whitespace {
            segmentWhitespace(emit)
        } else {
            try segmentICU(allSegments: allSegments, emit)
        }
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

    // MARK: Normalization

    private enum Class { case none, cjk, digit, dot, other }

    private static func isWhitespace(_ cp: UInt32) -> Bool {
        switch cp {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
             0x3000:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func isHan(_ cp: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(cp) || (0x3400...0x4DBF).contains(cp) || (0xF900...0xFAFF).contains(cp)
            || (0x20000...0x3134F).contains(cp)
    }

    @inline(__always)
    private static func classify(_ unit: UInt32) -> Class {
        if unit >= 0x30 && unit <= 0x39 { return .digit }
        if unit == 0x2E { return .dot }
        if unit < 0x2E80 { return .other }
        // CJK radicals, punctuation, kana, ideographs, compatibility forms, full-width forms.
        if unit <= 0x9FFF || (0xF900...0xFAFF).contains(unit) || (0xFE30...0xFE4F).contains(unit)
            || (0xFF00...0xFFEF).contains(unit) || unit >= 0x20000 {
            return .cjk
        }
        return .other
    }

    /// Decodes and validates UTF-8, repairs extraction artefacts and folds characters into `units`.
    private func normalize(_ text: UnsafeRawBufferPointer) throws(AnalysisError) {
        count = 0
        // Every character yields at most one unit per UTF-8 byte, except expansions, which reserve for themselves.
        reserve(text.count + 64)
        let repair = configuration.repairsExtractionArtifacts
        let bytes = text.bindMemory(to: UInt8.self)
        let n = bytes.count
        var i = 0
        var prev = Class.none, prevPrev = Class.none
        var pendingSpace = false
        var spaceStart: Int32 = 0, spaceEnd: Int32 = 0
        try folding.table.withUnsafeBufferPointer { (table: UnsafeBufferPointer<UInt32>) throws(AnalysisError) in
        try folding.expansions.withUnsafeBufferPointer { (expansions: UnsafeBufferPointer<UInt16>) throws(AnalysisError) in
        while i < n {
            let b0 = bytes[i]
            var cp: UInt32
            var len: Int
            if b0 < 0x80 {
                cp = UInt32(b0); len = 1
            } else if b0 >= 0xC2 && b0 <= 0xDF {
                guard i + 1 < n, bytes[i + 1] & 0xC0 == 0x80 else { throw .invalidUTF8(byteOffset: i) }
                cp = (UInt32(b0 & 0x1F) << 6) | UInt32(bytes[i + 1] & 0x3F); len = 2
            } else if b0 >= 0xE0 && b0 <= 0xEF {
                guard i + 2 < n, bytes[i + 1] & 0xC0 == 0x80, bytes[i + 2] & 0xC0 == 0x80 else {
                    throw .invalidUTF8(byteOffset: i)
                }
                cp = (UInt32(b0 & 0x0F) << 12) | (UInt32(bytes[i + 1] & 0x3F) << 6) | UInt32(bytes[i + 2] & 0x3F)
                guard cp >= 0x800, !(0xD800...0xDFFF).contains(cp) else { throw .invalidUTF8(byteOffset: i) }
                len = 3
            } else if b0 >= 0xF0 && b0 <= 0xF4 {
                guard i + 3 < n, bytes[i + 1] & 0xC0 == 0x80, bytes[i + 2] & 0xC0 == 0x80, bytes[i + 3] & 0xC0 == 0x80
                else { throw .invalidUTF8(byteOffset: i) }
                cp = (UInt32(b0 & 0x07) << 18) | (UInt32(bytes[i + 1] & 0x3F) << 12)
                    | (UInt32(bytes[i + 2] & 0x3F) << 6) | UInt32(bytes[i + 3] & 0x3F)
                guard cp >= 0x10000, cp <= 0x10FFFF else { throw .invalidUTF8(byteOffset: i) }
                len = 4
            } else {
                throw .invalidUTF8(byteOffset: i)
            }
            let start = Int32(i), end = Int32(i + len)
            i += len
            if TokenStream.isWhitespace(cp) {
                if !pendingSpace { pendingSpace = true; spaceStart = start }
                spaceEnd = end
                continue
            }
            // Fold the character.
            let first: UInt32
            if cp < 0x10000 {
                let entry = table[Int(cp)]
                if entry & 0x8000_0000 == 0 {
                    first = entry
                    if pendingSpace {
                        flushSpace(before: first, prev: prev, prevPrev: prevPrev, repair: repair, spaceStart, spaceEnd)
                        pendingSpace = false
                    }
                    append(UInt16(truncatingIfNeeded: entry), start, end)
                } else {
                    let k = Int((entry >> 24) & 0x7F)
                    if k == 0 { continue }  // removed by normalization (default ignorables)
                    let offset = Int(entry & 0xFF_FFFF)
                    first = UInt32(expansions[offset])
                    if pendingSpace {
                        flushSpace(before: first, prev: prev, prevPrev: prevPrev, repair: repair, spaceStart, spaceEnd)
                        pendingSpace = false
                    }
                    reserve(count + k + (n - i) + 64)
                    for j in 0..<k { append(expansions[offset + j], start, end) }
                }
            } else {
                first = cp
                if pendingSpace {
                    flushSpace(before: first, prev: prev, prevPrev: prevPrev, repair: repair, spaceStart, spaceEnd)
                    pendingSpace = false
                }
                let v = cp - 0x10000
                append(UInt16(0xD800 + (v >> 10)), start, end)
                append(UInt16(0xDC00 + (v & 0x3FF)), start, end)
            }
            prevPrev = prev
            prev = TokenStream.classify(first)
        }
        }
        }
    }

    /// Keeps a whitespace run as one space, or drops it when repair says it is an extraction artefact.
    @inline(__always)
    private func flushSpace(
        before next: UInt32, prev: Class, prevPrev: Class, repair: Bool, _ start: Int32, _ end: Int32
    ) {
        if prev == .none { return }  // leading whitespace
        if repair {
            let cur = TokenStream.classify(next)
            if prev == .cjk || cur == .cjk { return }
            if prev == .digit && (cur == .digit || cur == .dot) { return }
            if prev == .dot && prevPrev == .digit && cur == .digit { return }
        }
        append(0x20, start, end)
    }

    // MARK: Segmentation

    private func segmentWhitespace(_ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void) {
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

    private func segmentICU(allSegments: Bool, _ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void) throws(AnalysisError) {
        guard count > 0, let breaker else { return }
        let status = kite_wordbreak_set_text(breaker, units, Int32(count))
        if status > 0 { throw .icuFailure(code: status) }
        segments.removeAll(keepingCapacity: true)
        var start: Int32 = 0
        while true {
            let end = kite_wordbreak_next(breaker)
            if end < 0 { break }
            segments.append(Segment(start: start, end: end, rule: kite_wordbreak_rule_status(breaker)))
            start = end
        }
        if let lattice { resegment(with: lattice) }
        emitSegments(allSegments: allSegments, emit)
    }

    /// Emits the words of `segments`, with their joins, sub-words and rescue bigrams.
    private func emitSegments(allSegments: Bool, _ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void) {
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
            if joins {
                let isSingle = isSingleHan(Int(start), Int(end))
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
                if rule >= 400 && rule < 500 && isSingleHan(Int(start), Int(end)) {
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
    private enum LatticeCost {
        static let dictionaryWord = 100, segmenterWord = 210, character = 300, offBoundary = 5
    }

    /// Segments each run of words between separators again, over the lattice of ICU's words and the dictionary's.
    private func resegment(with lattice: DictionaryLattice) {
        var out: [Segment] = []
        out.reserveCapacity(segments.count)
        var i = 0
        while i < segments.count {
            guard segments[i].rule >= 100 else { out.append(segments[i]); i += 1; continue }
            var j = i + 1
            while j < segments.count && segments[j].rule >= 100 { j += 1 }
            resegmentRun(segments[i..<j], lattice, into: &out)
            i = j
        }
        segments = out
    }

    /// The cheapest path through one run of words (contiguous units; see ``LatticeCost``), appended to `out`.
    private func resegmentRun(_ run: ArraySlice<Segment>, _ lattice: DictionaryLattice, into out: inout [Segment]) {
        let a = Int(run.first!.start), n = Int(run.last!.end) - a
        let fold = simplifyForMatching
        var anyStart = false
        for k in a..<(a + n) where lattice.mayStart(with: fold[Int(units[k])]) { anyStart = true; break }
        guard anyStart else { out.append(contentsOf: run); return }
        let m = scratch.reserve(n)
        let icuEnd = m.icuEnd, icuRule = m.icuRule, boundary = m.boundary, best = m.best, prev = m.prev
        let inside = m.inside
        for k in 0..<n { icuEnd[k] = -1 }
        for k in 0...n { boundary[k] = false; best[k] = .max; inside[k] = false }
        for s in run {
            icuEnd[Int(s.start) - a] = Int32(s.end) - Int32(a)
            icuRule[Int(s.start) - a] = s.rule
            boundary[Int(s.end) - a] = true
            // ICU's letter, number and kana words stay whole: no path starts or ends inside one.
            if !(400..<500).contains(s.rule) {
                for k in (Int(s.start) - a + 1)..<(Int(s.end) - a) { inside[k] = true }
            }
        }
        best[0] = 0
        let t = units + a
        for i in 0..<n where best[i] != .max {
            func relax(_ e: Int, _ cost: Int) {
                guard !inside[e] else { return }
                let c = best[i] + cost + (boundary[e] ? 0 : LatticeCost.offBoundary)
                if c < best[e] { best[e] = c; prev[e] = Int32(i) }
            }
            if !inside[i], var at = lattice.start(fold[Int(t[i])]) {
                var k = i + 1
                while true {
                    if at.node.isWord { relax(k, LatticeCost.dictionaryWord) }
                    guard k < n, k - i < lattice.maxLength else { break }
                    let unit = fold[Int(t[k])]
                    guard at.node.mayHaveChild(unit), let next = lattice.step(at.id, unit) else { break }
                    at = next
                    k += 1
                }
            }
            let pair = t[i] & 0xFC00 == 0xD800 && i + 1 < n && t[i + 1] & 0xFC00 == 0xDC00
            let e = Int(icuEnd[i])
            if e >= 0 { relax(e, e - i == (pair ? 2 : 1) ? LatticeCost.character : LatticeCost.segmenterWord) }
            relax(i + (pair ? 2 : 1), LatticeCost.character)
        }
        // Walk back from the end, then emit the pieces in order.
        var count = 0
        var e = n
        while e > 0 { m.cuts[count] = Int32(e); count += 1; e = Int(prev[e]) }
        var s = 0
        for c in stride(from: count - 1, through: 0, by: -1) {
            let e = Int(m.cuts[c])
            let rule = Int(icuEnd[s]) == e ? icuRule[s] : (isAllHan(a + s, a + e) ? 400 : 200)
            out.append(Segment(start: Int32(a + s), end: Int32(a + e), rule: rule))
            s = e
        }
    }

    /// Whether units[start..<end] are all Han characters.
    private func isAllHan(_ start: Int, _ end: Int) -> Bool {
        var k = start
        while k < end {
            guard let first = firstHan(k, end) else { return false }
            k = first.upperBound
        }
        return true
    }

    /// The sub-word terms of the word units[start..<end] (see ``AnalyzerConfiguration/Subwords``).
    private func emitSubwords(
        _ start: Int, _ end: Int, rule: Int32, position: Int32, _ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void
    ) {
        let sub = configuration.subwords
        if rule >= 400 && rule < 500 {
            guard sub.contains(.hanWordBigrams), end - start >= 3 else { return }
            var seen = Set<UInt32>()
            for k in start..<(end - 1) where units[k] & 0xF800 != 0xD800 && units[k + 1] & 0xF800 != 0xD800 {
                guard seen.insert(UInt32(units[k]) << 16 | UInt32(units[k + 1])).inserted else { continue }
                emitTerm(k, k + 2, position: position, bigram: false, subword: true, emit)
            }
            return
        }
        guard rule < 300 else { return }
        // Runs of ASCII letters, and of digits (with a '.' or ',' between two digits); anything else separates.
        func cls(_ k: Int) -> Int {
            let u = units[k]
            if u >= 0x30 && u <= 0x39 { return 1 }
            if (u >= 0x61 && u <= 0x7A) || (u >= 0x41 && u <= 0x5A) { return 2 }
            if (u == 0x2E || u == 0x2C) && k > start && k + 1 < end && cls(k - 1) == 1 && units[k + 1] >= 0x30
                && units[k + 1] <= 0x39 { return 1 }
            return u < 0x80 ? 0 : 3
        }
        // The common case, without allocating: a word that is one run of digits, or of fewer than three letters,
        // has no sub-words.
        let first = cls(start)
        if first == 1 || (first == 2 && end - start < 3) {
            var k = start + 1
            while k < end && cls(k) == first { k += 1 }
            if k == end { return }
        }
        var runs: [(Int, Int, Int)] = []
        var k = start
        while k < end {
            let c = cls(k)
            var e = k + 1
            while e < end && cls(e) == c { e += 1 }
            if c != 0 { runs.append((k, e, c)) }
            k = e
        }
        // Each distinct sub-word once per word (a1a has the part a once; banana the trigram ana once): a term's
        // positions stay strictly increasing, and its frequency counts the words that contain it.
        if sub.contains(.alphanumericParts), runs.count > 1 || (runs.count == 1 && (runs[0].0 != start || runs[0].1 != end)) {
            var seen = Set<[UInt16]>()
            for r in runs where seen.insert(Array(UnsafeBufferPointer(start: units + r.0, count: r.1 - r.0))).inserted {
                emitTerm(r.0, r.1, position: position, bigram: false, subword: true, emit)
            }
        }
        if sub.contains(.latinTrigrams) {
            var seen = Set<UInt64>()
            for r in runs where r.2 == 2 && r.1 - r.0 >= 3 {
                for g in r.0...(r.1 - 3) {
                    let key = UInt64(units[g]) << 32 | UInt64(units[g + 1]) << 16 | UInt64(units[g + 2])
                    guard seen.insert(key).inserted else { continue }
                    emitTerm(g, g + 3, position: position, bigram: false, subword: true, prefix: 0x23, emit)
                }
            }
        }
    }

    @inline(__always)
    /// The unit range of the first character of the word units[start..<end] when it is a Han character.
    private func firstHan(_ start: Int, _ end: Int) -> Range<Int>? {
        let u = units[start]
        if u & 0xFC00 == 0xD800, start + 1 < end {
            let cp = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(units[start + 1]) - 0xDC00)
            return TokenStream.isHan(cp) ? start..<(start + 2) : nil
        }
        return TokenStream.isHan(UInt32(u)) ? start..<(start + 1) : nil
    }

    private func isSingleHan(_ start: Int, _ end: Int) -> Bool {
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
    private func emitTerm(
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
    private func encodeUTF8(
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

    /// Emits the join of the single-character word `single` and the first character `next` of the word after it:
    /// `0x01`, then both characters, at the single character's position.
    private func emitJoin(
        _ single: Range<Int>, _ next: Range<Int>, position: Int32, _ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void
    ) {
        var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0x01, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { raw in
            let out = raw.bindMemory(to: UInt8.self)
            let n = encodeUTF8(next, into: out.baseAddress!, at: encodeUTF8(single, into: out.baseAddress!, at: 1))
            let info = TokenInfo(position: position, start: sourceStart[single.lowerBound],
                                 end: sourceEnd[next.upperBound - 1], kind: .join)
            emit(UnsafeBufferPointer(start: out.baseAddress!, count: n), info)
        }
    }
}

/// The arrays of one lattice run (``TokenStream``), grown as needed and never shrunk: a run costs no allocation.
private final class LatticeScratch {
    private(set) var icuEnd: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private(set) var icuRule: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private(set) var boundary: UnsafeMutablePointer<Bool> = .allocate(capacity: 1)
    private(set) var best: UnsafeMutablePointer<Int> = .allocate(capacity: 1)
    private(set) var prev: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private(set) var cuts: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private(set) var inside: UnsafeMutablePointer<Bool> = .allocate(capacity: 1)
    private var capacity = 0

    /// Room for a run of `n` units (`n + 1` lattice positions); returns self.
    func reserve(_ n: Int) -> LatticeScratch {
        guard n + 1 > capacity else { return self }
        release()
        capacity = max(n + 1, capacity * 2, 256)
        icuEnd = .allocate(capacity: capacity)
        icuRule = .allocate(capacity: capacity)
        boundary = .allocate(capacity: capacity)
        best = .allocate(capacity: capacity)
        prev = .allocate(capacity: capacity)
        cuts = .allocate(capacity: capacity)
        inside = .allocate(capacity: capacity)
        return self
    }

    private func release() {
        icuEnd.deallocate(); icuRule.deallocate(); boundary.deallocate()
        best.deallocate(); prev.deallocate(); cuts.deallocate(); inside.deallocate()
    }

    deinit { release() }
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

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { p in
            guard let p else { return }
            Unmanaged<ThreadLocalStreams>.fromOpaque(p).release()
        }
        return key
    }()
}
