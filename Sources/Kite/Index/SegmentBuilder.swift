import CKite

/// The writer's in-memory segment: documents are analyzed into flat token records per field — one `UInt64`
/// (term id << 32 | position) per token, with each document's end recorded — which `flush` sorts by term with a
/// counting sort and encodes. Memory grows ~8 bytes per token plus the term arena and the stored text, compressed a
/// block at a time as documents arrive (``StoredBlocks``), which is what the RAM budget counts.
///
/// A builder belongs to one thread at a time. Which of its documents are replaced or deleted is the writer's
/// business (``IndexWriter``); the builder only numbers documents in the order they arrive.
final class SegmentBuilder {
    let schema: Schema
    let analyzer: AnalyzerConfiguration
    private let stream: TokenStream

    private var terms: [TermTable]
    private var tokens: [[UInt64]]
    /// Per field, the token count after each document (document d's tokens are `ends[d-1]..<ends[d]`).
    private var tokenEnds: [[Int]]
    private var lengths: [[UInt32]]
    private(set) var ids: [String] = []
    private var keywords: [[String?]]
    private var storedNames: [String] = []
    private var storedNameIndex: [String: Int] = [:]
    private let stored: StoredBlocks
    /// One document's stored record, reused.
    private var record = ByteWriter(capacity: 4096)
    /// One field's tokens before interning, reused across documents.
    private var batch = TokenBatch()

    /// A builder for `schema` and `analyzer`; given the `previous` builder of the same thread (flushed), it takes
    /// over its token stream and compressor, so that the stream's memo of Han runs, learned on the text so far,
    /// is not lost at every flush and no new buffers are allocated for them.
    init(schema: Schema, analyzer: AnalyzerConfiguration, reusing previous: SegmentBuilder? = nil) throws(KiteError) {
        self.schema = schema
        self.analyzer = analyzer
        if let previous, previous.analyzer == analyzer {
            stored = StoredBlocks(compressor: previous.stored.compressor)
            stream = previous.stream
        } else {
            stored = try StoredBlocks()
            do { stream = try TokenStream(analyzer) } catch { throw KiteError.analysis(error) }
        }
        let f = schema.textFields.count
        terms = (0..<f).map { _ in TermTable() }
        tokens = Array(repeating: [], count: f)
        tokenEnds = Array(repeating: [], count: f)
        lengths = Array(repeating: [], count: f)
        keywords = Array(repeating: [], count: schema.keywordFields.count)
    }

    var docCount: Int { ids.count }

    /// Approximate bytes held, for the RAM budget, with what ``flush(to:id:)`` allocates on top of them: a field's
    /// tokens sorted by term (8 bytes each), its term offsets twice and its terms in byte order (20 bytes per term),
    /// and one term's postings (12 bytes per token of the longest list, taken as a sixteenth of the field's tokens).
    /// The peak of a writer comes during a flush, so that is what the budget must bound: counting only what is
    /// held, `kite index --ram-budget 64` peaked 1.27 MiB higher per MiB of budget.
    var memoryBytes: Int {
        var total = stored.memoryBytes + ids.count * 64
        var flush = 0
        for f in 0..<terms.count {
            total += terms[f].memoryBytes + tokens[f].capacity * 8 + tokenEnds[f].capacity * 8 + lengths[f].capacity * 4
            flush = max(flush, tokens[f].count * 8 + terms[f].count * 20 + tokens[f].count * 12 / 16)
        }
        return total + keywords.count * ids.count * 16 + flush
    }

