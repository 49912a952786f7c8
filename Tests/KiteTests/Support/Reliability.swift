import Foundation
import Testing
@testable import Kite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Helpers of the reliability, race and matching tests: sample documents, a killable `kite` child, shell runs,
// shared state for threads.

/// Documents cut from the bundled corpus: one paragraph of the 2026 provincial work reports each.
enum RelCorpus {
    static let paragraphs: [String] = {
        let path = KiteProcess.repository + "/Corpus/gov-work-reports-provincial-2026.jsonl"
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var out: [String] = []
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let body = obj["text"] as? String
            else { continue }
            for p in body.split(separator: "\n") {
                let t = p.trimmingCharacters(in: .whitespaces)
                if t.count >= 30 { out.append(t) }
            }
        }
        return out
    }()

    static let periods = ["2024", "2025Q1", "2025-03", "2026"]

    /// `count` documents with ids `<prefix>0000`…, a title, a one-paragraph body and a period.
    static func documents(
        _ count: Int, prefix: String = "d", paragraphOffset: Int = 0, extra: String = "", maxLength: Int = .max
    ) -> [Document] {
        precondition(!paragraphs.isEmpty, "corpus not found")
        return (0..<count).map { i in
            let body = String(paragraphs[(i + paragraphOffset) % paragraphs.count].prefix(maxLength))
            return Document(id: prefix + String(format: "%04d", i), fields: [
                "title": String(body.prefix(12)), "body": extra + body, "period": periods[i % periods.count],
            ])
        }
    }

    /// JSON Lines of `docs`, as Kite's corpora spell them (`text` is the body).
    static func jsonl(_ docs: some Sequence<Document>) -> String {
        var out = ""
        for d in docs {
            var obj: [String: String] = ["id": d.id]
            if let t = d["title"] { obj["title"] = t }
            if let b = d["body"] { obj["text"] = b }
            if let p = d["period"] { obj["period"] = p }
            let data = try! JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            out += String(decoding: data, as: UTF8.self) + "\n"
        }
        return out
    }
}

/// A `kite` child process that the test may kill at any moment.
final class RelChild {
    let process = Process()

