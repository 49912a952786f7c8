/// Combines segments into one, dropping deleted documents: postings are merged term by term (no re-analysis),
/// lengths, keywords and stored fields copied with documents renumbered in segment order.
///
/// One phase per file kind, in the order the files are written: a ``DocMap`` first, then postings and lengths per
/// text field, ids, keyword fields, stored fields.
enum Merger {
    typealias Source = (reader: SegmentReader, deletes: DeleteSet)

    static func merge(_ sources: [Source], schema: Schema, into directory: String) throws(KiteError) -> SegmentInfo {
        let docs = DocMap(sources)
        let id = SegmentID.make()
        let writer = try SegmentFilesWriter(directory: directory, id: id, docCount: docs.total, fieldCount: schema.textFields.count)
        var lengths: [[UInt32]] = []
        for f in 0..<schema.textFields.count {
            lengths.append(docs.lengths(field: f, of: sources))
            writer.beginField(lengths: lengths[f])
            try mergePostings(field: f, sources, docs, into: writer)
            try writer.endField()
        }
        try writer.finishPostings()
        try writer.writeLengths(lengths)
        let keywords = try writer.keywordsOutput(fieldCount: schema.keywordFields.count)
        try mergeIDs(sources, docs, into: keywords)
        for f in 0..<schema.keywordFields.count { try mergeKeywordField(f, sources, docs, into: keywords) }
        try keywords.finish()
        try mergeStored(sources, docs, into: writer)
        for s in sources { s.reader.releaseResidentPages() }
        return SegmentInfo(id: id, docCount: docs.total, deleteGeneration: 0, deletedCount: 0)
    }

    /// Old → new document numbers: the live documents of each source in order, the sources one after another.
    struct DocMap {
        private(set) var maps: [[Int32]] = []
        private(set) var total = 0

        init(_ sources: [Source]) {
            for s in sources {
                var map = [Int32](repeating: -1, count: s.reader.docCount)
                for d in 0..<s.reader.docCount where !s.deletes.contains(d) {
                    map[d] = Int32(total)
                    total += 1
                }
                maps.append(map)
            }
        }

        /// The new number of document `doc` of source `source`, or nil when it is deleted.
        @inline(__always)
        subscript(source: Int, doc: Int) -> Int? {
            let n = maps[source][doc]
            return n >= 0 ? Int(n) : nil
        }

        /// The lengths of text field `field` in the new numbering.
        func lengths(field: Int, of sources: [Source]) -> [UInt32] {
            var lengths = [UInt32](repeating: 0, count: total)
            for (i, s) in sources.enumerated() {
                for d in 0..<s.reader.docCount { if let n = self[i, d] { lengths[n] = s.reader.fieldLength(field, d) } }
            }
            return lengths
        }
    }

    /// The sources' terms of one field side by side, smallest first; each term's live postings renumbered and
    /// concatenated in source order (which keeps them increasing).
    private static func mergePostings(
        field f: Int, _ sources: [Source], _ docMap: DocMap, into writer: SegmentFilesWriter
    ) throws(KiteError) {
        var enumerators = sources.map { TermEnumerator(segment: $0.reader, field: f) }
        var live = [Bool](repeating: false, count: sources.count)
        for i in enumerators.indices { live[i] = try enumerators[i].next() }
        // Postings are read with pread, term by term, not through the sources' maps (``TermPostingsReader``); a
        // term's bytes end where the next term's begin, and the field's last term's where the next field's begin.
        var readers: [TermPostingsReader] = []
        var fieldEnds: [(postings: Int, positions: Int)?] = []
        for s in sources {
            readers.append(try TermPostingsReader(segment: s.reader))
            fieldEnds.append(try firstPostings(after: f, in: s.reader))
        }
        var docs: [UInt32] = [], freqs: [UInt32] = [], positions: [UInt32] = []
        var scratch: [Int32] = []
        var readSinceRelease = 0
        while true {
            var smallest: Int? = nil
            for i in enumerators.indices where live[i] {
                if let s = smallest, !enumerators[i].term.lexicographicallyPrecedes(enumerators[s].term) { continue }
                smallest = i
            }
            guard let first = smallest else { break }
            let term = enumerators[first].term
            docs.removeAll(keepingCapacity: true)
            freqs.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
            for i in enumerators.indices where live[i] && enumerators[i].term == term {
                let info = enumerators[i].info
                live[i] = try enumerators[i].next()
                let end = live[i] ? (enumerators[i].info.postingsOffset, enumerators[i].info.positionsOffset) : fieldEnds[i]
                let cursor = try readers[i].cursor(info, endingAt: end)
                try cursor.start()
                while cursor.doc != PostingsCursor.exhausted {
                    if let newDoc = docMap[i, cursor.doc] {
                        scratch.removeAll(keepingCapacity: true)
                        try cursor.positions(into: &scratch)
                        docs.append(UInt32(newDoc))
                        freqs.append(UInt32(try cursor.frequency()))
                        for p in scratch { positions.append(UInt32(p)) }
                    }
                    try cursor.next()
                }
                readSinceRelease += info.docFrequency
            }
            // The sources' term dictionaries are read once, front to back: keep their mapped pages from piling up.
            if readSinceRelease >= 1 << 18 {
                readSinceRelease = 0
                for s in sources { s.reader.releaseResidentPages() }
            }
            if docs.isEmpty { continue }
            try term.withUnsafeBufferPointer { (t) throws(KiteError) in
                try writer.addTerm(t, docs: docs, freqs: freqs, positions: positions)
            }
        }
    }

