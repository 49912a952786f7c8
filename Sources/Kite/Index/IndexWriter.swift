import Dispatch

/// Adds, replaces and deletes documents, and publishes them atomically with ``commit()``.
///
/// One writer per index directory at a time (a `flock` on `write.lock`; a second one gets
/// ``KiteError/indexLocked(path:)``). Documents are buffered in memory up to the RAM budget, then flushed as an
/// immutable segment; nothing is visible to readers, and nothing survives a crash, until `commit()` has renamed the
/// new manifest into place. `Sendable`: calls from several threads or tasks are serialized by an internal lock (each
/// waits for the one in progress; analysis runs on the writer's own threads with ``Options/threads``).
public final class IndexWriter: @unchecked Sendable {
    /// Serializes the public calls: the state below is only touched under it.
    private let serial = Mutex()
    /// Tuning of a writer.
    public struct Options: Sendable {
        /// Flush segments when the buffered documents, with what flushing them allocates, take about this many
        /// bytes (default ``defaultRAMBudget``).
        public var ramBudget: Int
        /// 384 MB: `kite index` of a 60 MB corpus (laws.jsonl) buffers it whole and writes one segment, peaking at
        /// about 330 MiB; the budget counts the flush's own allocations, so the process stays within it plus the
        /// runtime's and ICU's fixed memory.
        public static let defaultRAMBudget = 384 << 20
        /// After a commit, merge the smallest segments while there are more than this many (default 10).
        public var mergeFactor: Int
        /// Whether commits run the merge policy.
        public var mergesAfterCommit: Bool
        /// Analysis threads: each fills its own in-memory segment, as tantivy does (1: analyze on the caller's
        /// thread). With more than one, `add` hands documents to the threads and returns; an analysis failure
        /// then surfaces at the next `add` or `commit` and the writer must be closed.
        public var threads: Int

        /// Creates options; the defaults suit most corpora.
        public init(ramBudget: Int = defaultRAMBudget, mergeFactor: Int = 10, mergesAfterCommit: Bool = true, threads: Int = 1) {
            self.ramBudget = ramBudget
            self.mergeFactor = max(2, mergeFactor)
            self.mergesAfterCommit = mergesAfterCommit
            self.threads = max(1, min(threads, 64))
        }
    }

    /// The index directory.
    public let path: String
    /// The schema the index was built with.
    public let schema: Schema
    /// The analyzer the index was built with.
    public let analyzer: AnalyzerConfiguration
    /// The writer's options.
    public let options: Options

    private struct Live {
        var info: SegmentInfo
        var reader: SegmentReader
        var deletes: DeleteSet
        var dirty: Bool
    }

    /// One in-memory segment and, with several threads, the serial queue that fills it.
    private final class Slot: @unchecked Sendable {
        var builder: SegmentBuilder
        let queue: DispatchQueue?
        /// Bounds the batches queued ahead of the analysis thread: enough to keep it busy while the writer's thread
        /// parses (a batch is ~64 KB of text, milliseconds of analysis), few enough that queued text (outside the
        /// RAM budget) stays small.
        let room = DispatchSemaphore(value: 8)
        /// Documents not yet handed to the analysis thread, and their bytes (writer's thread only): they go as one
        /// task once a batch holds ``batchLimit`` bytes or documents, so that the thread is woken once a batch
        /// rather than once a document (short documents: a task, a wake-up and four locks each cost 2 threads 13 %
        /// more CPU than 1).
        var batch: [(document: Document, size: Int)] = []
        var batchBytes = 0
        static let batchLimit = (bytes: 64 << 10, documents: 64)
        /// Documents handed to this slot since its last flush (their local numbers are 0..<enqueued).
        var enqueued = 0
        /// Local documents replaced or deleted while buffered (writer's thread only).
        var deleted: Set<UInt32> = []
        /// A failure on the analysis thread (read after draining the queue).
        var failure: KiteError?
        /// Shared between the writer's thread and the analysis thread: UTF-8 bytes queued but not yet analyzed,
        /// and the builder's memory after its last document.
        let lock = Mutex()
        var queuedBytes = 0
        var memory = 0

        init(builder: SegmentBuilder, threaded: Bool, index: Int) {
            self.builder = builder
            queue = threaded ? DispatchQueue(label: "kite.analysis.\(index)") : nil
        }

        /// Adds `document` (of `size` bytes) to the batch, handing the batch over once it is full.
        func enqueue(_ document: Document, size: Int) {
            batch.append((document, size))
            batchBytes += size
            if batchBytes >= Self.batchLimit.bytes || batch.count >= Self.batchLimit.documents { submit() }
        }

