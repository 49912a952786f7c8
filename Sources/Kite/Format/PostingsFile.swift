// Postings (`.doc`) and positions (`.pos`), FORMAT.md "Postings" and "Positions": the writer (`PostingsOutput`) and
// the reader (`PostingsCursor`) of one layout, with its constants (`SkipEntry` is the skip entry's codec).

/// Postings block size: doc-id deltas and frequencies are bit-packed 128 at a time.
let postingsBlockSize = 128

/// Writes the postings and positions files of one segment, one term's list at a time (``SegmentFilesWriter``
/// pairs each list with its term dictionary entry).
struct PostingsOutput {
    private let doc: FileOutput
    private let pos: FileOutput
    /// The current field's per-document lengths (each block's skip entry keeps its shortest document).
    private var lengths: [UInt32] = []
    private var scratch = ByteWriter(capacity: 1 << 16)
    private var deltas = [UInt32](repeating: 0, count: postingsBlockSize)
    private var freqs = [UInt32](repeating: 0, count: postingsBlockSize)

    init(directory: String, segment info: SegmentInfo) throws(KiteError) {
        doc = try FileOutput(path: directory + "/" + info.fileName(.postings))
        pos = try FileOutput(path: directory + "/" + info.fileName(.positions))
        try doc.write(FileFormat.header(.postings, segment: info.id))
        try pos.write(FileFormat.header(.positions, segment: info.id))
    }

    /// Starts the lists of a text field whose documents have `lengths`.
    mutating func beginField(lengths: [UInt32]) { self.lengths = lengths }

    /// Where the next list starts in each file's body (offsets after the header, as the term dictionary keeps them).
    var offsets: (postings: Int, positions: Int) {
        (doc.position - FileFormat.headerSize, pos.position - FileFormat.headerSize)
    }

    /// Appends one term's list: strictly increasing doc ids, their frequencies, and all positions, doc by doc.
    mutating func add(
        docs: UnsafeBufferPointer<UInt32>, freqs tfs: UnsafeBufferPointer<UInt32>, positions: UnsafeBufferPointer<UInt32>
    ) throws(KiteError) {
        scratch.bytes.removeAll(keepingCapacity: true)
        let df = docs.count
        var prev: Int64 = -1
        var posScratch = ByteWriter(capacity: positions.count * 2)
        var p = 0
        // One block of postings: bit-packed when full, varints when it is the partial last one.
        func encodeBlock(_ base: Int, _ n: Int, into out: inout ByteWriter) -> (maxTf: UInt32, minLen: UInt32) {
            var maxTf: UInt32 = 0
            var minLen = UInt32.max
            if n == postingsBlockSize {
                for k in 0..<n {
                    let d = docs[base + k]
                    deltas[k] = UInt32(Int64(d) - prev - 1)
                    prev = Int64(d)
                    freqs[k] = tfs[base + k] - 1
                }
                deltas.withUnsafeBufferPointer { dd in
                    freqs.withUnsafeBufferPointer { ff in
                        let dw = BitPacking.width(dd), fw = BitPacking.width(ff)
                        out.u8(UInt8(dw)); out.u8(UInt8(fw))
                        BitPacking.pack(dd, width: dw, into: &out)
                        BitPacking.pack(ff, width: fw, into: &out)
                    }
                }
            } else {
                for k in 0..<n {
                    let d = docs[base + k]
                    let delta = UInt64(Int64(d) - prev - 1)
                    prev = Int64(d)
                    let tf = tfs[base + k]
                    if tf == 1 { out.vint(delta << 1 | 1) } else { out.vint(delta << 1); out.vint(tf) }
                }
            }
            for k in 0..<n {
                let d = Int(docs[base + k])
                let tf = tfs[base + k]
                if tf > maxTf { maxTf = tf }
                let len = d < lengths.count ? lengths[d] : 0
                if len < minLen { minLen = len }
                var last: UInt32 = 0
                for _ in 0..<Int(tf) { posScratch.vint(positions[p] - last); last = positions[p]; p += 1 }
            }
            return (maxTf, minLen)
        }
        if df < postingsBlockSize {
            scratch.vint(0)
            _ = encodeBlock(0, df, into: &scratch)
        } else {
            let blocks = (df + postingsBlockSize - 1) / postingsBlockSize
            scratch.vint(blocks)
            var skips = ByteWriter(capacity: blocks * SkipEntry.size)
            var data = ByteWriter(capacity: df * 3)
            for b in 0..<blocks {
                let base = b * postingsBlockSize
                let n = min(postingsBlockSize, df - base)
                let blockOffset = data.count
                let posStart = posScratch.count
                let (maxTf, minLen) = encodeBlock(base, n, into: &data)
                SkipEntry(lastDoc: docs[base + n - 1], dataOffset: UInt32(blockOffset), positionsOffset: UInt32(posStart),
                          maxFrequency: maxTf, minLength: minLen).write(to: &skips)
            }
            scratch.append(skips.bytes)
            scratch.append(data.bytes)
        }
        try doc.write(scratch)
        try pos.write(posScratch)
    }

