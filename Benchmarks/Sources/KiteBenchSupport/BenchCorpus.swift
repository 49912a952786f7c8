import Foundation
@_spi(Benchmarks) import Kite

/// One corpus document, decoded outside any measured region.
public struct BenchDocument: Sendable {
    public var id: String
    public var title: String
    public var body: String
    /// `title` as UTF-8 bytes.
    public var titleUTF8: [UInt8]
    /// `body` as UTF-8 bytes.
    public var bodyUTF8: [UInt8]

    /// The Kite document (`title` and `body` text fields).
    public var kiteDocument: Document {
        Document(id: id, fields: ["title": title, "body": body])
    }
}

/// The benchmark corpus: the first `KITE_BENCH_BYTES` (default 5,000,000) bytes of document text of the JSONL file
/// `KITE_BENCH_CORPUS` (default `/work/shared/corpus/laws.jsonl`; if that is missing, the bundled
/// `Corpus/gov-work-reports-national.jsonl` of this repository). Each line is `{"id", "text"[, "title"]}`.
public enum BenchCorpus {
    /// The JSONL file the corpus is read from.
    public static var path: String {
        let env = ProcessInfo.processInfo.environment
        if let p = env["KITE_BENCH_CORPUS"], !p.isEmpty { return p }
        let shared = "/work/shared/corpus/laws.jsonl"
        if FileManager.default.fileExists(atPath: shared) { return shared }
        // Benchmarks/Sources/KiteBenchSupport/BenchCorpus.swift → repository root.
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent("Corpus/gov-work-reports-national.jsonl").path
    }

    /// The text budget in bytes (`KITE_BENCH_BYTES`).
    public static var byteBudget: Int {
        ProcessInfo.processInfo.environment["KITE_BENCH_BYTES"].flatMap { Int($0) } ?? 5_000_000
    }

    /// Documents from the start of `path` until their title + body bytes reach `maxBytes` (at least one).
    public static func load(path: String = BenchCorpus.path, maxBytes: Int = BenchCorpus.byteBudget) -> [BenchDocument] {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            fatalError("cannot read benchmark corpus \(path) (set KITE_BENCH_CORPUS)")
        }
        var docs: [BenchDocument] = []
        var total = 0
        var lineStart = data.startIndex
        while lineStart < data.endIndex, total < maxBytes {
            let lineEnd = data[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            let line = data[lineStart..<lineEnd]
            lineStart = lineEnd < data.endIndex ? data.index(after: lineEnd) : data.endIndex
            guard line.contains(where: { $0 > 0x20 }),
                  let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let text = (object["text"] ?? object["body"] ?? object["content"]) as? String,
                  !text.isEmpty
            else { continue }
            let id: String
            switch object["id"] {
            case let s as String: id = s
            case let n as NSNumber: id = n.stringValue
            default: id = "doc\(docs.count)"
            }
            let title = object["title"] as? String ?? ""
            let doc = BenchDocument(
                id: id, title: title, body: text, titleUTF8: Array(title.utf8), bodyUTF8: Array(text.utf8))
            total += doc.titleUTF8.count + doc.bodyUTF8.count
            docs.append(doc)
        }
        if docs.isEmpty { fatalError("no documents with a \"text\" field in \(path)") }
        return docs
    }

    /// The corpus every suite uses, loaded once per process (touch it in a setup hook).
    public static let standard: [BenchDocument] = load()

    /// Bytes of body text of `docs`.
    public static func bodyBytes(_ docs: [BenchDocument]) -> Int { docs.reduce(0) { $0 + $1.bodyUTF8.count } }

    /// Bytes of title + body text of `docs`.
    public static func textBytes(_ docs: [BenchDocument]) -> Int {
        docs.reduce(0) { $0 + $1.titleUTF8.count + $1.bodyUTF8.count }
    }

    /// A one-line description for logs: path, documents, bytes.
    public static func describe(_ docs: [BenchDocument]) -> String {
        "\(path): \(docs.count) documents, \(textBytes(docs)) bytes of text"
    }
}

/// The bare-ICU floor: UTF-8 → UTF-16 and ICU `zh` word breaking, counting words — Kite's ``ICUBaseline``, the
/// floor `kite bench` measures against too. The suites call it from one thread at a time.
public enum ICUFloor {
    nonisolated(unsafe) private static let baseline: ICUBaseline = {
        do { return try ICUBaseline() } catch { fatalError("ICU word breaking cannot open: \(error)") }
    }()

    /// Words (rule status ≥ 100) in `bytes`; traps on an ICU error, which a benchmark must not hide.
    @inline(__always)
    public static func countWords(_ bytes: [UInt8]) -> Int {
        guard let n = bytes.withUnsafeBufferPointer({ baseline.countWords(utf8: $0) }) else {
            preconditionFailure("ICU floor failed (invalid UTF-8 or ICU error)")
        }
        return n
    }

    /// Words of every document's title and body.
    public static func countWords(_ docs: [BenchDocument], titles: Bool) -> Int {
        var n = 0
        for d in docs {
            if titles { n &+= countWords(d.titleUTF8) }
            n &+= countWords(d.bodyUTF8)
        }
        return n
    }
}
