/// Consistent copies of an index, taken while a writer may be committing and merging.
///
/// Segment files never change once written, and a commit is the rename of a new manifest; what a plain `cp -r`
/// can get wrong is the removal of files a newer commit no longer names, between reading the manifest and copying
/// them. A backup pins the directory as a reader does (the writer then defers its
/// removals), links or copies every file the manifest it read names, and writes that manifest last: the copy is
/// the last commit at the time of the backup, whole, or — if copying fails — an empty directory again.
///
/// On the same file system files are hard links by default (instant, no space; safe because Kite never writes into
/// an existing file, so the writer's later commits and merges cannot change them). A link shares the disk with the
/// index: ``Method/copy`` makes a copy that survives the loss of that disk.
public enum IndexBackup {
    /// How a backup takes each file.
    public enum Method: Hashable, Sendable {
        /// A hard link where the destination is on the same file system and it allows links; a copy otherwise.
        case linkWhenPossible
        /// Always a copy of the bytes, fsynced.
        case copy
    }

    /// What a backup copied.
    public struct Summary: Hashable, Sendable {
        /// The commit generation copied.
        public var generation: UInt64
        /// Files taken, the manifest included.
        public var files: Int
        /// Of those, how many are hard links to the source's files.
        public var linkedFiles: Int
        /// Bytes of the files taken (linked or copied).
        public var bytes: Int
    }

    /// Copies the last commit of the index at `source` into `destination`, a directory that must not exist or be
    /// empty (so that a backup never mixes with other files). The source may be open by a writer and readers.
    ///
    /// A shard set (``ShardSet``) is copied shard by shard into `destination/shard-<i>`, each the last commit of that
    /// shard when it is copied, and its `shards` file is written last (the summary's generation is the sum).
    @discardableResult
    public static func copy(
        from source: String, to destination: String, method: Method = .linkWhenPossible
    ) throws(KiteError) -> Summary {
        try IndexDirectory.requireAbsentOrEmpty(destination, for: "back up into")
        guard let set = try ShardSet.read(directory: source) else { return try copyIndex(from: source, to: destination, method: method) }
        var total = Summary(generation: 0, files: 1, linkedFiles: 0, bytes: 0)
        let names = set.shards.indices.map { "shard-\($0)" }
        do throws(KiteError) {
            for (i, shard) in set.paths(in: source).enumerated() {
                let s = try copyIndex(from: shard, to: destination + "/" + names[i], method: method)
                total.generation += s.generation
                total.files += s.files
                total.linkedFiles += s.linkedFiles
                total.bytes += s.bytes
            }
            try ShardSet(shards: names).write(directory: destination)
        } catch {
            // As for one index: the destination is left empty for a retry (each shard's copy already removed its
            // own files on failure; the shards copied before go too).
            for name in names { IndexDirectory.removeTree(destination + "/" + name) }
            throw error
        }
        total.bytes += IndexDirectory.fileSize(destination + "/" + ShardSet.fileName)
        return total
    }

    private static func copyIndex(from source: String, to destination: String, method: Method) throws(KiteError) -> Summary {
        return try IndexDirectory.pinned(source) { () throws(KiteError) -> Summary in
            let manifest = try Manifest.read(directory: source)
            try IndexDirectory.createDirectory(destination)
            var bytes = 0, linked = 0
            var copied: [String] = []
            let names = manifest.referencedFiles.subtracting([Manifest.fileName]).sorted()
            do throws(KiteError) {
                for name in names {
                    let from = source + "/" + name, to = destination + "/" + name
                    switch method {
                    case .copy:
                        bytes += try IndexDirectory.copyFile(from, to: to)
                    case .linkWhenPossible:
                        let taken = try IndexDirectory.linkOrCopyFile(from, to: to)
                        bytes += taken.bytes
                        linked += taken.linked ? 1 : 0
                    }
                    copied.append(name)
                }
            } catch {
                // What was copied goes again, with the partial file: the destination is left empty for a retry.
                IndexDirectory.removeFiles(copied + (names.dropFirst(copied.count).first.map { [$0] } ?? []), in: destination)
                throw error
            }
            // The manifest as read (not the file, which a commit may have replaced since): last, atomically.
            try manifest.write(directory: destination)
            bytes += IndexDirectory.fileSize(destination + "/" + Manifest.fileName)
            return Summary(generation: manifest.generation, files: names.count + 1, linkedFiles: linked, bytes: bytes)
        }
    }
}