        /// Hands the batch to the analysis thread (waiting while ``room`` is exhausted).
        func submit() {
            guard let queue, !batch.isEmpty else { return }
            let documents = batch, bytes = batchBytes
            batch = []
            batchBytes = 0
            room.wait()
            queue.async {
                defer { self.room.signal() }
                guard self.lock.withLock({ self.failure }) == nil else { return }
                do throws(KiteError) {
                    for item in documents { try self.builder.add(item.document) }
                    let memory = self.builder.memoryBytes
                    self.lock.withLock { self.queuedBytes -= bytes; self.memory = memory }
                } catch {
                    self.lock.withLock { self.failure = error }
                }
            }
        }

        /// Waits until every document handed to this slot is analyzed.
        func drain() {
            submit()
            queue?.sync {}
        }

        /// Drops the documents not yet handed over, then waits for the rest (a rollback).
        func discard() {
            batch = []
            batchBytes = 0
            queue?.sync {}
        }
    }

    private let lock: WriteLock
    private var manifest: Manifest
    private var segments: [Live] = []
    private var slots: [Slot] = []
    /// Buffered documents by id: slot and local document.
    private var buffered: [UTF8Key: (slot: Int, doc: UInt32)] = [:]
    /// Ids of buffered passages by their document's id (entries whose passage left ``buffered`` are stale).
    private var bufferedPassages: [UTF8Key: [UTF8Key]] = [:]
    private var addsSinceMemoryCheck = 0
    /// UTF-8 bytes of text added so far, counted until ``dictionaryPreloadAfter``, when ICU's dictionary is built in
    /// the background (``HanDictionary/loadInBackground()``): a job that large will have its streams ask for it.
    private var textAdded = 0
    private static let dictionaryPreloadAfter = 256 << 10
    private var closed = false
    private var pendingChanges = false
    /// The generation of the last manifest this writer tried to publish (see ``publish()``).
    private var lastAttemptedGeneration: UInt64 = 0

    /// Opens the index at `path` for writing, creating it (and the directory) if there is none.
    ///
    /// An existing index must have been built with the same `schema` and `analyzer`, else
    /// ``KiteError/configurationMismatch(path:expected:found:)``. Leftover files of an interrupted writer are removed.
    public init(
        at path: String, schema: Schema = .default, analyzer: AnalyzerConfiguration = .default,
        options: Options = Options()
    ) throws(KiteError) {
        try schema.validate()
        guard !IndexDirectory.fileExists(path + "/" + ShardSet.fileName) else {
            throw KiteError.shardSet(path: path, reason: "a shard set is read-only as a whole: write into its shards, each "
                + "document into the one ShardSet.shard(ofDocument:count:) routes it to")
        }
        self.path = path
        self.schema = schema
        self.analyzer = analyzer
        self.options = options
        try IndexDirectory.createDirectory(path)
        lock = try WriteLock(directory: path)
        do throws(KiteError) {
            do {
                manifest = try Manifest.read(directory: path)
            } catch .indexNotFound {
                manifest = Manifest(generation: 0, analyzer: analyzer.fingerprint, schema: schema.fingerprint, segments: [])
            }
            guard manifest.analyzer == analyzer.fingerprint else {
                throw KiteError.configurationMismatch(path: path, expected: analyzer.fingerprint, found: manifest.analyzer)
            }
            guard manifest.schema == schema.fingerprint else {
                throw KiteError.configurationMismatch(path: path, expected: schema.fingerprint, found: manifest.schema)
            }
            IndexDirectory.removeUnreferenced(path, keep: manifest.referencedFiles, waitingUpTo: 100)
            if let dictionary = analyzer.dictionary { try DictionaryFile.ensure(dictionary, directory: path) }
            for info in manifest.segments {
                let reader = try SegmentReader(
                    directory: path, info: info, textFieldCount: schema.textFields.count,
                    keywordFieldCount: schema.keywordFields.count)
                segments.append(Live(info: info, reader: reader, deletes: reader.deletes, dirty: false))
            }
            for i in 0..<options.threads {
                let b = try SegmentBuilder(schema: schema, analyzer: analyzer)
                slots.append(Slot(builder: b, threaded: options.threads > 1, index: i))
            }
        } catch {
            lock.release()
            throw error
        }
    }

