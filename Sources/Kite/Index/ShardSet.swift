/// Several index directories searched as one: a directory holding a `shards` file that names them.
///
/// An index past one machine's patience is built as shards, each an ordinary index of the documents whose id
/// ``shard(ofDocument:count:)`` routes to it (a stable hash, so that a later run's update or delete of a document
/// lands in the shard that holds it). ``IndexReader/init(at:analyzer:)`` opens a shard-set directory as one index
/// over all the shards' segments, ranked with collection-wide statistics: N, document frequencies and average field
/// lengths summed over every shard, so the scores are the ones a single index holding the same documents in its
/// segments gives (what Elasticsearch calls `dfs_query_then_fetch` and Lucene's `MultiReader` does). As there,
/// deleted documents count in N until a merge drops them, so a set with updates behind it and a freshly built index
/// can differ slightly until both are merged; and equal scores are ordered by document number, which follows shard
/// order.
///
/// The `shards` file is UTF-8 text, one shard directory per line, relative to the set's directory or absolute; line
/// *i* (blank lines and `#` comments aside) is shard *i* of the routing. A shard-set directory is read-only as a
/// whole: writers open the shard a document routes to.
public struct ShardSet: Hashable, Sendable {
    /// The name of the file that makes a directory a shard set.
    public static let fileName = "shards"

    /// The shard directories as the file names them (relative to the set's directory, or absolute).
    public var shards: [String]

    /// A set of `shards` (directories relative to the set's directory, or absolute).
    public init(shards: [String]) {
        self.shards = shards
    }

    /// The shard a document with id `id` belongs to among `count`: FNV-1a (64-bit) of the id's UTF-8 bytes, modulo
    /// `count`. Route a document by the id it is indexed under, before any split into passages (`id#1`, `id#2`
    /// follow their document into its shard, as indexing splits after routing).
    ///
    /// The function is part of the format: the Spark job (`Scale/spark/`) computes the same value in Python.
    public static func shard(ofDocument id: String, count: Int) -> Int {
        precondition(count > 0, "a shard set has at least one shard")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    /// `line` without the spaces and tabs at either end (a line of the `shards` file).
    static func trimmingSpaces(_ line: Substring) -> String {
        let isSpace = { (c: Character) in c.isWhitespace && !c.isNewline }
        guard let first = line.firstIndex(where: { !isSpace($0) }), let last = line.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(line[first...last])
    }

    /// The shard set described in `directory`, or nil when the directory has no `shards` file.
    public static func read(directory: String) throws(KiteError) -> ShardSet? {
        let path = directory + "/" + fileName
        guard IndexDirectory.fileExists(path) else { return nil }
        let bytes = try IndexDirectory.readSmallFile(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .shardSet(path: directory, reason: "\(fileName) is not UTF-8")
        }
        var shards: [String] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let entry = ShardSet.trimmingSpaces(line)
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            shards.append(entry)
        }
        guard !shards.isEmpty else { throw .shardSet(path: directory, reason: "\(fileName) names no shard") }
        return ShardSet(shards: shards)
    }

    /// The shard directories as paths usable from the working directory.
    public func paths(in directory: String) -> [String] {
        shards.map { $0.hasPrefix("/") ? $0 : directory + "/" + $0 }
    }

    /// Writes the `shards` file into `directory` (created if missing), atomically. A directory that holds an index
    /// cannot become a shard set.
    public func write(directory: String) throws(KiteError) {
        guard !shards.isEmpty else { throw .shardSet(path: directory, reason: "a shard set names at least one shard") }
        for s in shards where s.isEmpty || s.contains(where: \.isNewline) || ShardSet.trimmingSpaces(s[...]) != s
            || s.hasPrefix("#") {
            throw .shardSet(path: directory, reason: "shard directory \(s.debugDescription) cannot be written in \(ShardSet.fileName)")
        }
        try IndexDirectory.createDirectory(directory)
        guard !IndexDirectory.fileExists(directory + "/" + Manifest.fileName) else {
            throw .shardSet(path: directory, reason: "the directory holds an index")
        }
        let text = "# Kite shard set: line i is shard i of FNV-1a-64(document id) mod \(shards.count)\n"
            + shards.joined(separator: "\n") + "\n"
        try IndexDirectory.writeFileAtomically(directory + "/" + ShardSet.fileName, bytes: Array(text.utf8))
    }
}
