
/// A point-in-time view of an index, for searching. Immutable and `Sendable`: share one among threads.
///
/// It sees the commit that was current when it was opened, whatever commits follow; open a new reader to see them.
/// A reader of a shard set (``ShardSet``) sees the current commit of every shard as one index.
public final class IndexReader: Sendable {
    /// The index directory (or the shard set's directory, or the first of the shards given).
    public let path: String
    /// One index directory of a reader and the commit it sees.
    public struct Shard: Hashable, Sendable {
        /// The index directory.
        public var path: String
        /// The commit generation seen.
        public var generation: UInt64
    }
    /// The indexes this reader searches as one: the index itself, or every shard of a shard set in routing order.
    public let shards: [Shard]
    /// The schema the index was built with.
    public let schema: Schema
    /// The analyzer the index was built with; queries are analyzed with it.
    public let analyzer: Analyzer
    /// The commit generation this reader sees; over shards, the sum of theirs, for display (it grows with a commit to
    /// any shard, but a restored shard can make an earlier sum come back: compare ``shards``' generations to tell
    /// whether a set changed).
    public let generation: UInt64
    /// Set when the index was analyzed by another ICU major version than the running one: stored fields, ids,
    /// statistics and checks are unaffected, but a query may be cut into words differently from the documents it
    /// should find (every ``SearchResults/warnings`` repeats it). `kite reindex` rebuilds the index from its stored
    /// fields with the running analyzer.
    public let analyzerWarning: String?
    let segments: [SegmentReader]
    let bases: [Int]
    /// N and the field length sums over every segment, for BM25.
    let collectionStatistics: CollectionStatistics
    private let passageDocumentsBuilt = BuiltOnce<PassageDocuments>()

    /// The documents split into passages over the segments, numbered reader-wide; built on first use.
    var passageDocuments: PassageDocuments { passageDocumentsBuilt.value { PassageDocuments(segments) } }

    /// Opens the current commit of the index at `path`, or of every shard when `path` is a shard set's directory
    /// (one with a ``ShardSet/fileName`` file).
    ///
    /// If `analyzer` is given and differs from the one the index was built with, throws
    /// ``KiteError/configurationMismatch(path:expected:found:)``.
    public convenience init(at path: String, analyzer expected: AnalyzerConfiguration? = nil) throws(KiteError) {
        let set = try ShardSet.read(directory: path)
        if set != nil, IndexDirectory.fileExists(path + "/" + Manifest.fileName) {
            throw .shardSet(path: path, reason: "the directory holds both an index (\(Manifest.fileName)) and a \(ShardSet.fileName) file")
        }
        try self.init(path: path, shardPaths: set?.paths(in: path) ?? [path], expected: expected)
    }

    /// Opens the current commit of each index in `shards` and searches them as one, with collection-wide BM25
    /// statistics (``ShardSet``). The shards must share one analyzer and schema, else ``KiteError/shardSet(path:reason:)``.
    /// A document id must be live in one shard only (``check()`` reports one that is not).
    public convenience init(shards: [String], analyzer expected: AnalyzerConfiguration? = nil) throws(KiteError) {
        guard let first = shards.first else { throw .shardSet(path: "", reason: "no shard given") }
        try self.init(path: first, shardPaths: shards, expected: expected)
    }