    /// Documents in the committed index plus those added since, minus deletes.
    public var liveDocumentCount: Int {
        serial.withLock {
            segments.reduce(0) { $0 + $1.info.docCount - $1.deletes.count } + slots.reduce(0) { $0 + $1.enqueued - $1.deleted.count }
        }
    }

    /// Adds `document`, replacing any document with the same id (committed or not).
    public func add(_ document: Document) throws(KiteError) {
        try serial.withLock { () throws(KiteError) in try addLocked(document) }
    }

    /// Throws ``KiteError/invalidDocument(id:reason:)`` for a document ``add(_:)`` would refuse (an empty or
    /// over-long id, a passage-shaped id of another document, a field over 2 GiB), so that a batch can be checked
    /// whole before any of it is added.
    public static func validate(_ document: Document) throws(KiteError) {
        guard !document.id.isEmpty else { throw .invalidDocument(id: document.id, reason: "empty id") }
        guard document.id.utf8.count <= 4096 else { throw .invalidDocument(id: String(document.id.prefix(40)), reason: "id longer than 4096 bytes") }
        if let passage = PassageID.split(document.id), document["report"] != passage.document {
            throw .invalidDocument(id: document.id, reason: "ids ending in #<number> are reserved for the passages of a long document")
        }
        for (name, value) in document.fields where value.utf8.count >= Int(Int32.max) {
            throw .invalidDocument(id: document.id, reason: "field \(name) is larger than 2 GiB")
        }
    }

    private func addLocked(_ document: Document) throws(KiteError) {
        guard !closed else { throw .writerClosed }
        try Self.validate(document)
        let passage = PassageID.split(document.id)
        var index = 0
        if slots.count > 1 {
            // The slot with the least text waiting, so that one long document does not hold the others up.
            var least = Int.max
            for (i, s) in slots.enumerated() {
                let q = s.lock.withLock { s.queuedBytes }
                if q < least { least = q; index = i }
            }
        }
        let slot = slots[index]
        let size = document.fields.values.reduce(0) { $0 + $1.utf8.count }
        if textAdded < Self.dictionaryPreloadAfter {
            textAdded += size
            if textAdded >= Self.dictionaryPreloadAfter && analyzer.segmenter == .icu { HanDictionary.loadInBackground() }
        }
        if slot.queue != nil {
            if let failure = slot.lock.withLock({ slot.failure }) { throw failure }
            slot.lock.withLock { slot.queuedBytes += size }
            slot.enqueue(document, size: size)
        } else {
            try slot.builder.add(document)
            slot.memory = slot.builder.memoryBytes
        }
        let local = UInt32(slot.enqueued)
        slot.enqueued += 1
        // A whole document, or the first passage of one, replaces the document with all its passages; a later
        // passage replaces only its own id (the first one already cleared the rest).
        if passage == nil || passage?.number == 1 {
            removeDocument(passage?.document ?? document.id)
        } else {
            removeExactly(document.id)
        }
        let key = UTF8Key(document.id)
        buffered[key] = (index, local)
        if let passage { bufferedPassages[UTF8Key(passage.document), default: []].append(key) }
        pendingChanges = true
        addsSinceMemoryCheck += 1
        if addsSinceMemoryCheck >= 64 {
            addsSinceMemoryCheck = 0
            let bytes = slots.reduce(0) { total, s in total + s.lock.withLock { s.memory } }
            if bytes >= options.ramBudget { try flush() }
        }
    }

    /// A builder's flush into a new segment of `path`, as a value (flushes of several slots run concurrently).
    private static func flushResult(_ builder: SegmentBuilder, _ path: String) -> Result<SegmentInfo, KiteError> {
        do throws(KiteError) { return .success(try builder.flush(to: path, id: SegmentID.make())) } catch { return .failure(error) }
    }

    /// Deletes the document with `id`, with every passage of it (`id#1`, `id#2`, … of a long body), if any;
    /// returns whether anything was found.
    @discardableResult
    public func delete(id: String) throws(KiteError) -> Bool {
        try serial.withLock { () throws(KiteError) in try deleteLocked(id: id) }
    }

    private func deleteLocked(id: String) throws(KiteError) -> Bool {
        guard !closed else { throw .writerClosed }
        let found = removeDocument(id)
        if found { pendingChanges = true }
        return found
    }

