import CKite
#if canImport(Glibc)
import Glibc  // memcmp
#elseif canImport(Musl)
import Musl
#endif

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
    private let passageTableBuilt = BuiltOnce<PassageTable>()
    private let idFilterBuilt = BuiltOnce<[UInt8]>()

    /// The term dictionary's reader (Format/TermsFile.swift).
    let termDictionary: TermDictionary
    /// Per text field: term statistics and the block index.
    var fields: [FieldTerms] { termDictionary.fields }
    let docCount: Int
    /// Where the ids and keyword columns are in the keywords file.
    private let keywords: KeywordsLayout
    /// Where the keywords file's parts are (``IDOrderReader`` reads them with pread).
    var keywordsLayout: KeywordsLayout { keywords }
    /// Per keyword field: sorted distinct values.
    var keywordValues: [[String]] { keywords.values }
    private let lengthsOffset: Int
    private let postingsBody: Range<Int>
    private let positionsBody: Range<Int>
    /// The stored-fields file's names and block index.
    let stored: StoredFieldsIndex
    var storedNames: [String] { stored.names }

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
        let fields = try FieldTerms.readIndex(terms, segment: info, textFieldCount: textFieldCount)
        postingsBody = try FileFormat.validate(postings.bytes, kind: .postings, segment: info.id, name: postings.name, verifyChecksum: false)
        positionsBody = try FileFormat.validate(positions.bytes, kind: .positions, segment: info.id, name: positions.name, verifyChecksum: false)
        termDictionary = TermDictionary(file: terms, fields: fields, docCount: info.docCount, postingsBody: postingsBody,
                                        positionsBody: positionsBody)
        lengthsOffset = try LengthsFile.lengthsOffset(lengthsFile, segment: info, textFieldCount: textFieldCount)
        keywords = try KeywordsLayout(keywordsFile, segment: info, keywordFieldCount: keywordFieldCount)
        stored = try StoredFieldsIndex(storedFile, segment: info.id, docCount: info.docCount)
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
            fromByteOffset: keywords.ordinalOffsets[field] + 4 * doc, as: UInt32.self
        ).littleEndian
        return o == UInt32.max ? nil : Int(o)
    }

    /// The UTF-8 bytes of document `doc`'s id (bounds and encoding checked at open).
    @inline(__always)
    func idBytes(_ doc: Int) -> UnsafeRawBufferPointer {
        let bytes = keywordsFile.bytes
        let a = Int(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: keywords.idStartsOffset + 8 * doc, as: UInt64.self).littleEndian)
        let b = Int(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: keywords.idStartsOffset + 8 * doc + 8, as: UInt64.self).littleEndian)
        return UnsafeRawBufferPointer(rebasing: bytes[(keywords.idBytesOffset + a)..<(keywords.idBytesOffset + b)])
    }

    /// The `i`-th document in the order of ids.
    @inline(__always)
    func documentInIDOrder(_ i: Int) -> Int {
        Int(keywordsFile.bytes.loadUnaligned(fromByteOffset: keywords.idOrderOffset + 4 * i, as: UInt32.self).littleEndian)
    }

    /// The documents with external id `id`, deleted or not. More than one when a document was replaced while
    /// still in the writer's buffer: the segment then holds both, the older one marked deleted.
    func documents(withID id: String) -> [Int] { documents(withID: IDKey(id)) }

    /// An id looked up in every segment (a writer replacing a document): its bytes and their filter hashes, as the
    /// id and as the `id#` prefix of its passages, computed once.
    struct IDKey {
        let bytes: [UInt8]
        let hash: UInt64
        let passagesPrefix: [UInt8]
        let passagesHash: UInt64

        init(_ id: String) {
            bytes = Array(id.utf8)
            passagesPrefix = bytes + [0x23]
            hash = bytes.withUnsafeBytes { JoinFilter.hash($0) }
            passagesHash = passagesPrefix.withUnsafeBytes { JoinFilter.hash($0) }
        }
    }

    /// The documents with id `id` (as above), for an id looked up in many segments.
    func documents(withID id: IDKey) -> [Int] {
        guard mayHoldID(hash: id.hash) else { return [] }
        return id.bytes.withUnsafeBytes { key in
            var lo = 0, hi = docCount
            while lo < hi {
                let mid = (lo + hi) / 2
                if compareBytes(idBytes(documentInIDOrder(mid)), key) < 0 { lo = mid + 1 } else { hi = mid }
            }
            // Ids are bytes: compared as bytes, not as canonically equivalent Strings.
            var out: [Int] = []
            while lo < docCount, case let d = documentInIDOrder(lo), compareBytes(idBytes(d), key) == 0 {
                out.append(d)
                lo += 1
            }
            return releaseAfterMiss(out)
        }
    }

    /// The documents whose ids are passages `id#n` of document `id`, deleted or not (ids sort as bytes, so they
    /// follow `id#` in the id order).
    func passages(ofDocument id: String) -> [Int] { passages(ofDocument: IDKey(id)) }

    /// The passages of document `id` (as above), for an id looked up in many segments.
    func passages(ofDocument id: IDKey) -> [Int] {
        guard mayHoldID(hash: id.passagesHash) else { return [] }
        let prefix = id.passagesPrefix
        return prefix.withUnsafeBytes { key in
            var lo = 0, hi = docCount
            while lo < hi {
                let mid = (lo + hi) / 2
                if compareBytes(idBytes(documentInIDOrder(mid)), key) < 0 { lo = mid + 1 } else { hi = mid }
            }
            var out: [Int] = []
            while lo < docCount, case let d = documentInIDOrder(lo), idBytes(d).starts(with: key) {
                if PassageID.document(of: idBytes(d)).map({ $0.utf8.count == prefix.count - 1 }) ?? false { out.append(d) }
                lo += 1
            }
            return releaseAfterMiss(out)
        }
    }

    /// Whether the segment may hold the id of filter hash `hash`, or passages of a document when it is the hash of
    /// `document#`: false only when its id filter rules it out.
    @inline(__always)
    private func mayHoldID(hash: UInt64) -> Bool {
        idFilter.withUnsafeBytes { JoinFilter.mayContain(hash, in: $0) }
    }

    /// A blocked Bloom filter (``JoinFilter``'s layout, in memory) over the segment's ids and, for passages, their
    /// `document#` prefixes, built by one scan of the ids on first use, after which the scan's pages of the keywords
    /// file are let go. A writer looks every added id up in every segment (to replace an older version) and almost
    /// all are absent: the filter says so without reading the file, whose pages a binary search would otherwise keep
    /// resident, every segment's whole (15 of the 79 MiB peak of a 179 MB corpus indexed under an 8 MB budget).
    private var idFilter: [UInt8] {
        idFilterBuilt.value {
            var hashes: [UInt64] = []
            hashes.reserveCapacity(docCount)
            for d in 0..<docCount {
                let id = idBytes(d)
                hashes.append(JoinFilter.hash(id))
                if let passage = PassageID.split(bytes: id) {
                    hashes.append(JoinFilter.hash(UnsafeRawBufferPointer(rebasing: id[..<(passage.document.count + 1)])))
                }
            }
            keywordsFile.releaseResidentPages()
            return JoinFilter.build(hashes, bitsPerKey: 20)  // about 0.03 % of absent ids pass
        }
    }

    /// After a search of the ids that found nothing (an id the filter let through): lets the pages it read go, so
    /// that rare misses over many segments do not leave every segment's keywords file resident.
    private func releaseAfterMiss(_ found: [Int]) -> [Int] {
        if found.isEmpty { keywordsFile.releaseResidentPages() }
        return found
    }

    /// Which documents are passages, and of which document: built by one scan of the ids on first use.
    var passageTable: PassageTable { passageTableBuilt.value { PassageTable(self) } }

    /// The external id of document `doc`.
    func id(of doc: Int) -> String? {
        guard doc >= 0, doc < docCount else { return nil }
        return String(decoding: idBytes(doc), as: UTF8.self)
    }

    // MARK: Terms (the term dictionary's reader is in Format/TermsFile.swift)

    /// Looks `term` up in text field `field`.
    @inline(__always)
    func lookup(field: Int, term: UnsafeRawBufferPointer) throws(KiteError) -> TermInfo? {
        try termDictionary.lookup(field: field, term: term)
    }

    /// Calls `body` for every term of `field` in order, until it returns false.
    func forEachTerm(field: Int, _ body: (UnsafeRawBufferPointer, TermInfo) throws(KiteError) -> Bool) throws(KiteError) {
        try termDictionary.forEachTerm(field: field, body)
    }

    /// Calls `body` for every term of `field` that starts with `prefix`, in order, until it returns false.
    func forEachTerm(
        field: Int, prefix: [UInt8], _ body: (UnsafeRawBufferPointer, TermInfo) throws(KiteError) -> Bool
    ) throws(KiteError) {
        try termDictionary.forEachTerm(field: field, prefix: prefix, body)
    }

    /// A cursor over the postings of `info`.
    func postingsCursor(_ info: TermInfo) throws(KiteError) -> PostingsCursor {
        try PostingsCursor(segment: self, info: info)
    }

    var postingsEnd: Int { postingsBody.upperBound }
    var positionsEnd: Int { positionsBody.upperBound }

    // MARK: Stored fields

    /// The stored fields of `doc`.
    func storedFields(_ doc: Int) throws(KiteError) -> [String: String] {
        guard doc >= 0, doc < docCount else { throw .corrupt(file: storedFile.name, reason: "document \(doc) out of range") }
        return try stored.fields(doc)
    }
}



extension SegmentReader {
    /// Releases the resident pages of every file of the segment (after opening it, and after a merge read it).
    func releaseResidentPages() {
        for file in [terms, postings, positions, lengthsFile, keywordsFile, storedFile] { file.releaseResidentPages() }
    }

    /// Calls `body` with every document's stored fields in order, decompressing each block once (merges, checks).
    func forEachStoredDocument(_ body: (Int, [String: String]) throws(KiteError) -> Void) throws(KiteError) {
        try stored.forEach(docCount: docCount, body)
    }
}

/// Whether `bytes` are well-formed UTF-8.
func validUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var k = 0
    while k < bytes.count {
        guard let (_, length) = CorpusText.scalar(inUTF8: bytes, at: k) else { return false }
        k += length
    }
    return true
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
