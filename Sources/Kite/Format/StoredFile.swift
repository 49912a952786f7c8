import CKite
#if canImport(Glibc)
import Glibc  // ENOMEM
#elseif canImport(Musl)
import Musl
#endif

// The stored-fields file (`.sto`, FORMAT.md "Stored fields"): its writer, its block codec, its record encoding and
// the reader's block index, in one place.

/// Uncompressed bytes per stored-fields block before it is compressed.
let storedBlockTarget = 32 * 1024

extension SegmentFilesWriter {
    /// Writes stored fields gathered and compressed in memory (``StoredBlocks``): the same file as
    /// ``storedOutput(names:)`` writes from the same records.
    func writeStored(names: [String], blocks: StoredBlocks) throws(KiteError) {
        try blocks.finishBlock()
        let out = try FileOutput(path: directory + "/" + name(.stored))
        try out.write(StoredFieldsOutput.header(segment: id, names: names))
        let first = out.position
        try out.write(blocks.compressed)
        try out.write(StoredFieldsOutput.blockIndex(blocks.index.map { ($0.firstDoc, first + $0.offset, $0.compressed, $0.raw) },
                                                    at: out.position))
        try out.finish()
    }

    /// A stored-fields file written a document at a time (merging streams documents through it).
    func storedOutput(names: [String]) throws(KiteError) -> StoredFieldsOutput {
        try StoredFieldsOutput(path: directory + "/" + name(.stored), segment: id, names: names)
    }
}

/// A segment's stored fields while it is built: records gather into blocks as ``StoredFieldsOutput`` gathers them,
/// and each full block is compressed at once, on the thread that analyzes the documents, into memory. The text is
/// held compressed (a third of its size on laws.jsonl) and a flush only writes it out.
final class StoredBlocks {
    private var pending = ByteWriter(capacity: storedBlockTarget * 2)
    private var pendingFirstDoc = 0
    private var documents = 0
    let compressor: StoredBlockCompressor
    /// The compressed blocks, one after another.
    private(set) var compressed: [UInt8] = []
    /// Per block: its first document, where it begins in ``compressed``, its compressed and raw sizes.
    private(set) var index: [(firstDoc: Int, offset: Int, compressed: Int, raw: Int)] = []

    init() throws(KiteError) { compressor = try StoredBlockCompressor(path: "stored fields") }

    /// Blocks compressed with `compressor` (one a flushed builder no longer uses).
    init(compressor: StoredBlockCompressor) { self.compressor = compressor }

    /// Bytes held: the compressed blocks, the pending block and the index.
    var memoryBytes: Int { compressed.capacity + pending.bytes.capacity + index.capacity * 32 }

    /// A compression that failed (zstd out of memory): the flush throws it, so that adding a document never fails
    /// halfway through the builder's buffers.
    private var failure: KiteError?

    /// Appends the next document's record; a full block is compressed first.
    func add(_ record: ByteWriter) {
        if failure == nil && pending.count > 0 && pending.count + record.count >= storedBlockTarget {
            do { try finishBlock() } catch { failure = error }
        }
        if pending.count == 0 { pendingFirstDoc = documents }
        pending.append(record.bytes)
        documents += 1
    }

    /// Compresses the pending records into a block (nothing when there are none); throws a failure of before.
    func finishBlock() throws(KiteError) {
        if let failure { throw failure }
        guard pending.count > 0 else { return }
        let offset = compressed.count
        let n = try compressor.compress(pending.bytes, appendingTo: &compressed)
        index.append((pendingFirstDoc, offset, n, pending.count))
        pending.bytes.removeAll(keepingCapacity: true)
    }
}

/// zstd's compression context for a file's blocks (reused for each), and the block compression itself.
final class StoredBlockCompressor {
    private let context: UnsafeMutableRawPointer
    private let path: String

    init(path: String) throws(KiteError) {
        guard let context = kite_zstd_cctx_new() else { throw .io(path: path, operation: "compress", errno: ENOMEM) }
        self.context = context
        self.path = path
    }