    /// Ends both files (footer, fsync, close).
    func finish() throws(KiteError) {
        try doc.finish()
        try pos.finish()
    }
}

/// The bytes a ``PostingsCursor`` reads: a segment's mapped postings and positions files, or one term's postings and
/// positions read out of them into memory (a merge reads its sources so: ``TermPostingsReader``).
struct PostingsBytes {
    /// The postings bytes, and where their body ends (offsets count from the start of `postings`).
    var postings: UnsafeRawBufferPointer
    var postingsEnd: Int
    var postingsName: String
    var positions: UnsafeRawBufferPointer
    var positionsEnd: Int
    var positionsName: String
    /// Documents in the segment (every document number read must be below it).
    var docCount: Int
}

extension PostingsBytes {
    /// A segment's mapped files.
    init(segment: SegmentReader) {
        self.init(postings: segment.postings.bytes, postingsEnd: segment.postingsEnd, postingsName: segment.postings.name,
                  positions: segment.positions.bytes, positionsEnd: segment.positionsEnd,
                  positionsName: segment.positions.name, docCount: segment.docCount)
    }
}

/// Iterates one term's postings in a segment, a block of 128 documents at a time, straight from the mapped file
/// (or from a term's bytes read out of it, ``PostingsBytes``).
///
/// Every block is bounds-checked before it is decoded and its documents checked against the segment, so that a
/// damaged file gives ``KiteError/corrupt(file:reason:)``, never a wrong read.
final class PostingsCursor {
    static let exhausted = Int.max

    /// What keeps `source`'s memory alive (the segment reader, or the buffer a term was read into).
    private var owner: AnyObject
    private var source: PostingsBytes
    @inline(__always) private var bytes: UnsafeRawBufferPointer { source.postings }
    @inline(__always) private var fileName: String { source.postingsName }
    @inline(__always) private var docCount: Int { source.docCount }
    private(set) var docFrequency = 0
    private var blockCount = 0  // 0: the whole list is one varint block with no skip entries
    private var skipStart = 0
    private var dataStart = 0
    private var positionsStart = 0
    private var block = -1
    private var count = 0
    private var index = 0
    private let docs: UnsafeMutablePointer<UInt32>
    private let freqs: UnsafeMutablePointer<UInt32>
    /// Where the current packed block's frequencies start in the file while they are not decoded yet, else −1: a
    /// block is decoded for its documents, and its frequencies only when one is asked for (a conjunction or a skip
    /// loads many blocks to find one document, and scores few).
    private var pendingFrequencies = -1
    private var pendingWidth = 0
    /// The current document, or ``exhausted``.
    private(set) var doc = -1
    // Positions state: offset in the positions file reached after the positions of `posIndex` documents of the block.
    private var posOffset = 0
    private var posIndex = 0

    convenience init(segment: SegmentReader, info: TermInfo) throws(KiteError) {
        try self.init(PostingsBytes(segment: segment), owner: segment, info: info)
    }

    /// A cursor over `source`, whose memory `owner` keeps alive, at the term `info` (offsets into `source`).
    init(_ source: PostingsBytes, owner: AnyObject, info: TermInfo) throws(KiteError) {
        self.owner = owner
        self.source = source
        docs = .allocate(capacity: postingsBlockSize)
        freqs = .allocate(capacity: postingsBlockSize)
        try reset(to: info)
    }

    /// Points the cursor at the term `info` of another source, whose memory `owner` keeps alive (a merge's next term,
    /// read into memory by ``TermPostingsReader``), before its first posting.
    func reset(to info: TermInfo, in source: PostingsBytes, owner: AnyObject) throws(KiteError) {
        self.owner = owner
        self.source = source
        try reset(to: info)
    }

