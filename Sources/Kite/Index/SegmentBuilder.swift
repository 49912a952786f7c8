/// The writer's in-memory segment: documents are analyzed into flat (term, doc, position) token records per field,
/// which `flush` sorts by term with a counting sort and encodes. Memory grows ~12 bytes per token plus the term
/// arena and stored text, which is what the RAM budget counts.
final class SegmentBuilder {
    let schema: Schema
    let analyzer: AnalyzerConfiguration
    private let stream: TokenStream

    private var terms: [TermTable]
    private var tokenTerm: [[UInt32]]
    private var tokenDoc: [[UInt32]]
    private var tokenPosition: [[UInt32]]
    private var lengths: [[UInt32]]
    private(set) var ids: [String] = []
    private var keywords: [[String?]]
    private var storedNames: [String] = []
    private var storedNameIndex: [String: Int] = [:]
    private var stored = ByteWriter(capacity: 1 << 20)
    private var storedEnds: [Int] = []
    /// Local doc of each id still live in this buffer.
    private(set) var liveDocByID: [String: UInt32] = [:]
    /// Documents replaced or deleted while still in this buffer.
    private(set) var deleted: Set<UInt32> = []
    private let keywordIndex: [String: Int]
    private let textIndex: [String: Int]

    init(schema: Schema, analyzer: AnalyzerConfiguration) throws {
        self.schema = schema
        self.analyzer = analyzer
        do { stream = try TokenStream(analyzer) } catch { throw KiteError.analysis(error) }
        let f = schema.textFields.count
        terms = (0..<f).map { _ in TermTable() }
        tokenTerm = Array(repeating: [], count: f)
        tokenDoc = Array(repeating: [], count: f)
        tokenPosition = Array(repeating: [], count: f)
        lengths = Array(repeating: [], count: f)
        keywords = Array(repeating: [], count: schema.keywordFields.count)
        var k: [String: Int] = [:]
        for (i, n) in schema.keywordFields.enumerated() { k[n] = i }
        keywordIndex = k
        var t: [String: Int] = [:]
        for (i, n) in schema.textFields.enumerated() { t[n] = i }
        textIndex = t
    }

    var docCount: Int { ids.count }
    var liveCount: Int { ids.count - deleted.count }

    /// Approximate bytes held, for the RAM budget.
    var memoryBytes: Int {
        var total = stored.bytes.capacity + storedEnds.capacity * 8 + ids.count * 64
        for f in 0..<terms.count {
            total += terms[f].memoryBytes + tokenTerm[f].capacity * 12 + lengths[f].capacity * 4
        }
        return total + keywords.count * ids.count * 16
    }

    /// Analyzes and buffers `document`; a buffered document with the same id is marked deleted.
    func add(_ document: Document) throws {
        let doc = UInt32(ids.count)
        // Analyze first, so that a failure leaves the buffer unchanged.
        var fieldTokens = 0
        let marks = tokenTerm.map(\.count)
        for (f, name) in schema.textFields.enumerated() {
            guard let value = document.fields[name], !value.isEmpty else { lengths[f].append(0); continue }
            var length: UInt32 = 0
            var utf8 = value
            do {
                try utf8.withUTF8 { (buf: UnsafeBufferPointer<UInt8>) throws in
                    let raw = UnsafeRawBufferPointer(buf)
                    var table = terms[f]
                    var tt = tokenTerm[f], td = tokenDoc[f], tp = tokenPosition[f]
                    terms[f] = TermTable(capacity: 1); tokenTerm[f] = []; tokenDoc[f] = []; tokenPosition[f] = []
                    defer { terms[f] = table; tokenTerm[f] = tt; tokenDoc[f] = td; tokenPosition[f] = tp }
                    do {
                        try stream.analyze(raw) { term, info in
                            tt.append(table.intern(term))
                            td.append(doc)
                            tp.append(UInt32(info.position))
                            if !info.isBigram { length = UInt32(info.position) + 1 }
                        }
                    } catch let error as AnalysisError {
                        throw KiteError.analysis(error)
                    }
                }
            } catch {
                // Roll back tokens already added for this document.
                for g in 0..<tokenTerm.count {
                    tokenTerm[g].removeLast(tokenTerm[g].count - marks[g])
                    tokenDoc[g].removeLast(tokenDoc[g].count - marks[g])
                    tokenPosition[g].removeLast(tokenPosition[g].count - marks[g])
                }
                for g in 0..<f { lengths[g].removeLast() }
                throw error
            }
            fieldTokens += 1
            lengths[f].append(length)
        }
        for (k, name) in schema.keywordFields.enumerated() {
            keywords[k].append(document.fields[name])
        }
        var record: [(name: Int, value: String)] = []
        for (name, value) in document.fields.sorted(by: { $0.key < $1.key }) {
            let idx: Int
            if let i = storedNameIndex[name] { idx = i } else {
                idx = storedNames.count
                storedNames.append(name)
                storedNameIndex[name] = idx
            }
            record.append((idx, value))
        }
        StoredRecord.append(record, to: &stored)
        storedEnds.append(stored.count)
        if let old = liveDocByID[document.id] { deleted.insert(old) }
        liveDocByID[document.id] = doc
        ids.append(document.id)
    }

