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

/// Writes one segment's term dictionary, postings and positions: fed field by field, term by term in sorted order,
/// by the in-memory builder (flush) and by the merger alike. Each file kind's bytes are its codec's
/// (``TermDictionaryOutput`` in Format/TermsFile.swift, ``PostingsOutput`` in Format/PostingsFile.swift).
final class SegmentFilesWriter {
    let directory: String
    let id: UInt64
    let docCount: Int
    let fieldCount: Int
    private var terms: TermDictionaryOutput
    private var postings: PostingsOutput

    init(directory: String, id: UInt64, docCount: Int, fieldCount: Int) throws(KiteError) {
        self.directory = directory
        self.id = id
        self.docCount = docCount
        self.fieldCount = fieldCount
        let info = SegmentInfo(id: id, docCount: docCount, deleteGeneration: 0, deletedCount: 0)
        terms = try TermDictionaryOutput(directory: directory, segment: info)
        postings = try PostingsOutput(directory: directory, segment: info)
    }

    /// Starts the terms of text field `field` (fields in schema order); `lengths` are its per-document lengths.
    func beginField(lengths: [UInt32]) {
        terms.beginField(lengths: lengths)
        postings.beginField(lengths: lengths)
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
        let offsets = postings.offsets
        try postings.add(docs: docs, freqs: tfs, positions: positions)
        try terms.add(term, docFrequency: docs.count, offsets: offsets)
    }

    /// Ends the current field.
    func endField() throws(KiteError) { try terms.endField() }

    /// Writes the term index and closes the terms, postings and positions files.
    func finishPostings() throws(KiteError) {
        try terms.finish()
        try postings.finish()
    }

    /// The name of this segment's file of `kind`.
    func name(_ kind: FileKind) -> String {
        SegmentInfo(id: id, docCount: docCount, deleteGeneration: 0, deletedCount: 0).fileName(kind)
    }
}
