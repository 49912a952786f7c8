/// What identifies a segment on disk and what the manifest records of it.
struct SegmentInfo: Hashable, Sendable {
    /// Random 64-bit id; the segment's files are `seg-<id hex>.<ext>`.
    var id: UInt64
    /// Documents in the segment, deleted ones included.
    var docCount: Int
    /// Generation of the delete file (0: none).
    var deleteGeneration: UInt32
    /// Documents marked deleted in that generation.
    var deletedCount: Int

    var name: String { "seg-\(FileFormat.hex(id))" }

    func fileName(_ kind: FileKind) -> String {
        kind == .deletes ? "\(name).\(deleteGeneration).del" : "\(name).\(kind.fileExtension)"
    }

    static let segmentFileKinds: [FileKind] = [.terms, .postings, .positions, .lengths, .keywords, .stored]
}

/// Postings block size: doc-id deltas and frequencies are bit-packed 128 at a time.
let postingsBlockSize = 128
/// Terms per term-dictionary block (prefix-compressed; the first term of each block is in the in-memory index).
let termBlockSize = 32
/// Uncompressed bytes per stored-fields block before it is deflated.
let storedBlockTarget = 32 * 1024

/// Writes one segment's files. Fed field by field, term by term in sorted order, by the in-memory builder (flush)
/// and by the merger alike; see FORMAT.md for every byte.
final class SegmentFilesWriter {
    let directory: String
    let id: UInt64
    let docCount: Int
    let fieldCount: Int
    private let tim: FileOutput
    private let doc: FileOutput
    private let pos: FileOutput

    // Term dictionary state.
    private var block = ByteWriter(capacity: 4096)
    private var blockTerms = 0
    private var previousTerm: [UInt8] = []
    private var previousDocOffset = 0
    private var previousPosOffset = 0
    private var blockIndex: [(first: [UInt8], offset: Int)] = []
    private var fieldIndexes: [[(first: [UInt8], offset: Int)]] = []
    private var fieldStats: [(terms: Int, sumLength: UInt64, docsWithField: Int)] = []
    private var termsInField = 0
    private var lengths: [UInt32] = []

    // Scratch for postings encoding.
    private var scratch = ByteWriter(capacity: 1 << 16)
    private var deltas = [UInt32](repeating: 0, count: postingsBlockSize)
    private var freqs = [UInt32](repeating: 0, count: postingsBlockSize)

    init(directory: String, id: UInt64, docCount: Int, fieldCount: Int) throws(KiteError) {
        self.directory = directory
        self.id = id
        self.docCount = docCount
        self.fieldCount = fieldCount
        let info = SegmentInfo(id: id, docCount: docCount, deleteGeneration: 0, deletedCount: 0)
        tim = try FileOutput(path: directory + "/" + info.fileName(.terms))
        doc = try FileOutput(path: directory + "/" + info.fileName(.postings))
        pos = try FileOutput(path: directory + "/" + info.fileName(.positions))
        try tim.write(FileFormat.header(.terms, segment: id))
        try doc.write(FileFormat.header(.postings, segment: id))
        try pos.write(FileFormat.header(.positions, segment: id))
    }

    /// Starts the terms of text field `field` (fields in schema order); `lengths` are its per-document lengths.
    func beginField(lengths: [UInt32]) {
        self.lengths = lengths
        blockIndex = []
        termsInField = 0
        previousTerm = []
    }

    /// Adds one term's postings from arrays (see the buffer-pointer form).
    func addTerm(_ term: UnsafeBufferPointer<UInt8>, docs: [UInt32], freqs: [UInt32], positions: [UInt32]) throws {
        try docs.withUnsafeBufferPointer { d in
            try freqs.withUnsafeBufferPointer { f in
                try positions.withUnsafeBufferPointer { p in try addTerm(term, docs: d, freqs: f, positions: p) }
            }
        }
    }