    /// Points the cursor at another term of the same segment, before its first posting (call ``start()``): one
    /// cursor serves many short lists without allocating.
    func reset(to info: TermInfo) throws(KiteError) {
        block = -1
        count = 0
        index = 0
        doc = -1
        pendingFrequencies = -1
        docFrequency = info.docFrequency
        positionsStart = info.positionsOffset
        var r = ByteReader(bytes, from: info.postingsOffset, to: source.postingsEnd, file: fileName)
        let blocks = try r.vint(max: docCount)
        if blocks == 0 {
            guard info.docFrequency < postingsBlockSize else { throw .corrupt(file: fileName, reason: "missing skip data") }
        } else {
            guard blocks == (info.docFrequency + postingsBlockSize - 1) / postingsBlockSize else {
                throw .corrupt(file: fileName, reason: "block count \(blocks) does not match document frequency")
            }
            try r.need(blocks * SkipEntry.size)
        }
        blockCount = blocks
        skipStart = r.offset
        dataStart = r.offset + blocks * SkipEntry.size
    }

    deinit {
        docs.deallocate()
        freqs.deallocate()
    }

    /// The bytes of the mapped file from the start of `packed` (a slice of it) to its end.
    @inline(__always) private func readable(from packed: UnsafeRawBufferPointer) -> Int {
        bytes.count - (packed.baseAddress! - bytes.baseAddress!)
    }

    @inline(__always) private func skip(_ b: Int, _ field: SkipEntry.Field) -> UInt32 {
        SkipEntry.read(bytes, table: skipStart, entry: b, field)
    }

    /// Last document of block `b` (from the skip entry).
    @inline(__always) func blockLastDoc(_ b: Int) -> Int { Int(skip(b, .lastDoc)) }
    /// The block's maximum term frequency and minimum field length, for score upper bounds.
    @inline(__always) func blockMaxFreq(_ b: Int) -> UInt32 { skip(b, .maxFrequency) }
    @inline(__always) func blockMinLength(_ b: Int) -> UInt32 { skip(b, .minLength) }

    /// Moves to the first posting.
    func start() throws(KiteError) {
        try load(0)
    }

    /// Decodes block `b`: its documents. A packed block's frequencies wait for ``frequency()``; a short block's are
    /// read with its documents and, unless `frequencies` is false, checked against the block's maximum.
    private func load(_ b: Int, frequencies: Bool = true) throws(KiteError) {
        block = b
        index = 0
        posIndex = 0
        var prev: Int = -1
        var n: Int
        var r: ByteReader
        if blockCount == 0 {
            n = docFrequency
            r = ByteReader(bytes, from: skipStart, to: source.postingsEnd, file: fileName)
            posOffset = positionsStart
        } else {
            if b > 0 { prev = blockLastDoc(b - 1) }
            n = min(postingsBlockSize, docFrequency - b * postingsBlockSize)
            let off = dataStart + Int(skip(b, .dataOffset))
            r = ByteReader(bytes, from: off, to: source.postingsEnd, file: fileName)
            posOffset = positionsStart + Int(skip(b, .positionsOffset))
            guard posOffset <= source.positionsEnd else { throw .corrupt(file: fileName, reason: "positions offset out of range") }
        }
        if n == postingsBlockSize {
            let dw = Int(try r.u8()), fw = Int(try r.u8())
            guard dw <= 32, fw <= 32 else { throw .corrupt(file: fileName, reason: "bit width out of range") }
            let db = BitPacking.byteCount(count: n, width: dw), fb = BitPacking.byteCount(count: n, width: fw)
            let packed = try r.bytes(db + fb)
            prev = BitPacking.unpackDocuments(packed.baseAddress!, width: dw, readable: readable(from: packed), after: prev, into: docs)
            guard prev < docCount else { throw .corrupt(file: fileName, reason: "document \(prev) out of range") }
            pendingFrequencies = packed.baseAddress! + db - bytes.baseAddress!
            pendingWidth = fw
        } else {
            pendingFrequencies = -1
            for k in 0..<n {
                let v = try r.vint()
                guard v >> 1 < UInt64(docCount) else { throw .corrupt(file: fileName, reason: "document delta out of range") }
                prev += Int(v >> 1) + 1
                guard prev < docCount else { throw .corrupt(file: fileName, reason: "document \(prev) out of range") }
                docs[k] = UInt32(prev)
                if v & 1 == 1 { freqs[k] = 1 } else {
                    let tf = try r.vint(max: Int(UInt32.max))
                    guard tf > 1 else { throw .corrupt(file: fileName, reason: "bad frequency") }
                    freqs[k] = UInt32(tf)
                }
            }
        }
        if blockCount > 0, prev != blockLastDoc(b) {
            throw .corrupt(file: fileName, reason: "block \(b) ends at \(prev), skip data says \(blockLastDoc(b))")
        }
        if n < postingsBlockSize, frequencies {
            try checkFrequencies(b, count: n, maximum: blockCount > 0 ? blockMaxFreq(b) : UInt32.max)
        }
        count = n
        doc = n > 0 ? Int(docs[0]) : PostingsCursor.exhausted
    }

