// The ids-and-keywords file (`.kwd`, FORMAT.md "Ids and keyword fields"): its writer and the layout a reader finds
// in it, validated at open.

extension SegmentFilesWriter {
    /// Writes ids and keyword fields from whole arrays (a flushed buffer): `ids[d]` and `fields[f][d]` belong to
    /// document `d`.
    func writeKeywords(ids: [String], fields: [[String?]]) throws(KiteError) {
        let out = try keywordsOutput(fieldCount: fields.count)
        var bytes: [UInt8] = [], starts = [0]
        for id in ids {
            try out.addID(id.utf8)
            bytes.append(contentsOf: id.utf8)
            starts.append(bytes.count)
        }
        // Sorted by their UTF-8 bytes, compared as blocks (comparing the strings' UTF-8 views went byte by byte).
        let order = bytes.withUnsafeBytes { b in
            ids.indices.sorted { x, y in
                compareBytes(UnsafeRawBufferPointer(rebasing: b[starts[x]..<starts[x + 1]]),
                             UnsafeRawBufferPointer(rebasing: b[starts[y]..<starts[y + 1]])) < 0
            }
        }
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

/// Where the parts of a keywords file are, as validated at open: ids (read in place from the map), their starts and
/// order, and each keyword field's distinct values (decoded) and per-document ordinals (read in place).
struct KeywordsLayout {
    /// Offset of the ids (concatenated, in document order).
    let idBytesOffset: Int
    /// Offset of the id starts: u64 per document plus one, relative to the first id.
    let idStartsOffset: Int
    /// Offset of the id order: u32 documents sorted by the bytes of their ids.
    let idOrderOffset: Int
    /// Per keyword field: sorted distinct values.
    let values: [[String]]
    /// Per keyword field: the byte offset of its u32 ordinals.
    let ordinalOffsets: [Int]

    /// Validates the file (envelope and checksum, counts, every id in range and UTF-8, the order a permutation
    /// sorted by id bytes, every ordinal in range) and reads its layout.
    init(_ file: MappedFile, segment: SegmentInfo, keywordFieldCount: Int) throws(KiteError) {
        let body = try FileFormat.validate(file.bytes, kind: .keywords, segment: segment.id, name: file.name, verifyChecksum: true)
        var r = ByteReader(file.bytes, from: body.lowerBound, to: body.upperBound, file: file.name)
        let docs = Int(try r.u32()), fields = Int(try r.u32())
        guard docs == segment.docCount, fields == keywordFieldCount else {
            throw .corrupt(file: file.name, reason: "keywords for \(docs) docs × \(fields) fields do not match the segment")
        }
        // Ids: the trailer says where their starts begin; the ids themselves are everything before.
        guard body.count >= 16 else { throw .corrupt(file: file.name, reason: "no id table") }
        var trailer = ByteReader(file.bytes, from: body.upperBound - 8, to: body.upperBound, file: file.name)
        let startsAt = try trailer.u64(max: file.bytes.count)
        let idBase = r.offset
        let tablesEnd = startsAt + 8 * (docs + 1) + 4 * docs
        guard startsAt >= idBase, tablesEnd <= body.upperBound - 8 else {
            throw .corrupt(file: file.name, reason: "id table offset \(startsAt) out of range")
        }
        idBytesOffset = idBase
        idStartsOffset = startsAt
        idOrderOffset = startsAt + 8 * (docs + 1)
        try Self.validateIDs(file, idBase: idBase, startsAt: startsAt, orderAt: idOrderOffset, docs: docs)
        r.offset = tablesEnd
        var values: [[String]] = [], ordinalOffsets: [Int] = []
        for _ in 0..<fields {
            let n = try r.vint(max: r.remaining)
            var v: [String] = []
            v.reserveCapacity(n)
            for _ in 0..<n { v.append(try r.string()) }
            values.append(v)
            ordinalOffsets.append(r.offset)
            try r.need(docs * 4)
            for d in 0..<docs {
                let o = file.bytes.loadUnaligned(fromByteOffset: r.offset + 4 * d, as: UInt32.self).littleEndian
                guard o == UInt32.max || Int(o) < n else {
                    throw .corrupt(file: file.name, reason: "keyword ordinal \(o) out of range")
                }
            }
            r.offset += docs * 4
        }
        guard r.offset == body.upperBound - 8 else {
            throw .corrupt(file: file.name, reason: "\(body.upperBound - 8 - r.offset) stray bytes after the keyword fields")
        }
        self.values = values
        self.ordinalOffsets = ordinalOffsets
    }

    /// Every id within the ids and valid UTF-8; the order lists each document once, sorted by id bytes.
    private static func validateIDs(_ file: MappedFile, idBase: Int, startsAt: Int, orderAt: Int, docs: Int) throws(KiteError) {
        let bytes = file.bytes
        func start(_ d: Int) -> Int {
            Int(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: startsAt + 8 * d, as: UInt64.self).littleEndian)
        }
        guard start(0) == 0, start(docs) == startsAt - idBase else {
            throw .corrupt(file: file.name, reason: "id starts do not cover the ids")
        }
        for d in 0..<docs {
            let a = start(d), b = start(d + 1)
            guard a <= b, b <= startsAt - idBase,
                validUTF8(UnsafeRawBufferPointer(rebasing: bytes[(idBase + a)..<(idBase + b)]))
            else { throw .corrupt(file: file.name, reason: "id of document \(d) out of range or not UTF-8") }
        }
        func id(_ d: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: bytes[(idBase + start(d))..<(idBase + start(d + 1))])
        }
        var previous: Int? = nil
        var listed = DeleteSet(docCount: docs)  // a bitset: each document must be listed once
        for i in 0..<docs {
            let d = Int(bytes.loadUnaligned(fromByteOffset: orderAt + 4 * i, as: UInt32.self).littleEndian)
            guard d < docs, listed.insert(d) else {
                throw .corrupt(file: file.name, reason: "id document \(d) out of range or listed twice")
            }
            if let p = previous, compareBytes(id(p), id(d)) > 0 {
                throw .corrupt(file: file.name, reason: "ids out of order")
            }
            previous = d
        }
    }
}

