/// A set of deleted documents of one segment, as a bitset.
struct DeleteSet: Sendable, Hashable {
    private(set) var words: [UInt64]
    private(set) var count: Int

    init(docCount: Int) {
        words = [UInt64](repeating: 0, count: (docCount + 63) / 64)
        count = 0
    }

    init(words: [UInt64]) {
        self.words = words
        count = words.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    @inline(__always) func contains(_ doc: Int) -> Bool {
        let w = doc >> 6
        return w < words.count && words[w] & (1 << UInt64(doc & 63)) != 0
    }

    /// Marks `doc` deleted; true if it was not already.
    @discardableResult
    mutating func insert(_ doc: Int) -> Bool {
        let w = doc >> 6, bit: UInt64 = 1 << UInt64(doc & 63)
        guard w < words.count, words[w] & bit == 0 else { return false }
        words[w] |= bit
        count += 1
        return true
    }
}

/// `seg-<id>.<gen>.del` (FORMAT.md, "Deletes"): the deleted documents of one segment at one delete generation, as
/// a bitset. Writer, reader and validation of the file kind together.
enum DeletesFile {
    /// Writes `deletes` as the file of `info`'s delete generation (fsynced).
    static func write(_ deletes: DeleteSet, _ info: SegmentInfo, directory: String) throws(KiteError) {
        let out = try FileOutput(path: directory + "/" + info.fileName(.deletes))
        var w = FileFormat.header(.deletes, segment: info.id)
        w.u32(UInt32(info.docCount))
        w.u32(UInt32(deletes.count))
        for word in deletes.words { w.u64(word) }
        try out.write(w)
        try out.finish()
    }

    /// The deletes of `info`: none at generation 0, else its file, checked against the segment and the manifest.
    static func read(_ info: SegmentInfo, directory: String) throws(KiteError) -> DeleteSet {
        guard info.deleteGeneration > 0 else { return DeleteSet(docCount: info.docCount) }
        let name = info.fileName(.deletes)
        let del = try MappedFile(path: directory + "/" + name, name: name)
        let body = try FileFormat.validate(del.bytes, kind: .deletes, segment: info.id, name: name, verifyChecksum: true)
        var r = ByteReader(del.bytes, from: body.lowerBound, to: body.upperBound, file: name)
        let docs = Int(try r.u32())
        let count = Int(try r.u32())
        let words = (docs + 63) / 64
        guard docs == info.docCount, r.remaining == words * 8 else {
            throw .corrupt(file: name, reason: "delete bitset does not match the segment")
        }
        var w: [UInt64] = []
        w.reserveCapacity(words)
        for _ in 0..<words { w.append(try r.u64()) }
        let set = DeleteSet(words: w)
        guard set.count == count, count == info.deletedCount else {
            throw .corrupt(file: name, reason: "delete count \(set.count) does not match \(info.deletedCount)")
        }
        return set
    }
}