    init(_ args: [String], stderr: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: KiteProcess.binary)
        process.arguments = args
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        if let stderr {
            _ = FileManager.default.createFile(atPath: stderr, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: stderr)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    func kill9() { _ = Glibc.kill(process.processIdentifier, SIGKILL) }

    /// Waits for the child; `killed` when a signal ended it.
    func wait() -> (killed: Bool, status: Int32) {
        process.waitUntilExit()
        return (process.terminationReason == .uncaughtSignal, process.terminationStatus)
    }
}

enum Rel {
    /// Runs `/bin/sh -c script binary args…` (the script sees the binary as `$0`), capturing its output.
    static func shell(_ script: String, _ args: [String]) throws -> KiteProcess.Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script, KiteProcess.binary] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return KiteProcess.Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                                  stderr: String(decoding: e, as: UTF8.self))
    }

    /// The reader of the index at `dir`, or nil when there is no index (no commit yet).
    static func openIfPresent(_ dir: String) throws(KiteError) -> IndexReader? {
        do {
            return try IndexReader(at: dir)
        } catch .indexNotFound {
            return nil
        }
    }

    /// The ids of the live documents, each once.
    static func liveIDs(_ r: IndexReader, sourceLocation: SourceLocation = #_sourceLocation) throws -> Set<String> {
        let res = try r.search(Query.all, options: SearchOptions(limit: r.documentCount + 10, facetField: nil,
                                                                  highlights: false, storedFields: false))
        let ids = res.hits.map(\.id)
        #expect(res.totalHits == r.documentCount, sourceLocation: sourceLocation)
        #expect(Set(ids).count == ids.count, "an id is returned twice", sourceLocation: sourceLocation)
        return Set(ids)
    }

    /// Kite's files in `dir` (`seg-*`, `manifest.tmp`) that the current manifest does not reference.
    static func unreferencedFiles(_ dir: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: dir) else { return [] }
        var keep: Set<String> = []
        if FileManager.default.fileExists(atPath: dir + "/" + Manifest.fileName) {
            keep = try Manifest.read(directory: dir).referencedFiles
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        return names.filter { ($0.hasPrefix("seg-") || $0 == Manifest.temporaryName) && !keep.contains($0) }.sorted()
    }

    /// Every file of the current commit exists, and no `seg-*` or `manifest.tmp` outside it is left over.
    static func expectOnlyReferencedFiles(_ dir: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        let leftovers = try unreferencedFiles(dir)
        #expect(leftovers.isEmpty, "left over after a writer opened and closed: \(leftovers)", sourceLocation: sourceLocation)
        if let m = try? Manifest.read(directory: dir) {
            let missing = m.referencedFiles.subtracting(names)
            #expect(missing.isEmpty, "referenced but missing: \(missing.sorted())", sourceLocation: sourceLocation)
        }
    }

    /// Opens and closes a writer (which must succeed and remove the leftovers of a crashed one), then checks the
    /// directory listing against the manifest.
    static func reopenWriterAndCheckFiles(_ dir: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let w = try IndexWriter(at: dir)
        w.close()
        try expectOnlyReferencedFiles(dir, sourceLocation: sourceLocation)
    }

    /// Same hits, scores and period counts in `a` and `b` (scores to within rounding).
    static func expectSameResults(_ a: IndexReader, _ b: IndexReader, queries: [String],
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
        let opts = SearchOptions(limit: 1000, facetField: "period", highlights: false, storedFields: false)
        for q in queries {
            let ra = try a.search(q, options: opts), rb = try b.search(q, options: opts)
            #expect(ra.totalHits > 0, "\(q) finds nothing", sourceLocation: sourceLocation)
            #expect(ra.totalHits == rb.totalHits, "\(q): \(ra.totalHits) vs \(rb.totalHits) hits", sourceLocation: sourceLocation)
            let sa = Dictionary(ra.hits.map { ($0.id, $0.score) }, uniquingKeysWith: { x, _ in x })
            let sb = Dictionary(rb.hits.map { ($0.id, $0.score) }, uniquingKeysWith: { x, _ in x })
            #expect(Set(sa.keys) == Set(sb.keys), "\(q): different hits", sourceLocation: sourceLocation)
            for (id, s) in sa {
                guard let t = sb[id] else { continue }
                #expect(abs(s - t) <= 1e-9 * max(1, abs(s)), "\(q) \(id): score \(s) vs \(t)", sourceLocation: sourceLocation)
            }
            #expect(ra.facets.map(\.value) == rb.facets.map(\.value) && ra.facets.map(\.count) == rb.facets.map(\.count),
                    "\(q): different period counts", sourceLocation: sourceLocation)
        }
    }

    static func copy(_ from: String, _ to: String) throws {
        try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    static func sleep(seconds: Double) {
        if seconds > 0 { usleep(useconds_t(seconds * 1_000_000)) }
    }

    /// A uniform double in [0, 1).
    static func unit(_ rng: inout SeededRandom) -> Double { Double(rng.next() >> 11) / Double(1 << 53) }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Rewrites the CRC of a Kite file's footer so that it matches the (edited) bytes before it.
    static func fixCRC(_ bytes: inout [UInt8]) {
        let crc = bytes.withUnsafeBytes { FileFormat.crc(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)])) }
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8((crc >> (8 * UInt32(i))) & 0xFF) }
    }

    /// The offset of the first byte that is not part of valid UTF-8 (the start of the bad sequence), or nil.
    static func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
        var i = 0
        let n = b.count
        func cont(_ k: Int) -> Bool { k < n && b[k] & 0xC0 == 0x80 }
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            if c >= 0xC2 && c <= 0xDF {
                guard cont(i + 1) else { return i }
                i += 2
            } else if c >= 0xE0 && c <= 0xEF {
                guard cont(i + 1), cont(i + 2) else { return i }
                let cp = (UInt32(c & 0x0F) << 12) | (UInt32(b[i + 1] & 0x3F) << 6) | UInt32(b[i + 2] & 0x3F)
                guard cp >= 0x800, !(0xD800...0xDFFF).contains(cp) else { return i }
                i += 3
            } else if c >= 0xF0 && c <= 0xF4 {
                guard cont(i + 1), cont(i + 2), cont(i + 3) else { return i }
                let cp = (UInt32(c & 0x07) << 18) | (UInt32(b[i + 1] & 0x3F) << 12) | (UInt32(b[i + 2] & 0x3F) << 6)
                    | UInt32(b[i + 3] & 0x3F)
                guard cp >= 0x10000, cp <= 0x10FFFF else { return i }
                i += 4
            } else {
                return i
            }
        }
        return nil
    }
}

/// State shared between the test thread and the threads it starts (guarded by a lock).
final class RelShared: @unchecked Sendable {
    private let lock = NSLock()
    private var _planned: Set<Int> = []
    private var _observed: [UInt64: Set<Int>] = [:]
    private var _failures: [String] = []
    private var _stop = false
    private var _searches = 0
    private var _commits = 0

    func with<R>(_ body: (RelShared) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(self)
    }

    func plan(_ count: Int) { with { s in _ = s._planned.insert(count) } }
    var planned: Set<Int> { with { $0._planned } }
    func observe(generation: UInt64, count: Int) {
        with { s in
            s._observed[generation, default: []].insert(count)
            s._searches += 1
        }
    }
    var observed: [UInt64: Set<Int>] { with { $0._observed } }
    func fail(_ message: String) { with { $0._failures.append(message) } }
    var failures: [String] { with { $0._failures } }
    var stop: Bool {
        get { with { $0._stop } }
        set { with { $0._stop = newValue } }
    }
    var searches: Int { with { $0._searches } }
    func committed() { with { s in s._commits += 1 } }
    var commits: Int { with { $0._commits } }
}

/// Starts `body` on a new thread; `wait()` on the returned semaphore joins it.
func relThread(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    let t = Thread {
        body()
        done.signal()
    }
    t.stackSize = 8 << 20
    t.start()
    return done
}
