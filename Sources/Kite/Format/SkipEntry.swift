/// One postings block's skip entry in `.doc` (FORMAT.md, "Postings"): five little-endian `UInt32`s, written by
/// ``SegmentFilesWriter`` and read in place by ``PostingsCursor``. The layout lives here only.
struct SkipEntry: Hashable, Sendable {
    /// Bytes per entry.
    static let size = 20

    /// The fields, in file order; a field's byte offset within the entry is `rawValue * 4`.
    enum Field: Int {
        /// The block's last document.
        case lastDoc = 0
        /// Offset of the block's data from the start of the term's block data.
        case dataOffset
        /// Offset of the block's first position from the start of the term's positions.
        case positionsOffset
        /// The block's largest term frequency (a score bound).
        case maxFrequency
        /// The block's shortest field length (a score bound).
        case minLength
    }

    var lastDoc: UInt32
    var dataOffset: UInt32
    var positionsOffset: UInt32
    var maxFrequency: UInt32
    var minLength: UInt32

    /// Appends the entry to `w`.
    func write(to w: inout ByteWriter) {
        w.u32(lastDoc)
        w.u32(dataOffset)
        w.u32(positionsOffset)
        w.u32(maxFrequency)
        w.u32(minLength)
    }

    /// Field `field` of entry `index` of a table starting at byte `start` of `bytes` (bounds checked by the caller,
    /// once for the whole table).
    @inline(__always)
    static func read(_ bytes: UnsafeRawBufferPointer, table start: Int, entry index: Int, _ field: Field) -> UInt32 {
        bytes.loadUnaligned(fromByteOffset: start + index * size + field.rawValue * 4, as: UInt32.self).littleEndian
    }
}