    /// Decodes the current packed block's frequencies, put off by ``load(_:frequencies:)`` until one is needed.
    @inline(__always) private func decodeFrequencies() throws(KiteError) {
        if pendingFrequencies >= 0 { try decodePendingFrequencies() }
    }

    @inline(never) private func decodePendingFrequencies() throws(KiteError) {
        let at = pendingFrequencies
        pendingFrequencies = -1
        BitPacking.unpack(bytes.baseAddress! + at, count: postingsBlockSize, width: pendingWidth, readable: bytes.count - at,
                          into: freqs)
        // Stored less one; checked in the same pass by their least and greatest (``checkFrequencies`` names a bad one).
        var least = UInt32.max, greatest: UInt32 = 0
        for k in 0..<postingsBlockSize {
            let f = freqs[k] &+ 1
            freqs[k] = f
            least = min(least, f)
            greatest = max(greatest, f)
        }
        if least == 0 || greatest > blockMaxFreq(block) {
            try checkFrequencies(block, count: postingsBlockSize, maximum: blockMaxFreq(block))
        }
    }

    /// Checks the block's frequencies: none is 0 (a packed width can encode it), and none exceeds the block's
    /// maximum, which top-k search trusts to bound the block's scores.
    private func checkFrequencies(_ b: Int, count n: Int, maximum: UInt32) throws(KiteError) {
        for k in 0..<n where freqs[k] == 0 || freqs[k] > maximum {
            throw .corrupt(file: fileName, reason: "block \(b) has frequency \(freqs[k]), outside 1...\(maximum)")
        }
    }

    /// Adds every document of the list to `set`, decoding document numbers only (counting and filtering need no
    /// frequencies), and leaves the cursor exhausted (``start()`` begins again).
    func insertAll(into set: inout DocSet) throws(KiteError) {
        count = 0
        doc = PostingsCursor.exhausted
        guard blockCount > 0 else { return try insertShortList(into: &set) }
        var prev = -1
        for b in 0..<blockCount {
            let n = min(postingsBlockSize, docFrequency - b * postingsBlockSize)
            guard n == postingsBlockSize else {
                try load(b, frequencies: false)
                set.insert(docs, count: count)
                break  // only the last block is partial
            }
            // A packed block: its document deltas only (the frequencies after them are skipped), summed as inserted.
            var r = ByteReader(bytes, from: dataStart + Int(skip(b, .dataOffset)), to: source.postingsEnd, file: fileName)
            let dw = Int(try r.u8())
            _ = try r.u8()
            guard dw <= 32 else { throw .corrupt(file: fileName, reason: "bit width out of range") }
            let packed = try r.bytes(BitPacking.byteCount(count: n, width: dw))
            BitPacking.unpack(packed.baseAddress!, count: n, width: dw, readable: readable(from: packed), into: docs)
            let last = blockLastDoc(b)
            guard last < docCount else { throw .corrupt(file: fileName, reason: "document \(last) out of range") }
            // Deltas are at least 1 apart, so the block ends at `last` (checked after) only if no document passes it.
            prev = set.insertDeltas(docs, count: n, after: prev, limit: last)
            guard prev == last else {
                throw .corrupt(file: fileName, reason: "block \(b) ends at \(prev), skip data says \(last)")
            }
        }
    }

    /// ``insertAll(into:)`` for a list shorter than a block: its documents only, inserted together.
    private func insertShortList(into set: inout DocSet) throws(KiteError) {
        var r = ByteReader(bytes, from: skipStart, to: source.postingsEnd, file: fileName)
        try PostingsCursor.readShortList(&r, count: docFrequency, docCount: docCount, into: docs)
        set.insert(docs, count: docFrequency)
    }

