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
            // Each source's terms, in order.
            var lists: [[(term: [UInt8], info: TermInfo)]] = []
            for s in sources {
                var list: [(term: [UInt8], info: TermInfo)] = []
                try s.reader.forEachTerm(field: f) { t, info in
                    list.append((Array(t), info))
                    return true
                }
                lists.append(list)
            }
            var heads = [Int](repeating: 0, count: sources.count)
            var docs: [UInt32] = [], freqs: [UInt32] = [], positions: [UInt32] = []
            var scratch: [Int32] = []
            while true {
                var smallest: [UInt8]? = nil
                for i in 0..<lists.count where heads[i] < lists[i].count {
                    let t = lists[i][heads[i]].term
                    if smallest == nil || t.lexicographicallyPrecedes(smallest!) { smallest = t }
                }
                guard let term = smallest else { break }
                docs.removeAll(keepingCapacity: true)
                freqs.removeAll(keepingCapacity: true)
                positions.removeAll(keepingCapacity: true)
                for i in 0..<lists.count where heads[i] < lists[i].count && lists[i][heads[i]].term == term {
                    let cursor = try sources[i].reader.postingsCursor(lists[i][heads[i]].info)
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
                    heads[i] += 1
                }
                if docs.isEmpty { continue }
                try term.withUnsafeBufferPointer { t in try writer.addTerm(t, docs: docs, freqs: freqs, positions: positions) }
            }
            try writer.endField()
        }
        try writer.finishPostings()
        try writer.writeLengths(allLengths)

        var ids = [String](repeating: "", count: total)
        var keywords = [[String?]](repeating: [String?](repeating: nil, count: total), count: schema.keywordFields.count)
        for (i, s) in sources.enumerated() {
            for (k, d) in zip(s.reader.sortedIDs, s.reader.sortedIDDocs) where maps[i][Int(d)] >= 0 {
                ids[Int(maps[i][Int(d)])] = k
            }
            for f in 0..<schema.keywordFields.count {
                for d in 0..<s.reader.docCount where maps[i][d] >= 0 {
                    if let o = s.reader.keywordOrdinal(f, d) { keywords[f][Int(maps[i][d])] = s.reader.keywordValues[f][o] }
                }
            }
        }
        try writer.writeKeywords(ids: ids, fields: keywords)

        var names: [String] = []
        var nameIndex: [String: Int] = [:]
        var records = ByteWriter(capacity: 1 << 20)
        var ends: [Int] = []
        ends.reserveCapacity(total)
        for (i, s) in sources.enumerated() {
            try s.reader.forEachStoredDocument { d, fields in
                guard maps[i][d] >= 0 else { return }
                var record: [(name: Int, value: String)] = []
                for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                    let idx: Int
                    if let x = nameIndex[name] { idx = x } else {
                        idx = names.count; names.append(name); nameIndex[name] = idx
                    }
                    record.append((idx, value))
                }
                StoredRecord.append(record, to: &records)
                ends.append(records.count)
            }
        }
        try writer.writeStored(names: names, records: records.bytes, ends: ends)
        return SegmentInfo(id: id, docCount: total, deleteGeneration: 0, deletedCount: 0)
    }
}