    private init(path: String, shardPaths: [String], expected: AnalyzerConfiguration?) throws(KiteError) {
        // One directory named twice (`s0`, `./s0`, its absolute path) would count its documents twice.
        var seen: [String: String] = [:]
        for shard in shardPaths {
            if shardPaths.count > 1, !IndexDirectory.fileExists(shard + "/" + Manifest.fileName),
                IndexDirectory.fileExists(shard + "/" + ShardSet.fileName) {
                throw .shardSet(path: path, reason: "\(shard) is itself a shard set: name its shards instead")
            }
            let canonical = IndexDirectory.canonicalPath(shard) ?? shard
            if let first = seen[canonical] {
                throw .shardSet(path: path, reason: "\(first) and \(shard) are the same directory")
            }
            seen[canonical] = shard
        }
        var opened: [(manifest: Manifest, segments: [SegmentReader])] = []
        var config = AnalyzerConfiguration.default
        var schema = Schema.default
        for (i, shard) in shardPaths.enumerated() {
            let (manifest, c, s, segments) = try IndexReader.openCommit(shard, expected: expected)
            if i == 0 {
                (config, schema) = (c, s)
            } else if manifest.analyzer != opened[0].manifest.analyzer || manifest.schema != opened[0].manifest.schema {
                let differs = manifest.analyzer != opened[0].manifest.analyzer
                    ? "analyzer \(manifest.analyzer), not \(opened[0].manifest.analyzer)"
                    : "schema \(manifest.schema), not \(opened[0].manifest.schema)"
                throw .shardSet(path: path, reason: "shard \(shard) was built with \(differs) as \(shardPaths[0])")
            }
            opened.append((manifest, segments))
        }
        self.path = path
        shards = zip(shardPaths, opened).map { Shard(path: $0, generation: $1.manifest.generation) }
        let analyzerName = opened[0].manifest.analyzer
        let running = "icu\(ICUVersion.major);"
        analyzerWarning = config.segmenter == .icu && !analyzerName.hasPrefix(running)
            ? "the index was analyzed with \(analyzerName.prefix { $0 != ";" }), this Kite runs \(running.dropLast()): "
                + "queries may be cut into words differently (kite reindex rebuilds it)"
            : nil
        self.schema = schema
        self.analyzer = Analyzer(config)
        self.generation = opened.reduce(0) { $0 + $1.manifest.generation }
        let segments = opened.flatMap(\.segments)
        self.segments = segments
        var bases: [Int] = []
        var total = 0
        for s in segments { bases.append(total); total += s.docCount }
        self.bases = bases
        self.collectionStatistics = CollectionStatistics(segments, textFieldCount: schema.textFields.count)
    }

    /// Reads the current manifest and maps every file it names, pinned against a writer's file removal
    /// (``IndexDirectory/pinned(_:_:)``; FORMAT.md, "Commit protocol").
    ///
    /// Where the directory cannot be locked, a file that vanished because a commit moved on sends the reader back to
    /// the newer manifest (each retry follows a new commit, as Lucene's `FindSegmentsFile`); a file missing from the
    /// commit that is still current is corruption.
    private static func openCommit(_ path: String, expected: AnalyzerConfiguration?) throws(KiteError)
        -> (Manifest, AnalyzerConfiguration, Schema, [SegmentReader])
    {
        var retries = 0
        while true {
            var generation: UInt64 = 0
            do {
                return try IndexDirectory.pinned(path) { () throws(KiteError) in
                    let manifest = try Manifest.read(directory: path)
                    generation = manifest.generation
                    let (config, schema) = try configuration(of: manifest, at: path, expected: expected)
                    var segments: [SegmentReader] = []
                    for info in manifest.segments {
                        segments.append(try SegmentReader(
                            directory: path, info: info, textFieldCount: schema.textFields.count,
                            keywordFieldCount: schema.keywordFields.count))
                    }
                    return (manifest, config, schema, segments)
                }
            } catch let error where error.isFileNotFound {
                let current = try Manifest.read(directory: path).generation
                guard case .io(let file, _, _) = error, current == generation else {
                    retries += 1
                    if retries > 100 { throw error }
                    continue
                }
                throw .corrupt(file: Manifest.fileName, reason: "names \(file.split(separator: "/").last ?? ""), which is missing")
            }
        }
    }

    /// The analyzer and schema a manifest names, checked against the running ICU and the caller's expectation.
    private static func configuration(of manifest: Manifest, at path: String, expected: AnalyzerConfiguration?)
        throws(KiteError) -> (AnalyzerConfiguration, Schema)
    {
        // Another ICU major version opens, with ``analyzerWarning``: the data is all there; only query analysis may differ.
        guard var config = AnalyzerConfiguration(fingerprint: manifest.analyzer) else {
            throw .configurationMismatch(path: path, expected: AnalyzerConfiguration.default.fingerprint, found: manifest.analyzer)
        }
        // The index's own dictionary, so that queries are cut as its documents were.
        if let digest = UserDictionary.digest(inFingerprint: manifest.analyzer) {
            config.dictionary = try DictionaryFile.read(digest: digest, directory: path)
        }
        if let expected, expected.fingerprint != manifest.analyzer {
            throw .configurationMismatch(path: path, expected: expected.fingerprint, found: manifest.analyzer)
        }
        guard let schema = Schema(fingerprint: manifest.schema) else {
            throw .corrupt(file: Manifest.fileName, reason: "unreadable schema \(manifest.schema)")
        }
        return (config, schema)
    }