    /// Marks the buffered document with `id` deleted; true if there was one.
    @discardableResult
    func delete(id: String) -> Bool {
        guard let doc = liveDocByID.removeValue(forKey: id) else { return false }
        deleted.insert(doc)
        return true
    }

    /// Writes the buffered documents as a new segment in `directory` and returns its info (with deletes applied
    /// by the caller through the returned deleted set).
    func flush(to directory: String, id: UInt64) throws -> SegmentInfo {
        let docCount = ids.count
        let writer = try SegmentFilesWriter(
            directory: directory, id: id, docCount: docCount, fieldCount: schema.textFields.count)
        var docs: [UInt32] = [], freqs: [UInt32] = [], positions: [UInt32] = []
        for f in 0..<schema.textFields.count {
            writer.beginField(lengths: lengths[f])
            let table = terms[f]
            let n = table.count
            // Counting sort of tokens by term id (stable: doc and position order are kept).
            var starts = [Int](repeating: 0, count: n + 1)
            for t in tokenTerm[f] { starts[Int(t) + 1] += 1 }
            for i in 0..<n { starts[i + 1] += starts[i] }
            var fill = starts
            let total = tokenTerm[f].count
            var sortedDoc = [UInt32](repeating: 0, count: total)
            var sortedPos = [UInt32](repeating: 0, count: total)
            tokenTerm[f].withUnsafeBufferPointer { tt in
                tokenDoc[f].withUnsafeBufferPointer { td in
                    tokenPosition[f].withUnsafeBufferPointer { tp in
                        for i in 0..<total {
                            let t = Int(tt[i])
                            let at = fill[t]
                            sortedDoc[at] = td[i]
                            sortedPos[at] = tp[i]
                            fill[t] = at + 1
                        }
                    }
                }
            }
            for termID in table.sortedIDs() {
                let s = starts[Int(termID)], e = starts[Int(termID) + 1]
                docs.removeAll(keepingCapacity: true)
                freqs.removeAll(keepingCapacity: true)
                positions.removeAll(keepingCapacity: true)
                var i = s
                while i < e {
                    let d = sortedDoc[i]
                    var tf: UInt32 = 0
                    while i < e && sortedDoc[i] == d {
                        positions.append(sortedPos[i])
                        tf += 1
                        i += 1
                    }
                    docs.append(d)
                    freqs.append(tf)
                }
                // A term interned by a document whose analysis then failed has no postings.
                if docs.isEmpty { continue }
                try table.withTerm(Int(termID)) { term in
                    try docs.withUnsafeBufferPointer { d in
                        try freqs.withUnsafeBufferPointer { fq in
                            try positions.withUnsafeBufferPointer { p in
                                try writer.addTerm(term, docs: d, freqs: fq, positions: p)
                            }
                        }
                    }
                }
            }
            try writer.endField()
        }
        try writer.finishPostings()
        try writer.writeLengths(lengths)
        try writer.writeKeywords(ids: ids, fields: keywords)
        try writer.writeStored(names: storedNames, records: stored.bytes, ends: storedEnds)
        return SegmentInfo(id: id, docCount: docCount, deleteGeneration: 0, deletedCount: 0)
    }
}
