// The term dictionary (`.tim`), FORMAT.md "Term dictionary": its writer (`TermDictionaryOutput`), its reader
// (`TermDictionary`, `TermEnumerator`) and the per-field block index both share (`FieldTerms`); each field's join
// filter is in `JoinFilter.swift`.

/// Terms per term-dictionary block (prefix-compressed; the first term of each block is in the in-memory index).
let termBlockSize = 32

/// Where one term's postings are: its document frequency and offsets into the postings and positions files.
struct TermInfo: Hashable, Sendable {
    var docFrequency: Int
    var postingsOffset: Int
    var positionsOffset: Int
}

/// Writes one segment's term dictionary: field by field, terms in sorted order, each with its document frequency
/// and where its postings start; the block index of every field at the end.
struct TermDictionaryOutput {
    private let tim: FileOutput
    private var block = ByteWriter(capacity: 4096)
    private var blockTerms = 0
    private var previousTerm: [UInt8] = []
    private var previousDocOffset = 0
    private var previousPosOffset = 0
    private var blockIndex: [(first: [UInt8], offset: Int)] = []
    private var fieldIndexes: [[(first: [UInt8], offset: Int)]] = []
    private var fieldStats: [(terms: Int, sumLength: UInt64, docsWithField: Int)] = []
    /// The current field's join terms, hashed, and each finished field's join filter.
    private var joinHashes: [UInt64] = []
    private var joinFilters: [[UInt8]] = []
    private var termsInField = 0
    private var lengths: [UInt32] = []

    init(directory: String, segment info: SegmentInfo) throws(KiteError) {
        tim = try FileOutput(path: directory + "/" + info.fileName(.terms))
        try tim.write(FileFormat.header(.terms, segment: info.id))
    }

    /// Starts the terms of the next text field; `lengths` are its per-document lengths (for its statistics).
    mutating func beginField(lengths: [UInt32]) {
        self.lengths = lengths
        blockIndex = []
        termsInField = 0
        previousTerm = []
        joinHashes.removeAll(keepingCapacity: true)
    }

    /// Adds a term (after every term before it in byte order) whose list starts at `offsets` of the postings and
    /// positions files' bodies.
    mutating func add(
        _ term: UnsafeBufferPointer<UInt8>, docFrequency: Int, offsets: (postings: Int, positions: Int)
    ) throws(KiteError) {
        if blockTerms == termBlockSize { try flushBlock() }
        if term.first == JoinFilter.mark { joinHashes.append(JoinFilter.hash(UnsafeRawBufferPointer(term))) }
        if blockTerms == 0 {
            blockIndex.append((Array(term), tim.position))
            previousTerm = []
            previousDocOffset = 0
            previousPosOffset = 0
        }
        var shared = 0
        let limit = min(previousTerm.count, term.count)
        while shared < limit && previousTerm[shared] == term[shared] { shared += 1 }
        block.vint(shared)
        block.vint(term.count - shared)
        block.append(term[shared...])
        block.vint(docFrequency)
        block.vint(offsets.postings - previousDocOffset)
        block.vint(offsets.positions - previousPosOffset)
        previousDocOffset = offsets.postings
        previousPosOffset = offsets.positions
        previousTerm.removeAll(keepingCapacity: true)
        previousTerm.append(contentsOf: term)
        blockTerms += 1
        termsInField += 1
    }

    private mutating func flushBlock() throws(KiteError) {
        guard blockTerms > 0 else { return }
        var head = ByteWriter()
        head.vint(blockTerms)
        try tim.write(head)
        try tim.write(block)
        block.bytes.removeAll(keepingCapacity: true)
        blockTerms = 0
    }

    /// Ends the current field.
    mutating func endField() throws(KiteError) {
        try flushBlock()
        fieldIndexes.append(blockIndex)
        joinFilters.append(JoinFilter.build(joinHashes))
        var sum: UInt64 = 0
        var with = 0
        for l in lengths { sum += UInt64(l); if l > 0 { with += 1 } }
        fieldStats.append((termsInField, sum, with))
    }

    /// Writes the block index of every field and ends the file.
    func finish() throws(KiteError) {
        let indexOffset = tim.position
        var w = ByteWriter()
        w.u32(UInt32(fieldIndexes.count))
        for (f, index) in fieldIndexes.enumerated() {
            let stats = fieldStats[f]
            w.u64(UInt64(stats.terms))
            w.u64(stats.sumLength)
            w.u32(UInt32(stats.docsWithField))
            w.vint(index.count)
            for entry in index {
                w.vint(entry.first.count)
                w.append(entry.first)
                w.u64(UInt64(entry.offset))
            }
            w.vint(joinFilters[f].count / JoinFilter.blockBytes)
            w.append(joinFilters[f])
        }
        w.u64(UInt64(indexOffset))
        try tim.write(w)
        try tim.finish()
    }
}