    /// The on-disk format version this build writes (FORMAT.md); it also reads version 2. An index of another
    /// version is ``KiteError/unsupportedVersion(file:version:)``.
    public static let formatVersion = FileFormat.version

    /// Live (not deleted) documents.
    public var documentCount: Int { segments.reduce(0) { $0 + $1.liveCount } }
    /// Documents deleted but still in segments (until a merge drops them).
    public var deletedCount: Int { segments.reduce(0) { $0 + $1.deletes.count } }
    /// Number of segments.
    public var segmentCount: Int { segments.count }

    /// The segment and the document within it of reader-wide document number `global`.
    func locate(_ global: Int) -> (Int, Int) {
        var lo = 0, hi = bases.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if bases[mid] <= global { lo = mid + 1 } else { hi = mid }
        }
        return (lo - 1, global - bases[lo - 1])
    }

    /// The distinct values of keyword field `field` in the index, sorted (empty for an unknown field).
    public func values(ofKeyword field: String) -> [String] {
        guard let f = schema.keywordFields.firstIndex(of: field) else { return [] }
        return Set(segments.flatMap { $0.keywordValues[f] }).sorted()
    }

    /// Calls `body` with every live document (its id and stored fields) in the order of their ids' bytes, one at a
    /// time: what `kite export` writes and `kite reindex` indexes again. In that order a long document's passages
    /// follow it, `id#1` first, as ``IndexWriter/add(_:)`` expects them (the first passage replaces the document).
    public func forEachDocument(_ body: (Document) throws(KiteError) -> Void) throws(KiteError) {
        try forEachLiveID { (segment, d) throws(KiteError) in
            guard let id = segment.id(of: d) else { return }
            try body(Document(id: id, fields: try segment.storedFields(d)))
        }
    }

    /// Calls `body` with the segment and number of every live document, in the order of their ids' bytes (a merge
    /// of the segments' id orders; equal ids of different segments in segment order).
    func forEachLiveID<E: Error>(_ body: (SegmentReader, Int) throws(E) -> Void) throws(E) {
        var next = [Int](repeating: 0, count: segments.count)
        func advance(_ s: Int) {
            while next[s] < segments[s].docCount, segments[s].deletes.contains(segments[s].documentInIDOrder(next[s])) {
                next[s] += 1
            }
        }
        for s in segments.indices { advance(s) }
        while true {
            var best: (segment: Int, doc: Int)?
            for s in segments.indices where next[s] < segments[s].docCount {
                let d = segments[s].documentInIDOrder(next[s])
                if let b = best, compareBytes(segments[s].idBytes(d), segments[b.segment].idBytes(b.doc)) >= 0 { continue }
                best = (s, d)
            }
            guard let (s, d) = best else { return }
            next[s] += 1
            advance(s)
            try body(segments[s], d)
        }
    }

    /// Whether this reader still shows the current commit of every index it reads (Lucene's
    /// `DirectoryReader.isCurrent`): false once a writer has committed since it was opened, when a server opens a new
    /// reader for new searches (searches under way keep this one, whose files stay readable).
    public func isCurrent() throws(KiteError) -> Bool {
        for shard in shards where try Manifest.read(directory: shard.path).generation != shard.generation {
            return false
        }
        return true
    }

    /// The stored fields of the live document with external id `id`, if any.
    public func document(id: String) throws(KiteError) -> [String: String]? {
        for segment in segments.reversed() {
            for d in segment.documents(withID: id) where !segment.deletes.contains(d) {
                return try segment.storedFields(d)
            }
        }
        return nil
    }
}