    /// Marks deleted the document `id` and its passages, buffered or in segments.
    @discardableResult
    private func removeDocument(_ id: String) -> Bool {
        var found = removeExactly(id)
        for passage in bufferedPassages.removeValue(forKey: UTF8Key(id)) ?? [] where removeBuffered(passage) { found = true }
        let key = SegmentReader.IDKey(id)
        if markDeleted({ $0.passages(ofDocument: key) }) { found = true }
        return found
    }

    /// Marks deleted the document with exactly this id, buffered or in segments.
    @discardableResult
    private func removeExactly(_ id: String) -> Bool {
        let inBuffer = removeBuffered(UTF8Key(id))
        let key = SegmentReader.IDKey(id)
        let inSegments = markDeleted { $0.documents(withID: key) }
        return inBuffer || inSegments
    }

    /// Drops a buffered document (its slot marks it deleted); whether there was one.
    private func removeBuffered(_ key: UTF8Key) -> Bool {
        guard let old = buffered.removeValue(forKey: key) else { return false }
        slots[old.slot].deleted.insert(old.doc)
        return true
    }

    /// Marks deleted, in every segment, the documents `select` names; whether any was live.
    private func markDeleted(_ select: (SegmentReader) -> [Int]) -> Bool {
        var found = false
        for i in segments.indices {
            for d in select(segments[i].reader) where segments[i].deletes.insert(d) {
                segments[i].dirty = true
                found = true
            }
        }
        return found
    }

    /// Writes the buffered documents as segments (not yet committed), one per slot, in parallel.
    private func flush() throws(KiteError) {
        for slot in slots { slot.drain() }
        for slot in slots { if let failure = slot.lock.withLock({ slot.failure }) { throw failure } }
        let full = slots.filter { $0.enqueued > 0 }
        guard !full.isEmpty else { return }
        let path = self.path
        final class Results: @unchecked Sendable {
            var items: [Result<SegmentInfo, KiteError>?]
            let lock = Mutex()
            init(_ n: Int) { items = Array(repeating: nil, count: n) }
        }
        let results = Results(full.count)
        if full.count == 1 {
            results.items[0] = Self.flushResult(full[0].builder, path)
        } else {
            DispatchQueue.concurrentPerform(iterations: full.count) { i in
                let r = Self.flushResult(full[i].builder, path)
                results.lock.withLock { results.items[i] = r }
            }
        }
        // Buffered ids of the slots whose documents are now in segments must go, even if another slot's flush
        // fails: a later replace or delete of those ids then finds them in the segments, not in a new buffer.
        var flushedSlots = Set<Int>()
        defer {
            if !flushedSlots.isEmpty {
                buffered = buffered.filter { !flushedSlots.contains($0.value.slot) }
                bufferedPassages = bufferedPassages.compactMapValues { ids in
                    let left = ids.filter { buffered[$0] != nil }
                    return left.isEmpty ? nil : left
                }
            }
        }
        for (slot, result) in zip(full, results.items) {
            let info: SegmentInfo
            switch result {
            case .success(let i)?: info = i
            case .failure(let e)?: throw e
            case nil: throw .corrupt(file: "", reason: "flush did not run")
            }
            let reader = try SegmentReader(
                directory: path, info: info, textFieldCount: schema.textFields.count,
                keywordFieldCount: schema.keywordFields.count)
            var deletes = DeleteSet(docCount: info.docCount)
            for d in slot.deleted { deletes.insert(Int(d)) }
            segments.append(Live(info: info, reader: reader, deletes: deletes, dirty: deletes.count > 0))
            if let index = slots.firstIndex(where: { $0 === slot }) { flushedSlots.insert(index) }
            slot.builder = try SegmentBuilder(schema: schema, analyzer: analyzer, reusing: slot.builder)
            slot.enqueued = 0
            slot.deleted = []
            slot.memory = 0
        }
    }

    /// Flushes buffered documents and publishes everything added or deleted so far as one atomic commit.
    ///
    /// When it returns, the commit is durable (files and directory fsynced). Then, if there are more segments than
    /// ``Options/mergeFactor``, the smallest are merged and committed again; a merge that cannot write then (a full
    /// disk) does not fail the commit, which stands: the segments stay unmerged until a later commit merges them. A
    /// merge that finds a damaged segment throws (the commit still stands).
    public func commit() throws(KiteError) {
        try serial.withLock { () throws(KiteError) in try commitLocked() }
    }