    deinit { kite_zstd_cctx_free(context) }

    /// Compresses `raw` (one frame, ``StoredBlockCodec/level``) onto the end of `out`; returns its compressed size.
    func compress(_ raw: [UInt8], appendingTo out: inout [UInt8]) throws(KiteError) -> Int {
        let start = out.count
        let bound = kite_zstd_bound(raw.count)
        out.append(contentsOf: repeatElement(0, count: bound))
        let n = raw.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                kite_zstd_compress(context, src.baseAddress, src.count, dst.baseAddress! + start, bound, StoredBlockCodec.level)
            }
        }
        guard n >= 0 else {
            out.removeSubrange(start...)
            throw .io(path: path, operation: "compress", errno: 0)
        }
        out.removeSubrange((start + n)...)
        return n
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
    private let compressor: StoredBlockCompressor

    init(path: String, segment: UInt64, names: [String]) throws(KiteError) {
        compressor = try StoredBlockCompressor(path: path)
        out = try FileOutput(path: path)
        try out.write(StoredFieldsOutput.header(segment: segment, names: names))
    }

    /// The file's header: the envelope's, then the field names.
    static func header(segment: UInt64, names: [String]) -> ByteWriter {
        var w = FileFormat.header(.stored, segment: segment)
        w.vint(names.count)
        for n in names { w.string(n) }
        return w
    }

    /// The block index (`indexOffset` is where it begins in the file).
    static func blockIndex(_ index: [(firstDoc: Int, offset: Int, compressed: Int, raw: Int)], at indexOffset: Int) -> ByteWriter {
        var t = ByteWriter()
        t.vint(index.count)
        for e in index {
            t.u32(UInt32(e.firstDoc)); t.u64(UInt64(e.offset)); t.u32(UInt32(e.compressed)); t.u32(UInt32(e.raw))
        }
        t.u64(UInt64(indexOffset))
        return t
    }

    /// Appends the next document's encoded record (see ``StoredRecord``).
    func add<Record: Collection<UInt8>>(_ record: Record) throws(KiteError) {
        if pending.count > 0 && pending.count + record.count >= storedBlockTarget { try flushBlock() }
        if pending.count == 0 { pendingFirstDoc = documents }
        pending.append(record)
        documents += 1
    }

    private func flushBlock() throws(KiteError) {
        compressed.removeAll(keepingCapacity: true)
        let n = try compressor.compress(pending.bytes, appendingTo: &compressed)
        index.append((pendingFirstDoc, out.position, n, pending.count))
        try out.write(compressed)
        pending.bytes.removeAll(keepingCapacity: true)
    }

    /// Writes the last block and the block index, and closes the file.
    func finish() throws(KiteError) {
        if pending.count > 0 { try flushBlock() }
        try out.write(StoredFieldsOutput.blockIndex(index, at: out.position))
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

extension StoredRecord {
    /// Decodes the next record of a block into field names and values.
    static func decode(_ r: inout ByteReader, names: [String]) throws(KiteError) -> [String: String] {
        let count = try r.vint(max: 1 << 20)
        var out: [String: String] = [:]
        for _ in 0..<count {
            let name = try r.vint(max: names.count - 1)
            out[names[name]] = try r.string()
        }
        return out
    }

    /// Skips the next record of a block.
    static func skip(_ r: inout ByteReader) throws(KiteError) {
        let count = try r.vint(max: 1 << 20)
        for _ in 0..<count {
            _ = try r.vint()
            let length = try r.vint(max: r.remaining)
            _ = try r.bytes(length)
        }
    }
}

/// A stored-fields file as a reader sees it: the field names, the block index and the codec, read at open.
struct StoredFieldsIndex {
    /// One compressed block: the first document it holds, where it is, and its sizes.
    typealias Block = (firstDoc: Int, offset: Int, compressed: Int, raw: Int)

    let file: MappedFile
    let names: [String]
    let blocks: [Block]
    /// How the blocks are compressed (by the file's format version).
    let codec: StoredBlockCodec

    /// Validates the envelope (checksum left to ``SegmentReader/verifyChecksums()``) and reads the names and the
    /// block index of a segment of `docCount` documents.
    init(_ file: MappedFile, segment: UInt64, docCount: Int) throws(KiteError) {
        self.file = file
        let body = try FileFormat.validate(file.bytes, kind: .stored, segment: segment, name: file.name, verifyChecksum: false)
        var r = ByteReader(file.bytes, from: body.lowerBound, to: body.upperBound, file: file.name)
        let nameCount = try r.vint(max: r.remaining)
        var names: [String] = []
        for _ in 0..<nameCount { names.append(try r.string()) }
        self.names = names
        let codec = StoredBlockCodec(formatVersion: FileFormat.version(of: file.bytes))
        self.codec = codec
        let dataStart = r.offset
        guard body.count >= 8 else { throw .corrupt(file: file.name, reason: "no block index") }
        var t = ByteReader(file.bytes, from: body.upperBound - 8, to: body.upperBound, file: file.name)
        let indexOffset = try t.u64(max: file.bytes.count)
        guard indexOffset >= dataStart, indexOffset <= body.upperBound - 8 else {
            throw .corrupt(file: file.name, reason: "block index offset out of range")
        }
        t = ByteReader(file.bytes, from: indexOffset, to: body.upperBound - 8, file: file.name)
        let blockCount = try t.vint(max: t.remaining)
        var blocks: [Block] = []
        for _ in 0..<blockCount {
            let first = Int(try t.u32()), off = try t.u64(max: file.bytes.count), c = Int(try t.u32()), raw = Int(try t.u32())
            guard first < max(docCount, 1), off >= dataStart, off + c <= indexOffset, raw < 1 << 31,
                  raw <= codec.maximumRaw(compressed: c) else {
                throw .corrupt(file: file.name, reason: "stored block out of range")
            }
            blocks.append((first, off, c, raw))
        }
        self.blocks = blocks
    }

    /// The decompressed bytes of `block`; nil when it is damaged.
    func decompress(_ block: Block) -> [UInt8]? {
        codec.decompress(UnsafeRawBufferPointer(rebasing: file.bytes[block.offset..<(block.offset + block.compressed)]),
                         raw: block.raw)
    }

    /// The stored fields of document `doc` (checked to be below the segment's document count by the caller).
    func fields(_ doc: Int) throws(KiteError) -> [String: String] {
        var lo = 0, hi = blocks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if blocks[mid].firstDoc <= doc { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { throw .corrupt(file: file.name, reason: "no block holds document \(doc)") }
        let block = blocks[lo - 1]
        guard let raw = decompress(block) else { throw .corrupt(file: file.name, reason: "stored block does not decompress") }
        return try raw.withBytes { (b) throws(KiteError) -> [String: String] in
            var r = ByteReader(b, from: 0, to: block.raw, file: file.name)
            for _ in block.firstDoc..<doc { try StoredRecord.skip(&r) }
            return try StoredRecord.decode(&r, names: names)
        }
    }

    /// Calls `body` with every document's stored fields in order, decompressing each block once (merges, checks);
    /// exactly `docCount` documents must be found.
    func forEach(docCount: Int, _ body: (Int, [String: String]) throws(KiteError) -> Void) throws(KiteError) {
        var expected = 0
        for block in blocks {
            guard let raw = decompress(block), block.firstDoc == expected else {
                throw .corrupt(file: file.name, reason: "stored block does not decompress or is out of order")
            }
            try raw.withBytes { (b) throws(KiteError) in
                var r = ByteReader(b, from: 0, to: block.raw, file: file.name)
                while r.remaining > 0 {
                    let fields = try StoredRecord.decode(&r, names: names)
                    guard expected < docCount else { throw .corrupt(file: file.name, reason: "too many stored documents") }
                    try body(expected, fields)
                    expected += 1
                }
            }
        }
        guard expected == docCount else {
            throw .corrupt(file: file.name, reason: "\(expected) stored documents, segment has \(docCount)")
        }
    }
}