    /// Analyzes and buffers `document` as the next local document; on failure the buffer is unchanged.
    func add(_ document: Document) throws(KiteError) {
        var newLengths: [UInt32] = []
        let marks = tokens.map(\.count)
        do throws(KiteError) {
            for (f, name) in schema.textFields.enumerated() {
                guard let value = document.fields[name], !value.isEmpty else { newLengths.append(0); continue }
                var length: UInt32 = 0
                var utf8 = value
                var batch = self.batch  // (a copy of the same buffers: the builder's stays unused until it is given back)
                var list = tokens[f]
                tokens[f] = []
                defer { self.batch = batch; tokens[f] = list }
                let table = terms[f]
                // The closure below reaches the table through an unretained reference: a captured class would be
                // retained and released around every specialized call that takes the closure (emitJoin,
                // emitSubwords: once per word, ~3 % of indexing's time). `terms` holds the table throughout.
                let unretained = Unmanaged.passUnretained(table)
                batch.removeAll()
                // `withUTF8` only rethrows: the typed error comes out as a value.
                let analyzed = utf8.withUTF8 { (buf: UnsafeBufferPointer<UInt8>) -> Result<Void, AnalysisError> in
                    do throws(AnalysisError) {
                        try stream.analyze(UnsafeRawBufferPointer(buf), validUTF8: true) { term, info in
                            batch.append(term, position: info.position)
                            if batch.count >= TokenBatch.limit {  // a huge field is interned a batch at a time
                                batch.intern(into: unretained.takeUnretainedValue(), appendingTo: &list)
                                batch.removeAll()
                            }
                            if info.isWord { length = UInt32(info.position) + 1 }
                        }
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
                if case .failure(let error) = analyzed { throw KiteError.analysis(error) }
                batch.intern(into: table, appendingTo: &list)
                newLengths.append(length)
            }
        } catch {
            // Roll back tokens already added for this document (interned terms may stay: they get no postings).
            for g in 0..<tokens.count { tokens[g].removeLast(tokens[g].count - marks[g]) }
            throw error
        }
        for f in 0..<schema.textFields.count {
            lengths[f].append(newLengths[f])
            tokenEnds[f].append(tokens[f].count)
        }
        for (k, name) in schema.keywordFields.enumerated() {
            keywords[k].append(document.fields[name])
        }
        var record: [(name: Int, value: String)] = []
        record.reserveCapacity(document.fields.count)
        for (name, value) in document.fields.sorted(by: { $0.key < $1.key }) {
            let idx: Int
            if let i = storedNameIndex[name] { idx = i } else {
                idx = storedNames.count
                storedNames.append(name)
                storedNameIndex[name] = idx
            }
            record.append((idx, value))
        }
        self.record.bytes.removeAll(keepingCapacity: true)
        StoredRecord.append(record, to: &self.record)
        stored.add(self.record)
        ids.append(document.id)
    }

    /// Writes the buffered documents as a new segment in `directory` and returns its info.
    func flush(to directory: String, id: UInt64) throws(KiteError) -> SegmentInfo {
        let docCount = ids.count
        let writer = try SegmentFilesWriter(
            directory: directory, id: id, docCount: docCount, fieldCount: schema.textFields.count)
        // One term's postings, written by index (no array bookkeeping per posting); room for the longest list.
        var docs = UnsafeMutableBufferPointer<UInt32>(start: nil, count: 0)
        var freqs = docs, positions = docs
        defer { docs.deallocate(); freqs.deallocate(); positions.deallocate() }
        for f in 0..<schema.textFields.count {
            writer.beginField(lengths: lengths[f])
            let table = terms[f]
            let n = table.count
            let total = tokens[f].count
            // Counting sort of tokens by term id (stable: doc and position order are kept), into `doc << 32 |
            // position` records: one scattered store per token (the sort's cost is those stores' cache misses).
            var starts = [Int](repeating: 0, count: n + 1)
            var sorted = [UInt64](repeating: 0, count: total)
            tokens[f].withUnsafeBufferPointer { tk in
                for t in tk { starts[Int(t >> 32) + 1] += 1 }
                for i in 0..<n { starts[i + 1] += starts[i] }
                var fill = starts
                fill.withUnsafeMutableBufferPointer { fill in
                    sorted.withUnsafeMutableBufferPointer { out in
                        var i = 0
                        // (The slot of the token 16 ahead is prefetched: `fill` is as long as the field's terms.)
                        let ahead = max(0, total - 16)
                        for (d, end) in tokenEnds[f].enumerated() {
                            while i < end {
                                if i < ahead { kite_prefetch(fill.baseAddress! + Int(tk[i + 16] >> 32)) }
                                let t = Int(tk[i] >> 32)
                                out[fill[t]] = UInt64(d) << 32 | (tk[i] & 0xFFFF_FFFF)
                                fill[t] += 1
                                i += 1
                            }
                        }
                    }
                }
            }
            let longest = (0..<n).reduce(0) { max($0, starts[$1 + 1] - starts[$1]) }
            if longest > positions.count {
                for buffer in [docs, freqs, positions] { buffer.deallocate() }
                (docs, freqs, positions) = (.allocate(capacity: longest), .allocate(capacity: longest), .allocate(capacity: longest))
            }
            let order = table.sortedIDs()
            for (j, termID) in order.enumerated() {
                // Terms come in byte order, their postings in id order: prefetch where the next ones begin.
                if j + 8 < order.count { starts.withUnsafeBufferPointer { kite_prefetch($0.baseAddress! + Int(order[j + 8])) } }
                if j + 2 < order.count, total > 0 {
                    sorted.withUnsafeBufferPointer { kite_prefetch($0.baseAddress! + starts[Int(order[j + 2])]) }
                }
                let s = starts[Int(termID)], e = starts[Int(termID) + 1]
                // A term interned by a document whose analysis then failed has no postings.
                if s == e { continue }
                var i = s, docCount = 0
                while i < e {
                    let d = sorted[i] >> 32
                    var tf: UInt32 = 0
                    while i < e && sorted[i] >> 32 == d {
                        positions[i - s] = UInt32(truncatingIfNeeded: sorted[i])
                        tf += 1
                        i += 1
                    }
                    docs[docCount] = UInt32(d)
                    freqs[docCount] = tf
                    docCount += 1
                }
                try table.withTerm(Int(termID)) { (term) throws(KiteError) in
                    try writer.addTerm(term, docs: UnsafeBufferPointer(rebasing: docs[..<docCount]),
                                       freqs: UnsafeBufferPointer(rebasing: freqs[..<docCount]),
                                       positions: UnsafeBufferPointer(rebasing: positions[..<(e - s)]))
                }
            }
            try writer.endField()
        }
        try writer.finishPostings()
        try writer.writeLengths(lengths)
        try writer.writeKeywords(ids: ids, fields: keywords)
        try writer.writeStored(names: storedNames, blocks: stored)
        return SegmentInfo(id: id, docCount: docCount, deleteGeneration: 0, deletedCount: 0)
    }
}

/// One field's tokens of one document, held until analysis ends and then interned as a batch: each term's hash
/// slot is prefetched some tokens ahead, so the table's cache misses (one per token, the indexer's largest cost
/// after ICU) overlap instead of following one another.
struct TokenBatch {
    /// Tokens held at most before they are interned (a field of millions of tokens is not held whole).
    static let limit = 4096

    /// A token: where its bytes end in the batch, its hash, its position.
    struct Token {
        var end: Int
        var hash: UInt64
        var position: Int32
    }

    /// The raw buffers of a batch, freed with the last copy of it. The batch appends through its own copies of the
    /// pointers (struct fields, no uniqueness check and no generic copy per token as an array's append had: 5 % of
    /// indexing's instructions) and hands grown buffers over to this to free.
    private final class Storage {
        var bytes: UnsafeMutablePointer<UInt8>
        var tokens: UnsafeMutablePointer<Token>
        init(byteCapacity: Int, tokenCapacity: Int) {
            bytes = .allocate(capacity: byteCapacity)
            tokens = .allocate(capacity: tokenCapacity)
        }
        deinit {
            bytes.deallocate()
            tokens.deallocate()
        }
    }

    private let storage: Storage
    private var bytes: UnsafeMutablePointer<UInt8>
    private var byteCount = 0, byteCapacity: Int
    private var tokens: UnsafeMutablePointer<Token>
    private(set) var count = 0
    private var tokenCapacity: Int

    init() {
        (byteCapacity, tokenCapacity) = (1 << 14, 1 << 10)
        storage = Storage(byteCapacity: byteCapacity, tokenCapacity: tokenCapacity)
        (bytes, tokens) = (storage.bytes, storage.tokens)
    }

    mutating func removeAll() {
        byteCount = 0
        count = 0
    }

    @inline(__always)
    mutating func append(_ term: UnsafeBufferPointer<UInt8>, position: Int32) {
        if byteCount + term.count > byteCapacity { growBytes(byteCount + term.count) }
        if count == tokenCapacity { growTokens() }
        if let base = term.baseAddress { (bytes + byteCount).update(from: base, count: term.count) }
        byteCount += term.count
        tokens[count] = Token(end: byteCount, hash: TermTable.hash(UnsafeRawBufferPointer(term)), position: position)
        count += 1
    }

    private mutating func growBytes(_ needed: Int) {
        byteCapacity = max(needed, 2 * byteCapacity)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: byteCapacity)
        grown.update(from: bytes, count: byteCount)
        storage.bytes.deallocate()
        (storage.bytes, bytes) = (grown, grown)
    }

    private mutating func growTokens() {
        tokenCapacity *= 2
        let grown = UnsafeMutablePointer<Token>.allocate(capacity: tokenCapacity)
        grown.initialize(from: tokens, count: count)
        storage.tokens.deallocate()
        (storage.tokens, tokens) = (grown, grown)
    }

    /// Interns every term into `table` and appends its `term id << 32 | position` record to `records`.
    func intern(into table: TermTable, appendingTo records: inout [UInt64]) {
        let ahead = 12
        for t in 0..<min(ahead, count) { table.prefetch(hash: tokens[t].hash) }
        var start = 0
        for i in 0..<count {
            if i + ahead < count { table.prefetch(hash: tokens[i + ahead].hash) }
            let t = tokens[i]
            let id = table.intern(UnsafeBufferPointer(start: bytes + start, count: t.end - start), hash: t.hash)
            records.append(UInt64(id) << 32 | UInt64(UInt32(bitPattern: t.position)))
            start = t.end
        }
    }
}