    /// Adds one term's postings: strictly increasing doc ids, their frequencies, and all positions, doc by doc.
    func addTerm(
        _ term: UnsafeBufferPointer<UInt8>, docs: UnsafeBufferPointer<UInt32>, freqs tfs: UnsafeBufferPointer<UInt32>,
        positions: UnsafeBufferPointer<UInt32>
    ) throws(KiteError) {
        // Offsets are relative to the start of each file's body (after the header).
        let docOffset = doc.position - FileFormat.headerSize
        let posOffset = pos.position - FileFormat.headerSize
        try encodePostings(docs: docs, freqs: tfs, positions: positions)

        if blockTerms == termBlockSize { try flushTermBlock() }
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
        block.vint(docs.count)
        block.vint(docOffset - previousDocOffset)
        block.vint(posOffset - previousPosOffset)
        previousDocOffset = docOffset
        previousPosOffset = posOffset
        previousTerm.removeAll(keepingCapacity: true)
        previousTerm.append(contentsOf: term)
        blockTerms += 1
        termsInField += 1
    }

    private func flushTermBlock() throws(KiteError) {
        guard blockTerms > 0 else { return }
        var head = ByteWriter()
        head.vint(blockTerms)
        try tim.write(head)
        try tim.write(block)
        block.bytes.removeAll(keepingCapacity: true)
        blockTerms = 0
    }

    /// Ends the current field.
    func endField() throws(KiteError) {
        try flushTermBlock()
        fieldIndexes.append(blockIndex)
        var sum: UInt64 = 0
        var with = 0
        for l in lengths { sum += UInt64(l); if l > 0 { with += 1 } }
        fieldStats.append((termsInField, sum, with))
    }

    /// Encodes one term's postings into the .doc and .pos outputs (layout in FORMAT.md).
    private func encodePostings(
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

    /// Writes the term index and closes the terms, postings and positions files.
    func finishPostings() throws(KiteError) {
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
        }
        w.u64(UInt64(indexOffset))
        try tim.write(w)
        try tim.finish()
        try doc.finish()
        try pos.finish()
    }

    /// Writes the field-lengths file: per text field, one u32 per document.
    func writeLengths(_ fields: [[UInt32]]) throws(KiteError) {
        let out = try FileOutput(path: directory + "/" + name(.lengths))
        var w = FileFormat.header(.lengths, segment: id)
        w.u32(UInt32(docCount))
        w.u32(UInt32(fields.count))
        for f in fields {
            for d in 0..<docCount { w.u32(d < f.count ? f[d] : 0) }
        }
        try out.write(w)
        try out.finish()
    }

    /// Writes ids and keyword fields from whole arrays (a flushed buffer): `ids[d]` and `fields[f][d]` belong to
    /// document `d`.
    func writeKeywords(ids: [String], fields: [[String?]]) throws(KiteError) {
        let out = try keywordsOutput(fieldCount: fields.count)
        for id in ids { try out.addID(id.utf8) }
        let order = ids.indices.sorted { ids[$0].utf8.lexicographicallyPrecedes(ids[$1].utf8) }
        try out.finishIDs(order: order.map { UInt32($0) })
        for values in fields {
            let distinct = Set(values.compactMap { $0 }).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            var ordinal: [String: UInt32] = [:]
            for (i, v) in distinct.enumerated() { ordinal[v] = UInt32(i) }
            try out.addField(values: distinct, ordinals: (0..<docCount).map { d in
                (d < values.count ? values[d] : nil).flatMap { ordinal[$0] } ?? UInt32.max
            })
        }
        try out.finish()
    }

    /// An ids-and-keywords file written a part at a time (merging streams ids through it).
    func keywordsOutput(fieldCount: Int) throws(KiteError) -> KeywordsOutput {
        try KeywordsOutput(path: directory + "/" + name(.keywords), segment: id, docCount: docCount, fieldCount: fieldCount)
    }