    private func commitLocked() throws(KiteError) {
        guard !closed else { throw .writerClosed }
        try flush()
        try publish()
        guard options.mergesAfterCommit else { return }
        // The commit stands from here on. A merge that fails (a full disk) leaves the segments as they are, its
        // partial files are removed, and the next commit tries again; the next write that needs the space fails.
        let policy = MergePolicy(mergeFactor: options.mergeFactor)
        do throws(KiteError) {
            while let chosen = policy.afterCommit(live: liveCounts) {
                try merge(chosen)
                try publish()
            }
        } catch {
            // Keep what the last commit names and what the writer holds (a merge that succeeded before a failed
            // publish is published by the next commit); remove the rest, the failed merge's partial files.
            let held = Manifest(generation: manifest.generation, analyzer: manifest.analyzer, schema: manifest.schema,
                                segments: segments.map(\.info))
            IndexDirectory.removeUnreferenced(path, keep: manifest.referencedFiles.union(held.referencedFiles))
            // Only a failure to write (a full disk) is the merge's alone; damage found in a source segment is news.
            guard case .io = error else { throw error }
        }
    }

    /// Each segment's live documents, in segment order (what the merge policy decides on).
    private var liveCounts: [Int] { segments.map { $0.info.docCount - $0.deletes.count } }

    /// Merges segments until at most `maxSegments` remain (deleted documents are dropped), then commits.
    public func forceMerge(maxSegments: Int = 1) throws(KiteError) {
        try serial.withLock { () throws(KiteError) in try forceMergeLocked(maxSegments: maxSegments) }
    }

    private func forceMergeLocked(maxSegments: Int) throws(KiteError) {
        guard !closed else { throw .writerClosed }
        try flush()
        let policy = MergePolicy(mergeFactor: options.mergeFactor)
        if let chosen = policy.forced(live: liveCounts, hasDeletes: segments.map { $0.deletes.count > 0 },
                                      maxSegments: maxSegments) {
            try merge(chosen)
        }
        try publish()
    }

    private func merge(_ indices: [Int]) throws(KiteError) {
        let chosen = indices.sorted()
        let sources = chosen.map { (reader: segments[$0].reader, deletes: segments[$0].deletes) }
        let info = try Merger.merge(sources, schema: schema, into: path)
        let reader = try SegmentReader(
            directory: path, info: info, textFieldCount: schema.textFields.count,
            keywordFieldCount: schema.keywordFields.count)
        let first = chosen[0]
        for i in chosen.reversed() { segments.remove(at: i) }
        segments.insert(Live(info: info, reader: reader, deletes: DeleteSet(docCount: info.docCount), dirty: false), at: first)
        pendingChanges = true
    }

    private func publish() throws(KiteError) {
        guard pendingChanges || manifest.generation == 0 else { return }
        // Write new delete files for segments whose deletes changed.
        var infos: [SegmentInfo] = []
        for i in segments.indices {
            let live = segments[i].info.docCount - segments[i].deletes.count
            if live == 0 { continue }  // fully deleted segments drop out of the commit
            if segments[i].dirty {
                var info = segments[i].info
                info.deleteGeneration += 1
                info.deletedCount = segments[i].deletes.count
                try DeletesFile.write(segments[i].deletes, info, directory: path)
                segments[i].info = info
                segments[i].dirty = false
            }
            infos.append(segments[i].info)
        }
        segments.removeAll { $0.info.docCount - $0.deletes.count == 0 }
        try IndexDirectory.sync(path)
        // A manifest write that failed after its rename (syncing the directory) may be visible to readers: the next
        // attempt takes a new generation all the same, so that no two different commits share one.
        let generation = max(manifest.generation, lastAttemptedGeneration) + 1
        lastAttemptedGeneration = generation
        let next = Manifest(generation: generation, analyzer: manifest.analyzer, schema: manifest.schema, segments: infos)
        try next.write(directory: path)
        manifest = next
        pendingChanges = false
        // Readers that already mapped old files keep them (POSIX unlink semantics); a reader opening right now pins
        // the directory, and then the files stay until a later commit or close removes them.
        IndexDirectory.removeUnreferenced(path, keep: next.referencedFiles)
    }

    /// Discards everything added or deleted since the last commit and releases the lock.
    public func rollback() {
        serial.withLock { rollbackLocked() }
    }

    private func rollbackLocked() {
        guard !closed else { return }
        closed = true
        for slot in slots { slot.discard() }
        IndexDirectory.removeUnreferenced(path, keep: manifest.referencedFiles, waitingUpTo: 200)
        lock.release()
    }

    /// Releases the lock without committing (uncommitted changes are discarded).
    public func close() {
        serial.withLock { rollbackLocked() }
    }
}
