/// Which documents of a segment are passages (`id#n`, ``PassageID``) and of which document: built by one scan of
/// the segment's ids on first use (``SegmentReader/passageTable``), so that a search groups passages by array
/// lookups instead of parsing ids. Empty for a segment without passages.
final class PassageTable: Sendable {
    /// Per document of the segment: the ordinal of its document in ``documents``, or -1 when it is not a passage.
    let ordinals: [Int32]
    /// Per document of the segment: its passage number (`id#3` → 3), or 0.
    let numbers: [Int32]
    /// The documents the segment has passages of, by ordinal.
    let documents: [UTF8Key]
    /// The segment's passages.
    let passages: DocSet

    var isEmpty: Bool { documents.isEmpty }

    /// Scans the ids of `segment`.
    init(_ segment: SegmentReader) {
        let n = segment.docCount
        var ordinals = [Int32](repeating: -1, count: n), numbers = [Int32](repeating: 0, count: n)
        var documents: [UTF8Key] = []
        var ordinalOf: [UTF8Key: Int32] = [:]
        var passages = DocSet(capacity: n)
        var previous: Int32 = -1  // a document's passages are usually consecutive: compare before hashing
        for d in 0..<n {
            guard let (document, number) = PassageID.split(bytes: segment.idBytes(d)) else { continue }
            let o: Int32
            if previous >= 0, documents[Int(previous)].spells(document) {
                o = previous
            } else {
                let key = UTF8Key(bytes: Array(document))
                if let known = ordinalOf[key] { o = known } else {
                    o = Int32(documents.count)
                    documents.append(key)
                    ordinalOf[key] = o
                }
            }
            previous = o
            ordinals[d] = o
            numbers[d] = Int32(number)
            passages.insert(d)
        }
        self.documents = documents
        self.passages = passages
        self.ordinals = documents.isEmpty ? [] : ordinals
        self.numbers = documents.isEmpty ? [] : numbers
    }

    /// The ordinal of the document of document `d` when it is a passage.
    @inline(__always)
    func ordinal(of d: Int) -> Int? {
        guard !documents.isEmpty else { return nil }
        let o = ordinals[d]
        return o < 0 ? nil : Int(o)
    }

    /// The document of document `d` when it is a passage.
    @inline(__always)
    func document(of d: Int) -> UTF8Key? {
        guard !documents.isEmpty else { return nil }
        let o = ordinals[d]
        return o < 0 ? nil : documents[Int(o)]
    }

    /// The passage number of document `d` (0 when it is not a passage).
    @inline(__always)
    func number(of d: Int) -> Int { documents.isEmpty ? 0 : Int(numbers[d]) }
}

/// The documents split into passages over a reader's segments, numbered reader-wide: for each segment, the number of
/// each document of its ``PassageTable``. Built once per reader (``IndexReader/passageDocuments``); documents are
/// matched by key only when several segments hold passages, so a search groups passages by array lookups alone.
final class PassageDocuments: Sendable {
    /// Each segment's table.
    let tables: [PassageTable]
    /// Per segment, per ordinal of its table: the reader-wide document number.
    let numbers: [[Int32]]
    /// How many documents split into passages the reader holds.
    let count: Int

    init(_ segments: [SegmentReader]) {
        let tables = segments.map(\.passageTable)
        var numbers: [[Int32]] = []
        var count = 0
        if tables.filter({ !$0.isEmpty }).count <= 1 {
            for t in tables {
                numbers.append((0..<t.documents.count).map { Int32(count + $0) })
                count += t.documents.count
            }
        } else {
            var numberOf: [UTF8Key: Int32] = [:]
            for t in tables {
                numbers.append(t.documents.map { key in
                    if let known = numberOf[key] { return known }
                    numberOf[key] = Int32(count)
                    count += 1
                    return Int32(count - 1)
                })
            }
        }
        self.tables = tables
        self.numbers = numbers
        self.count = count
    }
}