    /// The documents of a list shorter than a block (`count` varints of document delta << 1, the low bit set when
    /// the frequency is 1, each followed by the frequency otherwise) into `docs`; frequencies are read past.
    private static func readShortList(
        _ r: inout ByteReader, count: Int, docCount: Int, into docs: UnsafeMutablePointer<UInt32>
    ) throws(KiteError) {
        var prev = -1
        for k in 0..<count {
            let v = try r.vint()
            guard v >> 1 < UInt64(docCount) else { throw r.corrupt("document delta out of range") }
            prev += Int(v >> 1) + 1
            guard prev < docCount else { throw r.corrupt("document \(prev) out of range") }
            docs[k] = UInt32(prev)
            if v & 1 == 0 {
                guard try r.vint(max: Int(UInt32.max)) > 1 else { throw r.corrupt("bad frequency") }
            }
        }
    }

    /// The documents of `info`'s list in `segment` into `docs` (room for a block), with no cursor, when the list is
    /// shorter than a block; nil for a longer one. (A prefix of a common character has hundreds of such lists.)
    static func shortListDocuments(
        _ info: TermInfo, in segment: SegmentReader, into docs: UnsafeMutablePointer<UInt32>
    ) throws(KiteError) -> Int? {
        var r = ByteReader(segment.postings.bytes, from: info.postingsOffset, to: segment.postingsEnd, file: segment.postings.name)
        guard try r.vint(max: segment.docCount) == 0 else { return nil }
        guard info.docFrequency < postingsBlockSize else { throw r.corrupt("missing skip data") }
        try readShortList(&r, count: info.docFrequency, docCount: segment.docCount, into: docs)
        return info.docFrequency
    }

    /// Moves to the next posting.
    @inline(__always)
    func next() throws(KiteError) {
        index += 1
        if index < count { doc = Int(docs[index]); return }
        if block + 1 < blockCount { try load(block + 1) } else { doc = PostingsCursor.exhausted }
    }

    /// Moves to the first posting with document ≥ `target`.
    func advance(to target: Int) throws(KiteError) {
        if doc >= target { return }
        if blockCount > 0 && blockLastDoc(block) < target {
            var b = block + 1
            while b < blockCount && blockLastDoc(b) < target { b += 1 }
            if b == blockCount { doc = PostingsCursor.exhausted; return }
            try load(b)
        }
        while index < count && Int(docs[index]) < target { index += 1 }
        if index < count { doc = Int(docs[index]) } else { try next() }
    }

    /// Whether the list has skip entries (a list shorter than a block has none).
    var hasSkipEntries: Bool { blockCount > 0 }

    /// The first block at or after the current one whose last document is ≥ `target` (for block-max bounds).
    func blockContaining(_ target: Int) -> Int? {
        guard blockCount > 0 else { return nil }
        var lo = max(block, 0), hi = blockCount  // binary search: the skip entries' last docs increase
        while lo < hi {
            let mid = (lo + hi) / 2
            if blockLastDoc(mid) < target { lo = mid + 1 } else { hi = mid }
        }
        return lo < blockCount ? lo : nil
    }

    /// The largest of `bound(maxFreq, minLength)` over the blocks from the one holding `from` (at or after the
    /// current one) through the one holding `end` (nil for a short list without skip entries): an upper bound of the
    /// term's score for its documents in `from...end`, read from the skip data without decoding a block.
    @inline(__always)
    func blockMaximum(from: Int, upTo end: Int, _ bound: (UInt32, UInt32) -> Double) -> Double? {
        guard blockCount > 0 else { return nil }
        guard var b = blockContaining(from) else { return 0 }
        var m = 0.0
        while b < blockCount {
            m = max(m, bound(blockMaxFreq(b), blockMinLength(b)))
            if blockLastDoc(b) >= end { break }
            b += 1
        }
        return m
    }

    /// Term frequency in the current document.
    @inline(__always) func frequency() throws(KiteError) -> Int {
        try decodeFrequencies()
        return Int(freqs[index])
    }