/// One text field's part of a segment's term dictionary, as a reader keeps it: statistics and the in-memory index of
/// the field's term blocks (the first term of each, and where it starts). Written by ``TermDictionaryOutput`` at the
/// end of the `.tim` file (FORMAT.md, "Term dictionary").
struct FieldTerms {
    var termCount: Int
    var sumLength: UInt64
    var docsWithField: Int
    /// First term of each block, concatenated, with `firstStarts[i]..<firstStarts[i+1]` the i-th.
    var firstTerms: [UInt8]
    var firstStarts: [Int]
    var blockOffsets: [Int]
    /// End of the field's blocks (start of the next field's, or of the index).
    var end: Int
    /// Where the field's join filter is in the file (empty: the field has no join); nil in a file written before
    /// filters (format version 2 and 3), where every join must be sought.
    var joinFilter: Range<Int>?

    /// The last block whose first term sorts at or before `term` (-1: none), by binary search of the first terms.
    func lastBlock(startingAtOrBefore term: UnsafeRawBufferPointer) -> Int {
        firstTerms.withUnsafeBytes { ft in
            firstStarts.withUnsafeBufferPointer { starts in
                var lo = 0, hi = blockOffsets.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    let first = UnsafeRawBufferPointer(rebasing: ft[starts[mid]..<starts[mid + 1]])
                    if compareBytes(first, term) <= 0 { lo = mid + 1 } else { hi = mid }
                }
                return lo - 1
            }
        }
    }

    /// Validates a `.tim` file (envelope and checksum) and reads its block index from the end: one entry per text
    /// field, block offsets increasing and inside the file.
    static func readIndex(_ file: MappedFile, segment: SegmentInfo, textFieldCount: Int) throws(KiteError) -> [FieldTerms] {
        let body = try FileFormat.validate(file.bytes, kind: .terms, segment: segment.id, name: file.name, verifyChecksum: true)
        guard body.count >= 8 else { throw .corrupt(file: file.name, reason: "no term index") }
        var r = ByteReader(file.bytes, from: body.upperBound - 8, to: body.upperBound, file: file.name)
        let indexOffset = try r.u64(max: file.bytes.count)
        guard indexOffset >= body.lowerBound, indexOffset <= body.upperBound - 8 else {
            throw .corrupt(file: file.name, reason: "term index offset \(indexOffset) out of range")
        }
        r = ByteReader(file.bytes, from: indexOffset, to: body.upperBound - 8, file: file.name)
        let hasJoinFilters = FileFormat.version(of: file.bytes) >= 4
        let fieldCount = Int(try r.u32())
        guard fieldCount == textFieldCount else {
            throw .corrupt(file: file.name, reason: "\(fieldCount) text fields, schema has \(textFieldCount)")
        }
        var fields: [FieldTerms] = []
        for _ in 0..<fieldCount {
            let termCount = try r.u64(max: Int(UInt32.max) * 64)
            let sum = try r.u64()
            let with = Int(try r.u32())
            let blocks = try r.vint(max: r.remaining)
            var first: [UInt8] = [], starts = [0], offsets: [Int] = []
            for _ in 0..<blocks {
                let n = try r.vint(max: r.remaining)
                first.append(contentsOf: try r.bytes(n))
                starts.append(first.count)
                let off = try r.u64(max: file.bytes.count)
                guard off >= body.lowerBound, off < indexOffset, offsets.last.map({ off > $0 }) ?? true else {
                    throw .corrupt(file: file.name, reason: "term block offset \(off) out of order or range")
                }
                offsets.append(off)
            }
            var joinFilter: Range<Int>?
            if hasJoinFilters {
                let n = try r.vint(max: r.remaining / JoinFilter.blockBytes) * JoinFilter.blockBytes
                joinFilter = r.offset..<(r.offset + n)
                _ = try r.bytes(n)
            }
            guard with <= segment.docCount, termCount >= blocks else {
                throw .corrupt(file: file.name, reason: "inconsistent field statistics")
            }
            fields.append(FieldTerms(termCount: termCount, sumLength: sum, docsWithField: with, firstTerms: first,
                                     firstStarts: starts, blockOffsets: offsets, end: indexOffset, joinFilter: joinFilter))
        }
        for f in 0..<fields.count {
            let next = fields[(f + 1)...].first(where: { !$0.blockOffsets.isEmpty })?.blockOffsets.first
            fields[f].end = next ?? indexOffset
        }
        return fields
    }
}