    private func name(_ kind: FileKind) -> String {
        SegmentInfo(id: id, docCount: docCount, deleteGeneration: 0, deletedCount: 0).fileName(kind)
    }

    /// Writes stored fields: `records` holds each document's record (see ``StoredRecord``), `ends[d]` its end.
    func writeStored(names: [String], records: [UInt8], ends: [Int]) throws(KiteError) {
        let out = try storedOutput(names: names)
        var start = 0
        for end in ends {
            try out.add(records[start..<end])
            start = end
        }
        try out.finish()
    }

    /// A stored-fields file written a document at a time (merging streams documents through it).
    func storedOutput(names: [String]) throws(KiteError) -> StoredFieldsOutput {
        try StoredFieldsOutput(path: directory + "/" + name(.stored), segment: id, names: names)
    }
}

/// Writes an ids-and-keywords file (layout in FORMAT.md): the ids in document order as they come, then their
/// starts and sorted order, then each keyword field. Memory: 8 bytes per document for the id starts.
final class KeywordsOutput {
    private let out: FileOutput
    private let docCount: Int
    private var starts: [UInt64] = [0]
    private var idBytes: UInt64 = 0
    private var startsOffset = 0

    init(path: String, segment: UInt64, docCount: Int, fieldCount: Int) throws(KiteError) {
        out = try FileOutput(path: path)
        self.docCount = docCount
        starts.reserveCapacity(docCount + 1)
        var w = FileFormat.header(.keywords, segment: segment)
        w.u32(UInt32(docCount))
        w.u32(UInt32(fieldCount))
        try out.write(w)
    }

    /// Appends the next document's id.
    func addID<Bytes: Collection<UInt8>>(_ id: Bytes) throws(KiteError) {
        try out.write(contentsOf: id)
        idBytes += UInt64(id.count)
        starts.append(idBytes)
    }

    /// Ends the ids with their order: the documents sorted by the unsigned bytes of their ids.
    func finishIDs(order: [UInt32]) throws(KiteError) {
        guard starts.count == docCount + 1, order.count == docCount else {
            throw .corrupt(file: out.path, reason: "\(starts.count - 1) ids and \(order.count) sorted for \(docCount) documents")
        }
        startsOffset = out.position
        var w = ByteWriter(capacity: starts.count * 8 + order.count * 4)
        for s in starts { w.u64(s) }
        for d in order { w.u32(d) }
        try out.write(w)
        starts = []
    }

    /// Appends the next keyword field: its distinct values, sorted by unsigned bytes, and per document an ordinal
    /// into them (`UInt32.max`: no value).
    func addField(values: [String], ordinals: [UInt32]) throws(KiteError) {
        var w = ByteWriter(capacity: ordinals.count * 4 + 64)
        w.vint(values.count)
        for v in values { w.string(v) }
        for o in ordinals { w.u32(o) }
        try out.write(w)
    }

    /// Writes the trailer (where the id starts begin) and closes the file.
    func finish() throws(KiteError) {
        var w = ByteWriter()
        w.u64(UInt64(startsOffset))
        try out.write(w)
        try out.finish()
    }
}

/// How a stored-fields block is compressed: zstd in files of format version 3, zlib in version 2 (read only).
enum StoredBlockCodec {
    case zlib, zstd

    /// The codec of a `.sto` file of format `version`.
    init(formatVersion version: UInt32) { self = version >= 3 ? .zstd : .zlib }

    /// zstd's level for new blocks. Level 3 (zstd's default) against level 1 on short documents: see FORMAT.md.
    static let level: Int32 = 3

    /// The largest decompressed size a block of `compressed` bytes can have: a larger recorded size is damage
    /// (and must not be allocated). zlib expands at most ~1032:1; zstd at most 32,768:1 (a 4-byte RLE block).
    func maximumRaw(compressed: Int) -> Int {
        switch self {
        case .zlib: return compressed * 1032 + 64
        case .zstd: return compressed * 32_768 + 64
        }
    }

