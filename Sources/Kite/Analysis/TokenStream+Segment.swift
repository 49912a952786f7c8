import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Step 3: words from ICU (or whitespace), adjusted by the user dictionary (TokenStream+Lattice.swift); then the emitting of words, bigrams, joins and sub-words in order.
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
        if let lattice {
            emitSegments(resegment(with: lattice), allSegments: allSegments, emit)
        } else {
            segments.withUnsafeBufferPointer { emitSegments($0, allSegments: allSegments, emit) }
        }
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

    /// Emits the words of `segments` (ICU's, or the lattice's pieces), with their joins, sub-words and rescue bigrams.
    func emitSegments(
        _ segments: UnsafeBufferPointer<Segment>, allSegments: Bool, _ emit: (UnsafeBufferPointer<UInt8>, TokenInfo) -> Void
    ) {
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
}