/// A segment's ids in id order, read with `pread` (``PositionalFile``) one at a time instead of through the map: a
/// merge walks every source's id order side by side, and through the maps every source's whole keywords file stayed
/// resident until the merge ended. The file was validated when the segment was opened (the order a permutation, the
/// starts increasing), so what is read here is in range.
final class IDOrderReader {
    /// The id order, read front to back through a read-ahead; the starts and ids, read where each document's are.
    private let order: PositionalFile
    private let file: PositionalFile
    private let layout: KeywordsLayout
    let count: Int
    /// The current entry of the id order and its document.
    private(set) var position = 0
    private(set) var document = 0
    // The current id (``loadID()``), and scratch for an order entry or a document's two starts.
    private var idBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)
    private var idCount = 0
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 8)

    init(segment: SegmentReader) throws(KiteError) {
        order = try PositionalFile(path: segment.keywordsFile.path, name: segment.keywordsFile.name, readAhead: 8 << 10)
        file = try PositionalFile(path: segment.keywordsFile.path, name: segment.keywordsFile.name)
        layout = segment.keywordsLayout
        count = segment.docCount
        try move(to: 0)
    }

    deinit {
        idBuffer.deallocate()
        scratch.deallocate()
    }

    /// The current document's id, as ``loadID()`` read it (valid until the next call).
    var id: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: idBuffer[0..<idCount]) }

    /// Moves to entry `i` of the id order (its document; at `count`, the end).
    func move(to i: Int) throws(KiteError) {
        position = i
        guard i < count else { return }
        try order.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<4]), at: layout.idOrderOffset + 4 * i)
        document = Int(UInt32(littleEndian: scratch.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
    }

    /// Reads the id of the current document (``id``).
    func loadID() throws(KiteError) {
        try file.read(into: scratch, at: layout.idStartsOffset + 8 * document)
        let a = Int(UInt64(littleEndian: scratch.loadUnaligned(fromByteOffset: 0, as: UInt64.self)))
        let b = Int(UInt64(littleEndian: scratch.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        guard a <= b, layout.idBytesOffset + b <= layout.idStartsOffset else {
            throw .corrupt(file: file.name, reason: "id \(document) out of range")
        }
        if b - a > idBuffer.count {
            idBuffer.deallocate()
            idBuffer = .allocate(byteCount: b - a, alignment: 8)
        }
        idCount = b - a
        try file.read(into: UnsafeMutableRawBufferPointer(rebasing: idBuffer[0..<idCount]), at: layout.idBytesOffset + a)
    }
}
