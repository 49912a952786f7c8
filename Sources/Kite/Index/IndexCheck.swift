/// Sizes and counts of an index, for `kite stats`.
public struct IndexStatistics: Hashable, Sendable, Codable {
    /// Live documents.
    public var documents: Int
    /// Deleted documents still held by segments.
    public var deletedDocuments: Int
    /// Segments in the commit (over a shard set, in every shard).
    public var segments: Int
    /// Indexes searched as one: 1, or the shards of a shard set.
    public var shards: Int
    /// Distinct terms per text field, summed over segments (a term in two segments counts twice).
    public var terms: [String: Int]
    /// Bytes on disk per file kind (`tim`, `doc`, `pos`, `len`, `kwd`, `sto`, `del`, `manifest`, `dictionary`).
    public var bytesByKind: [String: Int]
    /// The commit generation (over a shard set, the sum of the shards').
    public var generation: UInt64
    /// The analyzer fingerprint.
    public var analyzer: String

    /// Total bytes on disk.
    public var totalBytes: Int { bytesByKind.values.reduce(0, +) }

    private enum CodingKeys: String, CodingKey {
        case documents, deletedDocuments, segments, shards, terms, bytesByKind, generation, analyzer
    }

    /// Decodes statistics, those saved before shard sets (no `shards`) as one index.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        documents = try c.decode(Int.self, forKey: .documents)
        deletedDocuments = try c.decode(Int.self, forKey: .deletedDocuments)
        segments = try c.decode(Int.self, forKey: .segments)
        shards = try c.decodeIfPresent(Int.self, forKey: .shards) ?? 1
        terms = try c.decode([String: Int].self, forKey: .terms)
        bytesByKind = try c.decode([String: Int].self, forKey: .bytesByKind)
        generation = try c.decode(UInt64.self, forKey: .generation)
        analyzer = try c.decode(String.self, forKey: .analyzer)
    }

    init(documents: Int, deletedDocuments: Int, segments: Int, shards: Int, terms: [String: Int],
         bytesByKind: [String: Int], generation: UInt64, analyzer: String) {
        (self.documents, self.deletedDocuments, self.segments, self.shards) = (documents, deletedDocuments, segments, shards)
        (self.terms, self.bytesByKind, self.generation, self.analyzer) = (terms, bytesByKind, generation, analyzer)
    }
}

/// What ``IndexReader/check()`` found.
public struct CheckReport: Hashable, Sendable {
    /// Files whose checksums were verified (the small ones on open, the large ones by the check itself).
    public var filesVerified: Int
    /// Postings decoded (documents × terms).
    public var postingsDecoded: Int
    /// Problems found, each naming a file; empty when the index is sound.
    public var problems: [String]

    /// True when no problem was found.
    public var isSound: Bool { problems.isEmpty }
}

extension IndexReader {
    /// Counts and sizes.
    public func statistics() -> IndexStatistics {
        var bytes: [String: Int] = [:]
        var terms: [String: Int] = [:]
        for shard in shards {
            bytes["manifest", default: 0] += IndexDirectory.fileSize(shard.path + "/" + Manifest.fileName)
            if let dictionary = analyzer.configuration.dictionary {
                bytes["dictionary", default: 0] += IndexDirectory.fileSize(
                    shard.path + "/" + UserDictionary.fileName(digest: dictionary.digest))
            }
        }
        for s in segments {
            for kind in SegmentInfo.segmentFileKinds {
                bytes[kind.fileExtension, default: 0] += IndexDirectory.fileSize(s.directory + "/" + s.info.fileName(kind))
            }
            if s.info.deleteGeneration > 0 {
                bytes["del", default: 0] += IndexDirectory.fileSize(s.directory + "/" + s.info.fileName(.deletes))
            }
            for (f, name) in schema.textFields.enumerated() { terms[name, default: 0] += s.fields[f].termCount }
        }
        return IndexStatistics(documents: documentCount, deletedDocuments: deletedCount, segments: segments.count, shards: shards.count,
                               terms: terms, bytesByKind: bytes, generation: generation,
                               analyzer: analyzer.configuration.fingerprint)
    }