    /// Calls `body` with the positions of the term in the current document, in order, until it returns false;
    /// returns false if it stopped early. Nothing is gathered into an array (the matching walk asks for the
    /// positions of hundreds of terms per document, and stops at the first that completes a chunk).
    func forEachPosition(_ body: (Int32) -> Bool) throws(KiteError) -> Bool {
        try decodeFrequencies()
        var r = ByteReader(source.positions, from: posOffset, to: source.positionsEnd, file: source.positionsName)
        // Skip the positions of earlier documents of the block.
        while posIndex < index {
            for _ in 0..<Int(freqs[posIndex]) { _ = try r.vint() }
            posIndex += 1
        }
        // Until the document's positions are all read, the state points at their start.
        posOffset = r.offset
        var p: UInt64 = 0
        for _ in 0..<Int(freqs[index]) {
            p += try r.vint()
            guard p < UInt64(Int32.max) else { throw .corrupt(file: source.positionsName, reason: "position out of range") }
            if !body(Int32(p)) { return false }
        }
        posIndex = index + 1
        posOffset = r.offset
        return true
    }

    /// Appends the positions of the term in the current document to `out`.
    func positions(into out: inout [Int32]) throws(KiteError) {
        out.reserveCapacity(out.count + (try frequency()))
        _ = try forEachPosition { out.append($0); return true }
    }
}

/// Reads a segment's postings a term at a time with `pread` (``PositionalFile``) instead of through its maps: a
/// merge reads each source once, front to back, and the maps' pages would stay resident by whole page-cache folios.
/// A term's bytes are read into one buffer that the next term reuses, under one cursor: a cursor it returns is
/// valid until the next call.
final class TermPostingsReader {
    private let postings: PositionalFile
    private let positions: PositionalFile
    private let postingsEnd: Int
    private let positionsEnd: Int
    private let docCount: Int
    private var buffer = Buffer(count: 16 << 10)
    private var reused: PostingsCursor?

    init(segment: SegmentReader) throws(KiteError) {
        // 32 KiB ahead in each file: most terms' bytes come from memory, and a merge of ten sources holds 640 KiB.
        postings = try PositionalFile(path: segment.postings.path, name: segment.postings.name, readAhead: 32 << 10)
        positions = try PositionalFile(path: segment.positions.path, name: segment.positions.name, readAhead: 32 << 10)
        postingsEnd = segment.postingsEnd
        positionsEnd = segment.positionsEnd
        docCount = segment.docCount
    }

    /// A cursor over the term `info`, whose postings and positions end where `end`'s begin (the next term's, in file
    /// order; nil: the files' bodies end), valid until the next call.
    func cursor(_ info: TermInfo, endingAt end: (postings: Int, positions: Int)?) throws(KiteError) -> PostingsCursor {
        let postingsCount = (end?.postings ?? postingsEnd) - info.postingsOffset
        let positionsCount = (end?.positions ?? positionsEnd) - info.positionsOffset
        guard postingsCount > 0, positionsCount >= 0, info.postingsOffset + postingsCount <= postingsEnd,
              info.positionsOffset + positionsCount <= positionsEnd else {
            throw .corrupt(file: postings.name, reason: "term postings at \(info.postingsOffset) out of order")
        }
        let needed = postingsCount + positionsCount
        // A common term's bytes (megabytes) are not kept for the rare terms after it.
        if needed > buffer.bytes.count || (buffer.bytes.count > 1 << 20 && needed <= 16 << 10) {
            buffer = Buffer(count: max(needed, 16 << 10))
        }
        let postingsBytes = UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[0..<postingsCount])
        let positionsBytes = UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[postingsCount..<needed])
        try postings.read(into: postingsBytes, at: info.postingsOffset)
        try positions.read(into: positionsBytes, at: info.positionsOffset)
        let source = PostingsBytes(
            postings: UnsafeRawBufferPointer(postingsBytes), postingsEnd: postingsCount, postingsName: postings.name,
            positions: UnsafeRawBufferPointer(positionsBytes), positionsEnd: positionsCount, positionsName: positions.name,
            docCount: docCount)
        let term = TermInfo(docFrequency: info.docFrequency, postingsOffset: 0, positionsOffset: 0)
        if let reused {
            try reused.reset(to: term, in: source, owner: buffer)
            return reused
        }
        let cursor = try PostingsCursor(source, owner: buffer, info: term)
        reused = cursor
        return cursor
    }

    /// The memory terms are read into; a cursor keeps the one it reads alive.
    private final class Buffer {
        let bytes: UnsafeMutableRawBufferPointer
        init(count: Int) { bytes = .allocate(byteCount: count, alignment: 8) }
        deinit { bytes.deallocate() }
    }
}