    /// Decompresses `source` into exactly `raw` bytes; nil when the block is damaged.
    func decompress(_ source: UnsafeRawBufferPointer, raw: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: max(raw, 1))
        let n = out.withUnsafeMutableBytes { dst in
            switch self {
            case .zlib: return kite_inflate(source.baseAddress, source.count, dst.baseAddress, dst.count)
            case .zstd: return kite_zstd_decompress(source.baseAddress, source.count, dst.baseAddress, dst.count)
            }
        }
        return n == raw ? out : nil
    }
}

/// Writes a stored-fields file a record at a time: records gather into a block of about ``storedBlockTarget``
/// bytes (at least one record), each block is compressed (zstd, one frame) and written, and the block index ends
/// the file. Only one block is held in memory.
final class StoredFieldsOutput {
    private let out: FileOutput
    private var pending = ByteWriter(capacity: storedBlockTarget * 2)
    private var pendingFirstDoc = 0
    private var documents = 0
    private var compressed = [UInt8]()
    private var index: [(firstDoc: Int, offset: Int, compressed: Int, raw: Int)] = []
    /// zstd's compression context, reused for every block of the file.
    private let context: UnsafeMutableRawPointer

    init(path: String, segment: UInt64, names: [String]) throws(KiteError) {
        guard let context = kite_zstd_cctx_new() else { throw .io(path: path, operation: "compress", errno: ENOMEM) }
        self.context = context
        do { out = try FileOutput(path: path) } catch {
            kite_zstd_cctx_free(context)
            throw error
        }
        var w = FileFormat.header(.stored, segment: segment)
        w.vint(names.count)
        for n in names { w.string(n) }
        try out.write(w)
    }

    /// Appends the next document's encoded record (see ``StoredRecord``).
    func add<Record: Collection<UInt8>>(_ record: Record) throws(KiteError) {
        if pending.count > 0 && pending.count + record.count >= storedBlockTarget { try flushBlock() }
        if pending.count == 0 { pendingFirstDoc = documents }
        pending.append(record)
        documents += 1
    }

    private func flushBlock() throws(KiteError) {
        let raw = pending.count
        let bound = kite_zstd_bound(raw)
        if compressed.count < bound { compressed = [UInt8](repeating: 0, count: bound) }
        let n = pending.bytes.withUnsafeBytes { src in
            compressed.withUnsafeMutableBytes { dst in
                kite_zstd_compress(context, src.baseAddress, raw, dst.baseAddress, dst.count, StoredBlockCodec.level)
            }
        }
        guard n >= 0 else { throw .io(path: out.path, operation: "compress", errno: 0) }
        index.append((pendingFirstDoc, out.position, n, raw))
        try out.write(Array(compressed[0..<n]))
        pending.bytes.removeAll(keepingCapacity: true)
    }

    deinit { kite_zstd_cctx_free(context) }

    /// Writes the last block and the block index, and closes the file.
    func finish() throws(KiteError) {
        if pending.count > 0 { try flushBlock() }
        let indexOffset = out.position
        var t = ByteWriter()
        t.vint(index.count)
        for e in index {
            t.u32(UInt32(e.firstDoc)); t.u64(UInt64(e.offset)); t.u32(UInt32(e.compressed)); t.u32(UInt32(e.raw))
        }
        t.u64(UInt64(indexOffset))
        try out.write(t)
        try out.finish()
    }
}

/// One document's stored fields, encoded: varint field count, then per field a varint index into the segment's
/// field-name table, a varint byte length and the UTF-8 value.
enum StoredRecord {
    static func append(_ fields: [(name: Int, value: String)], to w: inout ByteWriter) {
        w.vint(fields.count)
        for f in fields {
            w.vint(f.name)
            w.string(f.value)
        }
    }
}

import CKite
#if canImport(Glibc)
import Glibc  // ENOMEM
#elseif canImport(Musl)
import Musl
#endif