/// The read side of a `.tim` file: term lookup, prefix walks and enumeration over the mapped file, with the block
/// index decoded at open. Term entries' postings offsets are checked against the postings and positions bodies.
struct TermDictionary {
    let file: MappedFile
    let fields: [FieldTerms]
    let docCount: Int
    let postingsBody: Range<Int>
    let positionsBody: Range<Int>

    /// Whether field `field` may hold `term`, a join term: false only when the field's join filter rules it out.
    func mayHoldJoin(field: Int, term: UnsafeRawBufferPointer) -> Bool {
        guard let range = fields[field].joinFilter else { return true }
        return JoinFilter.mayContain(JoinFilter.hash(term), in: UnsafeRawBufferPointer(rebasing: file.bytes[range]))
    }

    /// Looks `term` up in text field `field`.
    func lookup(field: Int, term: UnsafeRawBufferPointer) throws(KiteError) -> TermInfo? {
        let block = fields[field].lastBlock(startingAtOrBefore: term)
        guard block >= 0 else { return nil }
        var (r, n) = try termBlock(field, block)
        var docOffset = 0, posOffset = 0
        guard let c = try ceiling(of: term, in: &r, entries: n, docOffset: &docOffset, posOffset: &posOffset), c.equal else {
            return nil
        }
        return c.info
    }

    /// The first entry of a term block at or after `target`, found without spelling out the terms before it.
    fileprivate struct Ceiling {
        var info: TermInfo
        /// The entry's term is `target`'s first `shared` bytes followed by `suffix` (bytes of the mapped file).
        var shared: Int
        var suffix: UnsafeRawBufferPointer
        var equal: Bool
        /// Entries read, this one included.
        var read: Int
    }

    /// Reads the entries of a block (from `r`, `n` of them) up to the first term at or after `target`; nil when
    /// every one sorts before it. `matched` is how many leading bytes the previous term shares with `target` (which
    /// sorts after it): an entry sharing fewer bytes with its predecessor sorts after `target`, one sharing more
    /// sorts before it, and only one sharing exactly `matched` bytes has its suffix compared.
    fileprivate func ceiling(
        of target: UnsafeRawBufferPointer, in r: inout ByteReader, entries n: Int, docOffset: inout Int, posOffset: inout Int
    ) throws(KiteError) -> Ceiling? {
        var previousLength = 0, matched = 0
        let postingsLimit = postingsBody.count, positionsLimit = positionsBody.count
        for k in 0..<n {
            let shared = try r.vint(max: previousLength)
            let length = try r.vint(max: r.remaining)
            let suffix = r.offset
            r.offset += length
            // Every entry's offsets are summed (they are deltas); only the entry returned is checked and built.
            let df = try r.vint(max: docCount)
            docOffset += try r.vint(max: postingsLimit)
            posOffset += try r.vint(max: positionsLimit)
            previousLength = shared + length
            @inline(__always) func found(equal: Bool) throws(KiteError) -> Ceiling {
                Ceiling(info: try info(df, docOffset, posOffset), shared: shared,
                        suffix: UnsafeRawBufferPointer(rebasing: r.base[suffix..<(suffix + length)]), equal: equal, read: k + 1)
            }
            // Fewer shared bytes: it differs from the previous term where that one still matched, so it is after.
            if shared < matched { return try found(equal: false) }
            guard shared == matched else { continue }  // more: it keeps the previous term's smaller byte, so before
            var i = 0
            while i < length && matched + i < target.count && r.base[suffix + i] == target[matched + i] { i += 1 }
            let common = matched + i
            let after = i < length && (common == target.count || r.base[suffix + i] > target[common])
            let equal = i == length && common == target.count
            if after || equal { return try found(equal: equal) }
            matched = common
        }
        return nil
    }

    /// Calls `body` for every term of `field` in order, until it returns false.
    func forEachTerm(field: Int, _ body: (UnsafeRawBufferPointer, TermInfo) throws(KiteError) -> Bool) throws(KiteError) {
        var terms = TermEnumerator(dictionary: self, field: field)
        while try terms.next() {
            let info = terms.info
            if try !terms.term.withBytes({ (t) throws(KiteError) in try body(t, info) }) { return }
        }
    }

    /// Calls `body` for every term of `field` that starts with `prefix`, in order, until it returns false.
    func forEachTerm(
        field: Int, prefix: [UInt8], _ body: (UnsafeRawBufferPointer, TermInfo) throws(KiteError) -> Bool
    ) throws(KiteError) {
        try prefix.withBytes { (key) throws(KiteError) in
            var terms = TermEnumerator(dictionary: self, field: field)
            var more = try terms.seek(ceiling: key)
            while more, terms.term.starts(with: key) {
                let info = terms.info
                guard try terms.term.withBytes({ (t) throws(KiteError) in try body(t, info) }) else { return }
                more = try terms.next()
            }
        }
    }

