/// Combines segments into one, dropping deleted documents: postings are merged term by term (no re-analysis),
/// lengths, keywords and stored fields copied with documents renumbered in segment order.
enum Merger {
    static func merge(
        _ sources: [(reader: SegmentReader, deletes: DeleteSet)], schema: Schema, into directory: String
    ) throws -> SegmentInfo {
        // Old → new document numbers.
        var maps: [[Int32]] = []
        var total = 0
        for s in sources {
            var map = [Int32](repeating: -1, count: s.reader.docCount)
            for d in 0..<s.reader.docCount where !s.deletes.contains(d) {
                map[d] = Int32(total)
                total += 1
            }
            maps.append(map)
        }
        let id = SegmentID.make()
        let writer = try SegmentFilesWriter(directory: directory, id: id, docCount: total, fieldCount: schema.textFields.count)
        var allLengths: [[UInt32]] = []
        for f in 0..<schema.textFields.count {
            var lengths = [UInt32](repeating: 0, count: total)
            for (i, s) in sources.enumerated() {
                for d in 0..<s.reader.docCount where maps[i][d] >= 0 {
                    lengths[Int(maps[i][d])] = s.reader.fieldLength(f, d)
                }
            }
            allLengths.append(lengths)
            writer.beginField(lengths: lengths)
            // The sources' terms side by side, smallest first.
            var enumerators = sources.map { TermEnumerator(segment: $0.reader, field: f) }
            var live = [Bool](repeating: false, count: sources.count)
            for i in enumerators.indices { live[i] = try enumerators[i].next() }
            var docs: [UInt32] = [], freqs: [UInt32] = [], positions: [UInt32] = []
            var scratch: [Int32] = []
            var term: [UInt8] = []
            var readSinceRelease = 0
            while true {
                var smallest: Int? = nil
                for i in enumerators.indices where live[i] {
                    if let s = smallest, !enumerators[i].term.lexicographicallyPrecedes(enumerators[s].term) { continue }
                    smallest = i
                }
                guard let first = smallest else { break }
                term = enumerators[first].term
                docs.removeAll(keepingCapacity: true)
                freqs.removeAll(keepingCapacity: true)
                positions.removeAll(keepingCapacity: true)
                for i in enumerators.indices where live[i] && enumerators[i].term == term {
                    let cursor = try sources[i].reader.postingsCursor(enumerators[i].info)
                    try cursor.start()
                    while cursor.doc != PostingsCursor.exhausted {
                        let newDoc = maps[i][cursor.doc]
                        if newDoc >= 0 {
                            scratch.removeAll(keepingCapacity: true)
                            try cursor.positions(into: &scratch)
                            docs.append(UInt32(newDoc))
                            freqs.append(UInt32(cursor.freq))
                            for p in scratch { positions.append(UInt32(p)) }
                        }
                        try cursor.next()
                    }
                    readSinceRelease += enumerators[i].info.docFrequency
                    live[i] = try enumerators[i].next()
                }
                // The sources are read once, front to back: keep their mapped pages from piling up in memory.
                if readSinceRelease >= 1 << 18 {
                    readSinceRelease = 0
                    for s in sources { s.reader.releaseResidentPages() }
                }
                if docs.isEmpty { continue }
                try term.withUnsafeBufferPointer { t in try writer.addTerm(t, docs: docs, freqs: freqs, positions: positions) }
            }
            try writer.endField()
        }
        try writer.finishPostings()
        try writer.writeLengths(allLengths)

        // Ids in the new document order, then their sorted order: the sources' sorted orders merged.
        let keywords = try writer.keywordsOutput(fieldCount: schema.keywordFields.count)
        for (i, s) in sources.enumerated() {
            for d in 0..<s.reader.docCount where maps[i][d] >= 0 { try keywords.addID(s.reader.idBytes(d)) }
        }
        var order: [UInt32] = []
        order.reserveCapacity(total)
        var heads = [Int](repeating: 0, count: sources.count)
        func nextLive(_ i: Int) {
            while heads[i] < sources[i].reader.docCount && maps[i][sources[i].reader.documentInIDOrder(heads[i])] < 0 {
                heads[i] += 1
            }
        }
        for i in sources.indices { nextLive(i) }
        while true {
            var best: Int? = nil
            for i in sources.indices where heads[i] < sources[i].reader.docCount {
                guard let b = best else { best = i; continue }
                let c = compareBytes(sources[i].reader.idBytes(sources[i].reader.documentInIDOrder(heads[i])),
                                     sources[b].reader.idBytes(sources[b].reader.documentInIDOrder(heads[b])))
                if c < 0 { best = i }  // ties: the earlier source, whose documents come first
            }
            guard let b = best else { break }
            order.append(UInt32(maps[b][sources[b].reader.documentInIDOrder(heads[b])]))
            heads[b] += 1
            nextLive(b)
        }
        try keywords.finishIDs(order: order)
        order = []
        // Keyword fields: the values live documents use, sorted, each source's ordinals translated (values only
        // deleted documents had are dropped, as the documents are).
        for f in 0..<schema.keywordFields.count {
            var used = Set<String>()
            for (i, s) in sources.enumerated() {
                var seen = [Bool](repeating: false, count: s.reader.keywordValues[f].count)
                for d in 0..<s.reader.docCount where maps[i][d] >= 0 {
                    if let o = s.reader.keywordOrdinal(f, d) { seen[o] = true }
                }
                for (o, v) in s.reader.keywordValues[f].enumerated() where seen[o] { used.insert(v) }
            }
            let values = used.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            var ordinal: [String: UInt32] = [:]
            for (o, v) in values.enumerated() { ordinal[v] = UInt32(o) }
            var ordinals = [UInt32](repeating: UInt32.max, count: total)
            for (i, s) in sources.enumerated() {
                let translate = s.reader.keywordValues[f].map { ordinal[$0] ?? UInt32.max }
                for d in 0..<s.reader.docCount where maps[i][d] >= 0 {
                    if let o = s.reader.keywordOrdinal(f, d) { ordinals[Int(maps[i][d])] = translate[o] }
                }
            }
            try keywords.addField(values: values, ordinals: ordinals)
        }
        try keywords.finish()

        // Stored fields, a document at a time; the field names are the sources' names, in order of appearance.
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
            try s.reader.forEachStoredDocument { d, fields in
                if d % 1024 == 1023 { s.reader.releaseResidentPages() }
                guard maps[i][d] >= 0 else { return }
                var entries: [(name: Int, value: String)] = []
                for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                    guard let idx = nameIndex[name] else {
                        throw KiteError.corrupt(file: s.reader.storedFile.name, reason: "unknown stored field \(name)")
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
        for s in sources { s.reader.releaseResidentPages() }
        return SegmentInfo(id: id, docCount: total, deleteGeneration: 0, deletedCount: 0)
    }
}
