import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Steps 5–6: sub-words of a word (letter/digit parts, Latin trigrams, optional Han bigrams) and matching joins.
extension TokenStream {
    /// The sub-word terms of the word units[start..<end] (see ``AnalyzerConfiguration/Subwords``).
    func emitSubwords(
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
        // A dictionary word that mixes Han characters with letters or digits (`1996年`) has no parts: a part would put
        // its Han characters where no word starts, and its letters or digits already begin it or follow a Han one.
        if sub.contains(.alphanumericParts), runs.count > 1 || (runs.count == 1 && (runs[0].0 != start || runs[0].1 != end)),
           !containsHan(start, end) {
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

    /// Emits the join of the single-character word `single` and the first character `next` of the word after it:
    /// `0x01`, then both characters, at the single character's position.
    func emitJoin(
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