    /// Decodes the next entry of a term block: the term (sharing a prefix with the previous one, in `term`) and
    /// its statistics, with postings offsets relative to the block's previous entry.
    fileprivate func readTermEntry(
        _ r: inout ByteReader, term: inout [UInt8], docOffset: inout Int, posOffset: inout Int
    ) throws(KiteError) -> TermInfo {
        let shared = try r.vint(max: term.count)
        let suffix = try r.vint(max: r.remaining)
        term.removeLast(term.count - shared)
        term.append(contentsOf: try r.bytes(suffix))
        return try readStatistics(&r, docOffset: &docOffset, posOffset: &posOffset)
    }

    /// Decodes the rest of a term entry after its term: document frequency and postings offsets.
    @inline(__always)
    private func readStatistics(_ r: inout ByteReader, docOffset: inout Int, posOffset: inout Int) throws(KiteError) -> TermInfo {
        let df = try r.vint(max: docCount)
        docOffset += try r.vint(max: postingsBody.count)
        posOffset += try r.vint(max: positionsBody.count)
        return try info(df, docOffset, posOffset)
    }

    /// A term entry's statistics, checked: a document frequency above 0, offsets inside the postings and positions.
    @inline(__always)
    private func info(_ df: Int, _ docOffset: Int, _ posOffset: Int) throws(KiteError) -> TermInfo {
        guard df > 0, docOffset < postingsBody.count, posOffset <= positionsBody.count else {
            throw KiteError.corrupt(file: file.name, reason: "term entry out of range")
        }
        return TermInfo(docFrequency: df, postingsOffset: postingsBody.lowerBound + docOffset,
                        positionsOffset: positionsBody.lowerBound + posOffset)
    }

    /// Reads a term block's entry count and positions `r` after it.
    fileprivate func termBlock(_ field: Int, _ b: Int) throws(KiteError) -> (reader: ByteReader, count: Int) {
        let f = fields[field]
        let end = b + 1 < f.blockOffsets.count ? f.blockOffsets[b + 1] : f.end
        var r = ByteReader(file.bytes, from: f.blockOffsets[b], to: end, file: file.name)
        let n = try r.vint(max: termBlockSize)
        return (r, n)
    }


}

/// The terms of one field of a segment, in order, one at a time (merging walks several side by side without
/// holding their dictionaries in memory).
struct TermEnumerator {
    let dictionary: TermDictionary
    let field: Int
    /// The current term (after `next()` returned true).
    private(set) var term: [UInt8] = []
    /// The current term's statistics and postings offsets.
    private(set) var info = TermInfo(docFrequency: 0, postingsOffset: 0, positionsOffset: 0)
    private var block = -1
    private var reader: ByteReader?
    private var left = 0
    private var docOffset = 0
    private var posOffset = 0

    /// Starts before the field's first term.
    init(segment: SegmentReader, field: Int) {
        self.init(dictionary: segment.termDictionary, field: field)
    }

    /// Starts before the field's first term.
    init(dictionary: TermDictionary, field: Int) {
        self.dictionary = dictionary
        self.field = field
    }

    /// Moves to the first term at or after `target`; false if there is none.
    mutating func seek(ceiling target: UnsafeRawBufferPointer) throws(KiteError) -> Bool {
        let b = dictionary.fields[field].lastBlock(startingAtOrBefore: target)
        left = 0
        guard b >= 0 else {  // every term is after it (or there is none)
            block = -1
            return try next()
        }
        var (r, n) = try dictionary.termBlock(field, b)
        block = b
        docOffset = 0
        posOffset = 0
        guard let c = try dictionary.ceiling(of: target, in: &r, entries: n, docOffset: &docOffset, posOffset: &posOffset) else {
            return try next()  // the first term of the next block
        }
        term.removeAll(keepingCapacity: true)
        term.append(contentsOf: target[..<c.shared])
        term.append(contentsOf: c.suffix)
        info = c.info
        reader = r
        left = n - c.read
        return true
    }

    /// Moves to the next term; false at the end of the field.
    mutating func next() throws(KiteError) -> Bool {
        while left == 0 {
            block += 1
            guard block < dictionary.fields[field].blockOffsets.count else { return false }
            let (r, n) = try dictionary.termBlock(field, block)
            reader = r
            left = n
            term.removeAll(keepingCapacity: true)
            docOffset = 0
            posOffset = 0
        }
        guard var r = reader else { return false }
        info = try dictionary.readTermEntry(&r, term: &term, docOffset: &docOffset, posOffset: &posOffset)
        reader = r
        left -= 1
        return true
    }
}
