import CKite
#if canImport(Glibc)
import Glibc  // memcmp
#elseif canImport(Musl)
import Musl
#endif

/// Where one term's postings are: its document frequency and offsets into the postings and positions files.
struct TermInfo: Hashable, Sendable {
    var docFrequency: Int
    var postingsOffset: Int
    var positionsOffset: Int
}

/// The read side of one immutable segment: its files memory-mapped, small structures decoded at open.
///
/// Opening verifies every file's header, footer and segment id, and the checksums of the small files (terms index,
/// lengths, keywords, deletes); the postings, positions and stored files are checksummed by ``verifyChecksums()``
/// (`kite check`), and every read from them is bounds-checked.
final class SegmentReader: @unchecked Sendable {
    let info: SegmentInfo
    let directory: String
    let terms: MappedFile
    let postings: MappedFile
    let positions: MappedFile
    let lengthsFile: MappedFile
    let keywordsFile: MappedFile
    let storedFile: MappedFile
    let deletes: DeleteSet
    private let passageScan = Mutex()
    private nonisolated(unsafe) var passageFlag: Bool?

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
    }

    let fields: [FieldTerms]
    let docCount: Int
    /// Offsets in the keywords file of the ids (concatenated, in document order), of their starts (u64 per
    /// document, relative to the first id) and of their order (u32 documents sorted by id).
    private let idBytesOffset: Int
    private let idStartsOffset: Int
    private let idOrderOffset: Int
    /// Per keyword field: sorted distinct values, and the byte offset of its per-document ordinals in the keywords file.
    let keywordValues: [[String]]
    let keywordOrdinalOffsets: [Int]
    private let lengthsOffset: Int
    private let postingsBody: Range<Int>
    private let positionsBody: Range<Int>
    let storedNames: [String]
    private let storedBlocks: [(firstDoc: Int, offset: Int, compressed: Int, raw: Int)]
    /// How the stored blocks are compressed (by the `.sto` file's format version).
    let storedCodec: StoredBlockCodec
    var storedBlocksForScan: [(firstDoc: Int, offset: Int, compressed: Int, raw: Int)] { storedBlocks }

    init(directory: String, info: SegmentInfo, textFieldCount: Int, keywordFieldCount: Int) throws(KiteError) {
        self.info = info
        self.directory = directory
        func map(_ kind: FileKind) throws(KiteError) -> MappedFile {
            let name = info.fileName(kind)
            return try MappedFile(path: directory + "/" + name, name: name)
        }
        terms = try map(.terms)
        postings = try map(.postings)
        positions = try map(.positions)
        lengthsFile = try map(.lengths)
        keywordsFile = try map(.keywords)
        storedFile = try map(.stored)
        docCount = info.docCount

        // Terms: verify, then read the block index from the end.
        let tb = try FileFormat.validate(terms.bytes, kind: .terms, segment: info.id, name: terms.name, verifyChecksum: true)
        postingsBody = try FileFormat.validate(postings.bytes, kind: .postings, segment: info.id, name: postings.name, verifyChecksum: false)
        positionsBody = try FileFormat.validate(positions.bytes, kind: .positions, segment: info.id, name: positions.name, verifyChecksum: false)
        guard tb.count >= 8 else { throw .corrupt(file: terms.name, reason: "no term index") }
        var r = ByteReader(terms.bytes, from: tb.upperBound - 8, to: tb.upperBound, file: terms.name)
        let indexOffset = try r.u64(max: terms.bytes.count)
        guard indexOffset >= tb.lowerBound, indexOffset <= tb.upperBound - 8 else {
            throw .corrupt(file: terms.name, reason: "term index offset \(indexOffset) out of range")
        }
        r = ByteReader(terms.bytes, from: indexOffset, to: tb.upperBound - 8, file: terms.name)
        let fieldCount = Int(try r.u32())
        guard fieldCount == textFieldCount else {
            throw .corrupt(file: terms.name, reason: "\(fieldCount) text fields, schema has \(textFieldCount)")
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
                let off = try r.u64(max: terms.bytes.count)
                guard off >= tb.lowerBound, off < indexOffset, offsets.last.map({ off > $0 }) ?? true else {
                    throw .corrupt(file: terms.name, reason: "term block offset \(off) out of order or range")
                }
                offsets.append(off)
            }
            guard with <= info.docCount, termCount >= blocks else {
                throw .corrupt(file: terms.name, reason: "inconsistent field statistics")
            }
            fields.append(FieldTerms(termCount: termCount, sumLength: sum, docsWithField: with, firstTerms: first,
                                     firstStarts: starts, blockOffsets: offsets, end: indexOffset))
        }
        for f in 0..<fields.count {
            let next = fields[(f + 1)...].first(where: { !$0.blockOffsets.isEmpty })?.blockOffsets.first
            fields[f].end = next ?? indexOffset
        }
        self.fields = fields

        // Lengths.
        let lb = try FileFormat.validate(lengthsFile.bytes, kind: .lengths, segment: info.id, name: lengthsFile.name, verifyChecksum: true)
        r = ByteReader(lengthsFile.bytes, from: lb.lowerBound, to: lb.upperBound, file: lengthsFile.name)
        let lDocs = Int(try r.u32()), lFields = Int(try r.u32())
        guard lDocs == info.docCount, lFields == textFieldCount, r.remaining == lDocs * lFields * 4 else {
            throw .corrupt(file: lengthsFile.name, reason: "lengths for \(lDocs) docs × \(lFields) fields do not match the segment")
        }
        lengthsOffset = r.offset

        // Keywords and ids.
        let kb = try FileFormat.validate(keywordsFile.bytes, kind: .keywords, segment: info.id, name: keywordsFile.name, verifyChecksum: true)
        r = ByteReader(keywordsFile.bytes, from: kb.lowerBound, to: kb.upperBound, file: keywordsFile.name)
        let kDocs = Int(try r.u32()), kFields = Int(try r.u32())
        guard kDocs == info.docCount, kFields == keywordFieldCount else {
            throw .corrupt(file: keywordsFile.name, reason: "keywords for \(kDocs) docs × \(kFields) fields do not match the segment")
        }
        // Ids: the trailer says where their starts begin; the ids themselves are everything before.
        guard kb.count >= 16 else { throw .corrupt(file: keywordsFile.name, reason: "no id table") }
        var trailer = ByteReader(keywordsFile.bytes, from: kb.upperBound - 8, to: kb.upperBound, file: keywordsFile.name)
        let startsAt = try trailer.u64(max: keywordsFile.bytes.count)
        let idBase = r.offset
        let tablesEnd = startsAt + 8 * (kDocs + 1) + 4 * kDocs
        guard startsAt >= idBase, tablesEnd <= kb.upperBound - 8 else {
            throw .corrupt(file: keywordsFile.name, reason: "id table offset \(startsAt) out of range")
        }
        let bytes = keywordsFile.bytes
        func start(_ d: Int) -> Int {
            Int(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: startsAt + 8 * d, as: UInt64.self).littleEndian)
        }
        guard start(0) == 0, start(kDocs) == startsAt - idBase else {
            throw .corrupt(file: keywordsFile.name, reason: "id starts do not cover the ids")
        }
        for d in 0..<kDocs {
            let a = start(d), b = start(d + 1)
            guard a <= b, b <= startsAt - idBase,
                validUTF8(UnsafeRawBufferPointer(rebasing: bytes[(idBase + a)..<(idBase + b)]))
            else { throw .corrupt(file: keywordsFile.name, reason: "id of document \(d) out of range or not UTF-8") }
        }
        let orderAt = startsAt + 8 * (kDocs + 1)
        func id(_ d: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: bytes[(idBase + start(d))..<(idBase + start(d + 1))])
        }
        var previous: Int? = nil
        var listed = DeleteSet(docCount: kDocs)  // a bitset: each document must be listed once
        for i in 0..<kDocs {
            let d = Int(bytes.loadUnaligned(fromByteOffset: orderAt + 4 * i, as: UInt32.self).littleEndian)
            guard d < kDocs, listed.insert(d) else {
                throw .corrupt(file: keywordsFile.name, reason: "id document \(d) out of range or listed twice")
            }
            if let p = previous, compareBytes(id(p), id(d)) > 0 {
                throw .corrupt(file: keywordsFile.name, reason: "ids out of order")
            }
            previous = d
        }
        idBytesOffset = idBase
        idStartsOffset = startsAt
        idOrderOffset = orderAt
        r.offset = tablesEnd
        var values: [[String]] = [], ordinalOffsets: [Int] = []
        for _ in 0..<kFields {
            let n = try r.vint(max: r.remaining)
            var v: [String] = []
            v.reserveCapacity(n)
            for _ in 0..<n { v.append(try r.string()) }
            values.append(v)
            ordinalOffsets.append(r.offset)
            try r.need(kDocs * 4)
            for d in 0..<kDocs {
                let o = keywordsFile.bytes.loadUnaligned(fromByteOffset: r.offset + 4 * d, as: UInt32.self).littleEndian
                guard o == UInt32.max || Int(o) < n else {
                    throw .corrupt(file: keywordsFile.name, reason: "keyword ordinal \(o) out of range")
                }
            }
            r.offset += kDocs * 4
        }
        guard r.offset == kb.upperBound - 8 else {
            throw .corrupt(file: keywordsFile.name, reason: "\(kb.upperBound - 8 - r.offset) stray bytes after the keyword fields")
        }
        keywordValues = values
        keywordOrdinalOffsets = ordinalOffsets

        // Stored fields: names and block index.
        let sb = try FileFormat.validate(storedFile.bytes, kind: .stored, segment: info.id, name: storedFile.name, verifyChecksum: false)
        r = ByteReader(storedFile.bytes, from: sb.lowerBound, to: sb.upperBound, file: storedFile.name)
        let nameCount = try r.vint(max: r.remaining)
        var names: [String] = []
        for _ in 0..<nameCount { names.append(try r.string()) }
        storedNames = names
        let codec = StoredBlockCodec(formatVersion: FileFormat.version(of: storedFile.bytes))
        storedCodec = codec
        let dataStart = r.offset
        guard sb.count >= 8 else { throw .corrupt(file: storedFile.name, reason: "no block index") }
        var t = ByteReader(storedFile.bytes, from: sb.upperBound - 8, to: sb.upperBound, file: storedFile.name)
        let sIndex = try t.u64(max: storedFile.bytes.count)
        guard sIndex >= dataStart, sIndex <= sb.upperBound - 8 else {
            throw .corrupt(file: storedFile.name, reason: "block index offset out of range")
        }
        t = ByteReader(storedFile.bytes, from: sIndex, to: sb.upperBound - 8, file: storedFile.name)
        let blockCount = try t.vint(max: t.remaining)
        var blocks: [(Int, Int, Int, Int)] = []
        for _ in 0..<blockCount {
            let first = Int(try t.u32()), off = try t.u64(max: storedFile.bytes.count), c = Int(try t.u32()), raw = Int(try t.u32())
            guard first < max(kDocs, 1), off >= dataStart, off + c <= sIndex, raw < 1 << 31,
                  raw <= codec.maximumRaw(compressed: c) else {
                throw .corrupt(file: storedFile.name, reason: "stored block out of range")
            }
            blocks.append((first, off, c, raw))
        }
        storedBlocks = blocks

        deletes = try DeletesFile.read(info, directory: directory)
        // Validation read the small files whole and the others' ends (which the kernel may map in large folios):
        // let those pages go until a search needs them, so that opening segments costs no resident memory.
        releaseResidentPages()
    }

    var liveCount: Int { docCount - deletes.count }

    /// Verifies the checksums of the large files too.
    func verifyChecksums() throws(KiteError) {
        for f in [postings, positions, storedFile] {
            let kind: FileKind = f === postings ? .postings : (f === positions ? .positions : .stored)
            _ = try FileFormat.validate(f.bytes, kind: kind, segment: info.id, name: f.name, verifyChecksum: true)
        }
    }

    // MARK: Lengths and keywords

    @inline(__always)
    func fieldLength(_ field: Int, _ doc: Int) -> UInt32 {
        lengthsFile.bytes.loadUnaligned(fromByteOffset: lengthsOffset + 4 * (field * docCount + doc), as: UInt32.self)
            .littleEndian
    }

    /// Keyword ordinal of `doc` in keyword field `field`, or nil if it has none.
    @inline(__always)
    func keywordOrdinal(_ field: Int, _ doc: Int) -> Int? {
        let o = keywordsFile.bytes.loadUnaligned(
            fromByteOffset: keywordOrdinalOffsets[field] + 4 * doc, as: UInt32.self
        ).littleEndian
        return o == UInt32.max ? nil : Int(o)
    }

    /// The UTF-8 bytes of document `doc`'s id (bounds and encoding checked at open).
    @inline(__always)
    func idBytes(_ doc: Int) -> UnsafeRawBufferPointer {
        let bytes = keywordsFile.bytes
        let a = Int(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: idStartsOffset + 8 * doc, as: UInt64.self).littleEndian)
        let b = Int(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: idStartsOffset + 8 * doc + 8, as: UInt64.self).littleEndian)
        return UnsafeRawBufferPointer(rebasing: bytes[(idBytesOffset + a)..<(idBytesOffset + b)])
    }

    /// The `i`-th document in the order of ids.
    @inline(__always)
    func documentInIDOrder(_ i: Int) -> Int {
        Int(keywordsFile.bytes.loadUnaligned(fromByteOffset: idOrderOffset + 4 * i, as: UInt32.self).littleEndian)
    }

    /// The documents with external id `id`, deleted or not. More than one when a document was replaced while
    /// still in the writer's buffer: the segment then holds both, the older one marked deleted.
    func documents(withID id: String) -> [Int] {
        var id = id
        return id.withUTF8 { key in
            let key = UnsafeRawBufferPointer(key)
            var lo = 0, hi = docCount
            while lo < hi {
                let mid = (lo + hi) / 2
                if compare(idBytes(documentInIDOrder(mid)), key) < 0 { lo = mid + 1 } else { hi = mid }
            }
            // Ids are bytes: compared as bytes, not as canonically equivalent Strings.
            var out: [Int] = []
            while lo < docCount, case let d = documentInIDOrder(lo), compare(idBytes(d), key) == 0 {
                out.append(d)
                lo += 1
            }
            return out
        }
    }

    /// The documents whose ids are passages `id#n` of document `id`, deleted or not (ids sort as bytes, so they
    /// follow `id#` in the id order).
    func passages(ofDocument id: String) -> [Int] {
        let prefix = Array((id + "#").utf8)
        return prefix.withUnsafeBytes { key in
            var lo = 0, hi = docCount
            while lo < hi {
                let mid = (lo + hi) / 2
                if compare(idBytes(documentInIDOrder(mid)), key) < 0 { lo = mid + 1 } else { hi = mid }
            }
            var out: [Int] = []
            while lo < docCount, case let d = documentInIDOrder(lo), idBytes(d).starts(with: key) {
                if PassageID.document(of: idBytes(d)).map({ $0.utf8.count == prefix.count - 1 }) ?? false { out.append(d) }
                lo += 1
            }
            return out
        }
    }

    /// Whether some id of the segment is a passage id (`id#n`), found by one scan of the ids on first use.
    var hasPassages: Bool {
        passageScan.withLock {
            if let known = passageFlag { return known }
            var found = false
            for d in 0..<docCount where PassageID.document(of: idBytes(d)) != nil { found = true; break }
            passageFlag = found
            return found
        }
    }

    /// The external id of document `doc`.
    func id(of doc: Int) -> String? {
        guard doc >= 0, doc < docCount else { return nil }
        return String(decoding: idBytes(doc), as: UTF8.self)
    }

    // MARK: Terms

    /// Looks `term` up in text field `field`.
    func lookup(field: Int, term: UnsafeRawBufferPointer) throws -> TermInfo? {
        let f = fields[field]
        let blocks = f.blockOffsets.count
        guard blocks > 0 else { return nil }
        // Last block whose first term <= term.
        var lo = 0, hi = blocks
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = f.firstTerms.withUnsafeBytes { ft in
                compare(UnsafeRawBufferPointer(rebasing: ft[f.firstStarts[mid]..<f.firstStarts[mid + 1]]), term)
            }
            if c <= 0 { lo = mid + 1 } else { hi = mid }
        }
        if lo == 0 { return nil }
        var found: TermInfo? = nil
        try scanBlock(field: field, block: lo - 1) { (t: UnsafeRawBufferPointer, info: TermInfo) in
            let c = compare(t, term)
            if c == 0 { found = info; return false }
            return c < 0
        }
        return found
    }

    /// Calls `body` for every term of `field` in order, until it returns false.
    func forEachTerm(field: Int, _ body: (UnsafeRawBufferPointer, TermInfo) throws -> Bool) throws {
        var terms = TermEnumerator(segment: self, field: field)
        while try terms.next() {
            if try !terms.term.withUnsafeBytes({ try body($0, terms.info) }) { return }
        }
    }

    /// Calls `body` for every term of `field` that starts with `prefix`, in order, until it returns false.
    func forEachTerm(field: Int, prefix: [UInt8], _ body: (UnsafeRawBufferPointer, TermInfo) throws -> Bool) throws {
        let f = fields[field]
        guard !f.blockOffsets.isEmpty else { return }
        // The last block whose first term sorts before the prefix: the first term with the prefix is in it or later.
        var lo = 0, hi = f.blockOffsets.count
        try prefix.withUnsafeBytes { key in
            while lo < hi {
                let mid = (lo + hi) / 2
                let c = f.firstTerms.withUnsafeBytes { ft in
                    compare(UnsafeRawBufferPointer(rebasing: ft[f.firstStarts[mid]..<f.firstStarts[mid + 1]]), key)
                }
                if c < 0 { lo = mid + 1 } else { hi = mid }
            }
            var terms = TermEnumerator(segment: self, field: field, firstBlock: max(lo - 1, 0))
            while try terms.next() {
                let more = try terms.term.withUnsafeBytes { (t: UnsafeRawBufferPointer) throws -> Bool in
                    if t.starts(with: key) { return try body(t, terms.info) }
                    return compare(t, key) < 0  // before the prefix: go on; after it: done
                }
                if !more { return }
            }
        }
    }

    private func scanBlock(
        field: Int, block: Int, _ body: (UnsafeRawBufferPointer, TermInfo) throws -> Bool
    ) throws {
        var (r, n) = try termBlock(field, block)
        var term = [UInt8]()
        term.reserveCapacity(64)
        var docOffset = 0, posOffset = 0
        for _ in 0..<n {
            let info = try readTermEntry(&r, term: &term, docOffset: &docOffset, posOffset: &posOffset)
            let more = try term.withUnsafeBytes { t in try body(t, info) }
            if !more { return }
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
        let df = try r.vint(max: docCount)
        docOffset += try r.vint(max: postingsBody.count)
        posOffset += try r.vint(max: positionsBody.count)
        guard df > 0, docOffset < postingsBody.count, posOffset <= positionsBody.count else {
            throw KiteError.corrupt(file: terms.name, reason: "term entry out of range")
        }
        return TermInfo(docFrequency: df, postingsOffset: postingsBody.lowerBound + docOffset,
                        positionsOffset: positionsBody.lowerBound + posOffset)
    }

    /// Reads a term block's entry count and positions `r` after it.
    fileprivate func termBlock(_ field: Int, _ b: Int) throws(KiteError) -> (reader: ByteReader, count: Int) {
        let f = fields[field]
        let end = b + 1 < f.blockOffsets.count ? f.blockOffsets[b + 1] : f.end
        var r = ByteReader(terms.bytes, from: f.blockOffsets[b], to: end, file: terms.name)
        let n = try r.vint(max: termBlockSize)
        return (r, n)
    }

    @inline(__always)
    private func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int { compareBytes(a, b) }

    /// A cursor over the postings of `info`.
    func postingsCursor(_ info: TermInfo) throws(KiteError) -> PostingsCursor {
        try PostingsCursor(segment: self, info: info)
    }

    var postingsEnd: Int { postingsBody.upperBound }
    var positionsEnd: Int { positionsBody.upperBound }

    // MARK: Stored fields

    /// The decompressed bytes of a stored block; nil when it is damaged.
    func decompress(_ block: (firstDoc: Int, offset: Int, compressed: Int, raw: Int)) -> [UInt8]? {
        storedCodec.decompress(
            UnsafeRawBufferPointer(rebasing: storedFile.bytes[block.offset..<(block.offset + block.compressed)]), raw: block.raw)
    }

    /// The stored fields of `doc`.
    func storedFields(_ doc: Int) throws -> [String: String] {
        guard doc >= 0, doc < docCount else { throw KiteError.corrupt(file: storedFile.name, reason: "document \(doc) out of range") }
        var lo = 0, hi = storedBlocks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if storedBlocks[mid].firstDoc <= doc { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { throw KiteError.corrupt(file: storedFile.name, reason: "no block holds document \(doc)") }
        let block = storedBlocks[lo - 1]
        guard let raw = decompress(block) else {
            throw KiteError.corrupt(file: storedFile.name, reason: "stored block does not decompress")
        }
        let n = block.raw
        return try raw.withUnsafeBytes { b in
            var r = ByteReader(b, from: 0, to: n, file: storedFile.name)
            var d = block.firstDoc
            while true {
                let count = try r.vint(max: 1 << 20)
                if d == doc {
                    var out: [String: String] = [:]
                    for _ in 0..<count {
                        let name = try r.vint(max: storedNames.count - 1)
                        out[storedNames[name]] = try r.string()
                    }
                    return out
                }
                for _ in 0..<count {
                    _ = try r.vint()
                    let len = try r.vint(max: r.remaining)
                    _ = try r.bytes(len)
                }
                d += 1
            }
        }
    }
}



extension SegmentReader {
    /// Calls `body` with every document's stored fields in order, inflating each block once (for merges and checks).
    /// Releases the resident pages of every file of the segment (after opening it, and after a merge read it).
    func releaseResidentPages() {
        for file in [terms, postings, positions, lengthsFile, keywordsFile, storedFile] { file.releaseResidentPages() }
    }

    func forEachStoredDocument(_ body: (Int, [String: String]) throws -> Void) throws {
        var expected = 0
        for block in storedBlocksForScan {
            guard let raw = decompress(block), block.firstDoc == expected else {
                throw KiteError.corrupt(file: storedFile.name, reason: "stored block does not decompress or is out of order")
            }
            let n = block.raw
            try raw.withUnsafeBytes { b in
                var r = ByteReader(b, from: 0, to: n, file: storedFile.name)
                while r.remaining > 0 {
                    let count = try r.vint(max: 1 << 20)
                    var out: [String: String] = [:]
                    for _ in 0..<count {
                        let name = try r.vint(max: storedNames.count - 1)
                        out[storedNames[name]] = try r.string()
                    }
                    guard expected < docCount else { throw KiteError.corrupt(file: storedFile.name, reason: "too many stored documents") }
                    try body(expected, out)
                    expected += 1
                }
            }
        }
        guard expected == docCount else {
            throw KiteError.corrupt(file: storedFile.name, reason: "\(expected) stored documents, segment has \(docCount)")
        }
    }
}

/// The terms of one field of a segment, in order, one at a time (merging walks several side by side without
/// holding their dictionaries in memory).
struct TermEnumerator {
    let segment: SegmentReader
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

    /// Starts before the first term of term block `firstBlock` (0: the whole field).
    init(segment: SegmentReader, field: Int, firstBlock: Int = 0) {
        self.segment = segment
        self.field = field
        block = firstBlock - 1
    }

    /// Moves to the next term; false at the end of the field.
    mutating func next() throws(KiteError) -> Bool {
        while left == 0 {
            block += 1
            guard block < segment.fields[field].blockOffsets.count else { return false }
            let (r, n) = try segment.termBlock(field, block)
            reader = r
            left = n
            term.removeAll(keepingCapacity: true)
            docOffset = 0
            posOffset = 0
        }
        guard var r = reader else { return false }
        info = try segment.readTermEntry(&r, term: &term, docOffset: &docOffset, posOffset: &posOffset)
        reader = r
        left -= 1
        return true
    }
}

/// Whether `bytes` are well-formed UTF-8.
func validUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var iterator = bytes.makeIterator()
    var parser = Unicode.UTF8.ForwardParser()
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

/// Orders byte strings by their unsigned bytes (negative: `a` first; 0: equal).
@inline(__always)
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 0 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, n)
        if c != 0 { return Int(c) }
    }
    return a.count - b.count
}
