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
    func addTerm(_ term: UnsafeBufferPointer<UInt8>, docs: [UInt32], freqs: [UInt32], positions: [UInt32]) throws(KiteError) {
        try docs.withUnsafeBufferPointer { (d) throws(KiteError) in
            try freqs.withUnsafeBufferPointer { (f) throws(KiteError) in
                try positions.withUnsafeBufferPointer { (p) throws(KiteError) in try addTerm(term, docs: d, freqs: f, positions: p) }
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

    /// The name of this segment's file of `kind`.
    func name(_ kind: FileKind) -> String {
        SegmentInfo(id: id, docCount: docCount, deleteGeneration: 0, deletedCount: 0).fileName(kind)
    }


}




/// One text field's part of a segment's term dictionary, as a reader keeps it: statistics and the in-memory index of
/// the field's term blocks (the first term of each, and where it starts). Written by ``SegmentFilesWriter`` at the end
/// of the `.tim` file (FORMAT.md, "Term dictionary").
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
            guard with <= segment.docCount, termCount >= blocks else {
                throw .corrupt(file: file.name, reason: "inconsistent field statistics")
            }
            fields.append(FieldTerms(termCount: termCount, sumLength: sum, docsWithField: with, firstTerms: first,
                                     firstStarts: starts, blockOffsets: offsets, end: indexOffset))
        }
        for f in 0..<fields.count {
            let next = fields[(f + 1)...].first(where: { !$0.blockOffsets.isEmpty })?.blockOffsets.first
            fields[f].end = next ?? indexOffset
        }
        return fields
    }
}