    /// Where the postings and positions of the first term after text field `field` begin in `reader` (the next
    /// field with terms); nil when no field after it has terms (the bodies' ends).
    private static func firstPostings(after field: Int, in reader: SegmentReader) throws(KiteError) -> (postings: Int, positions: Int)? {
        for g in (field + 1)..<reader.termDictionary.fields.count {
            var terms = TermEnumerator(segment: reader, field: g)
            if try terms.next() { return (terms.info.postingsOffset, terms.info.positionsOffset) }
        }
        return nil
    }

    /// Ids in the new document order, then their sorted order: the sources' sorted orders merged (ties: the earlier
    /// source, whose documents come first). Each source's ids are read through its map once, in document order, and
    /// its pages let go after; the merge of the orders reads the sources' ids with pread (``IDOrderReader``), so that
    /// no source's keywords file stays resident while the others are read.
    private static func mergeIDs(_ sources: [Source], _ docMap: DocMap, into keywords: KeywordsOutput) throws(KiteError) {
        for (i, s) in sources.enumerated() {
            for d in 0..<s.reader.docCount where docMap[i, d] != nil { try keywords.addID(s.reader.idBytes(d)) }
            s.reader.keywordsFile.releaseResidentPages()
        }
        var order: [UInt32] = []
        order.reserveCapacity(docMap.total)
        let heads = try sources.map { (s) throws(KiteError) in try IDOrderReader(segment: s.reader) }
        func nextLive(_ i: Int, from position: Int) throws(KiteError) {
            let h = heads[i]
            try h.move(to: position)
            while h.position < h.count && docMap[i, h.document] == nil { try h.move(to: h.position + 1) }
            if h.position < h.count { try h.loadID() }
        }
        for i in sources.indices { try nextLive(i, from: 0) }
        while true {
            var best: Int? = nil
            for i in sources.indices where heads[i].position < heads[i].count {
                guard let b = best else { best = i; continue }
                if compareBytes(heads[i].id, heads[b].id) < 0 { best = i }
            }
            guard let b = best, let n = docMap[b, heads[b].document] else { break }
            order.append(UInt32(n))
            try nextLive(b, from: heads[b].position + 1)
        }
        try keywords.finishIDs(order: order)
    }

    /// One keyword field: the values live documents use, sorted, each source's ordinals translated (values only
    /// deleted documents had are dropped, as the documents are).
    private static func mergeKeywordField(
        _ f: Int, _ sources: [Source], _ docMap: DocMap, into keywords: KeywordsOutput
    ) throws(KiteError) {
        var used = Set<String>()
        for (i, s) in sources.enumerated() {
            var seen = [Bool](repeating: false, count: s.reader.keywordValues[f].count)
            for d in 0..<s.reader.docCount where docMap[i, d] != nil {
                if let o = s.reader.keywordOrdinal(f, d) { seen[o] = true }
            }
            for (o, v) in s.reader.keywordValues[f].enumerated() where seen[o] { used.insert(v) }
            s.reader.keywordsFile.releaseResidentPages()
        }
        let values = used.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var ordinal: [String: UInt32] = [:]
        for (o, v) in values.enumerated() { ordinal[v] = UInt32(o) }
        var ordinals = [UInt32](repeating: UInt32.max, count: docMap.total)
        for (i, s) in sources.enumerated() {
            let translate = s.reader.keywordValues[f].map { ordinal[$0] ?? UInt32.max }
            for d in 0..<s.reader.docCount {
                if let n = docMap[i, d], let o = s.reader.keywordOrdinal(f, d) { ordinals[n] = translate[o] }
            }
            s.reader.keywordsFile.releaseResidentPages()
        }
        try keywords.addField(values: values, ordinals: ordinals)
    }

    /// Stored fields, a document at a time; the field names are the sources' names, in order of appearance.
    private static func mergeStored(_ sources: [Source], _ docMap: DocMap, into writer: SegmentFilesWriter) throws(KiteError) {
        var names: [String] = []
        var nameIndex: [String: Int] = [:]
        for s in sources {
            for name in s.reader.storedNames where nameIndex[name] == nil {
                nameIndex[name] = names.count
                names.append(name)
            }
        }
        let stored = try writer.storedOutput(names: names)
        var record = ByteWriter(capacity: 1 << 16)
        for (i, s) in sources.enumerated() {
            try s.reader.forEachStoredDocument { (d, fields) throws(KiteError) in
                if d % 1024 == 1023 { s.reader.releaseResidentPages() }
                guard docMap[i, d] != nil else { return }
                var entries: [(name: Int, value: String)] = []
                for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                    guard let idx = nameIndex[name] else {
                        throw .corrupt(file: s.reader.storedFile.name, reason: "unknown stored field \(name)")
                    }
                    entries.append((idx, value))
                }
                record.bytes.removeAll(keepingCapacity: true)
                StoredRecord.append(entries, to: &record)
                try stored.add(record.bytes)
            }
            s.reader.releaseResidentPages()
        }
        try stored.finish()
    }
}