    /// Verifies every checksum and decodes every structure: term order, postings (documents in range and
    /// increasing, frequencies matching positions), stored fields, keyword ordinals, field lengths against positions.
    /// Over a shard set, also that no document id is live in two shards (a document routed to one shard and later
    /// to another would be found twice).
    public func check() -> CheckReport {
        var report = CheckReport(filesVerified: shards.count, postingsDecoded: 0, problems: [])
        for s in segments {
            do throws(KiteError) {
                try s.verifyChecksums()
                report.filesVerified += SegmentInfo.segmentFileKinds.count + (s.info.deleteGeneration > 0 ? 1 : 0)
                try checkSegment(s, &report)
            } catch {
                // Over a shard set, which shard: the files' names alone repeat from shard to shard.
                report.problems.append(shards.count > 1 ? "\(s.directory): \(error.description)" : error.description)
            }
        }
        if shards.count > 1 { report.problems += duplicateIDs() }
        return report
    }

    /// Ids live in more than one document, the first 10 named with the directories holding them, then how many more.
    private func duplicateIDs() -> [String] {
        var problems: [String] = []
        var more = 0
        var previous: (id: [UInt8], directory: String)?
        forEachLiveID { segment, d in
            let bytes = Array(segment.idBytes(d))
            if let p = previous, p.id == bytes {
                if problems.count == 10 { more += 1; return }
                problems.append("document \(String(decoding: bytes, as: UTF8.self).debugDescription) is live in both "
                    + "\(p.directory) and \(segment.directory)")
            }
            previous = (bytes, segment.directory)
        }
        if more > 0 { problems.append("\(more) more documents are live in two shards") }
        return problems
    }

    private func checkSegment(_ s: SegmentReader, _ report: inout CheckReport) throws(KiteError) {
        var positions: [Int32] = []
        for f in schema.textFields.indices {
            var previous: [UInt8]? = nil
            var count = 0
            var maxPosition = [Int32](repeating: -1, count: s.docCount)
            try s.forEachTerm(field: f) { (term, info) throws(KiteError) -> Bool in
                let bytes = Array(term)
                if let p = previous, !p.lexicographicallyPrecedes(bytes) {
                    throw KiteError.corrupt(file: s.terms.name, reason: "terms out of order")
                }
                guard String(validating: bytes, as: UTF8.self) != nil else {
                    throw KiteError.corrupt(file: s.terms.name, reason: "term is not UTF-8")
                }
                if bytes.first == JoinFilter.mark, !s.termDictionary.mayHoldJoin(field: f, term: term) {
                    throw KiteError.corrupt(file: s.terms.name, reason: "a join term is missing from its field's join filter")
                }
                previous = bytes
                count += 1
                let c = try s.postingsCursor(info)
                try c.start()
                var n = 0
                while c.doc != PostingsCursor.exhausted {
                    positions.removeAll(keepingCapacity: true)
                    try c.positions(into: &positions)
                    let freq = try c.frequency()
                    guard positions.count == freq, zip(positions, positions.dropFirst()).allSatisfy({ $0 < $1 })
                    else { throw KiteError.corrupt(file: s.positions.name, reason: "positions do not match frequencies") }
                    if let last = positions.last, last > maxPosition[c.doc] { maxPosition[c.doc] = last }
                    // The skip entry's maxima must bound the block (top-k search skips by them).
                    if c.hasSkipEntries {
                        let b = n / postingsBlockSize
                        guard UInt32(freq) <= c.blockMaxFreq(b), s.fieldLength(f, c.doc) >= c.blockMinLength(b) else {
                            throw KiteError.corrupt(file: s.postings.name, reason: "block \(b) maxima do not bound its postings")
                        }
                    }
                    n += 1
                    try c.next()
                }
                guard n == info.docFrequency else {
                    throw KiteError.corrupt(file: s.postings.name, reason: "\(n) postings, dictionary says \(info.docFrequency)")
                }
                report.postingsDecoded += n
                return true
            }
            guard count == s.fields[f].termCount else {
                throw .corrupt(file: s.terms.name, reason: "\(count) terms, index says \(s.fields[f].termCount)")
            }
            for d in 0..<s.docCount where Int(maxPosition[d]) >= Int(s.fieldLength(f, d)) && maxPosition[d] >= 0 {
                throw .corrupt(file: s.lengthsFile.name, reason: "document \(d) has a position beyond its field length")
            }
        }
        try s.forEachStoredDocument { _, _ in }
    }
}
