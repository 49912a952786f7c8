/// Turns input files into documents: JSON Lines, plain text, or the report format of departmental work reports.
///
/// Malformed input is reported per line through `onError` (file and line), and ingestion continues with the next
/// line; whether anything is then committed is the caller's decision (`kite index --strict` commits nothing).
public struct Ingestion: Sendable {
    /// How a file is read.
    public enum Format: String, Hashable, Sendable, CaseIterable {
        /// By extension: `.jsonl`/`.ndjson` as JSON Lines; other files as a report if they contain numbered
        /// department sections with items, else as plain text.
        case auto
        /// One JSON object per line (see ``JSONLMapping``).
        case jsonl
        /// The whole file is one document (id = file name, title = first line).
        case text
        /// Departmental report: one document per numbered item (see ``ReportParser``).
        case report
    }

    /// The format of the input files.
    public var format: Format
    /// The period of every document, overriding what titles, dates or file names say.
    public var period: ReportPeriod?
    /// How JSONL keys map to fields.
    public var mapping: JSONLMapping
    /// Split JSONL and text documents whose body is longer than this many characters into passages
    /// (``PassageSplitter``); nil never splits.
    public var passageThreshold: Int?

    /// Creates ingestion settings; by default JSONL and text bodies over 5,000 characters become passages.
    public init(format: Format = .auto, period: ReportPeriod? = nil, mapping: JSONLMapping = .default,
                passageThreshold: Int? = 5_000) {
        self.format = format
        self.period = period
        self.mapping = mapping
        self.passageThreshold = passageThreshold
    }

    /// Whether `auto` reads `path` as JSON Lines, by its extension.
    private static func isJSONLName(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson")
    }

    /// The format `auto` resolves to for `path` with contents `bytes`.
    public func resolvedFormat(path: String, bytes: [UInt8]) -> Format {
        if format != .auto { return format }
        if Self.isJSONLName(path) { return .jsonl }
        if let text = String(validating: bytes, as: UTF8.self),
            ReportParser().parse(text).sections.contains(where: { !$0.items.isEmpty }) {
            return .report
        }
        return .text
    }

    /// Reads `path` and calls `body` with each document; per-line problems go to `onError`; `onProgress` hears how
    /// many bytes of the file have been read so far (for a progress bar over one large file).
    ///
    /// Throws ``IngestionFailure/input(_:)`` when the file as a whole cannot be used (unreadable, or a text/report
    /// file that is not UTF-8), and ``IngestionFailure/body(_:)`` with what `body` throws.
    ///
    /// A plain-text file is one document whose id is `documentName` (default: the file name); give the path relative
    /// to the directory being indexed, so that `a/note.txt` and `b/note.txt` stay two documents.
    public func forEachDocument<E: Error>(
        inFile path: String, documentName: String? = nil, _ body: (Document) throws(E) -> Void,
        onError: (IngestError) -> Void, onProgress: (Int) -> Void = { _ in }
    ) throws(IngestionFailure<E>) {
        if format == .jsonl || (format == .auto && Self.isJSONLName(path)) {
            // Streamed a chunk at a time: a corpus larger than memory indexes in bounded memory.
            var read = 0
            try forEachLine(ofFile: path) { (line, number) throws(E) in
                read += line.count + 1
                onProgress(read)
                guard let decoded = JSONLinesReader.decodeLine(line, number: number, path: path) else { return }
                try handle(decoded, path: path, body, onError: onError)
            }
            return
        }
        // Text and report files are read whole (a report is parsed as a whole; JSONL was handled above, so the
        // format resolves to one of these two).
        let whole: (text: String, documents: [Document]?)
        do throws(IngestError) { whole = try wholeFile(path) } catch { throw .input(error) }
        let text = whole.text
        if let documents = whole.documents {
            for doc in documents {
                do throws(E) { try body(doc) } catch { throw .body(error) }
            }
            return
        }
        let name = documentName ?? path.split(separator: "/").last.map(String.init) ?? path
        var doc = Document(id: name, fields: ["body": text, "source": name])
        if let first = CorpusText.lines(text).first(where: { !CorpusText.isBlank($0) }) {
            doc["title"] = String(CorpusText.trimmed(first))
        }
        if let p = period ?? ReportPeriod.parse(fileName: name) { doc["period"] = p.description }
        do throws(E) { try emit(doc, body) } catch { throw .body(error) }
    }

    /// A text or report file read whole: its text, and its documents if it is a report.
    private func wholeFile(_ path: String) throws(IngestError) -> (text: String, documents: [Document]?) {
        let bytes = try readFileBytes(atPath: path)
        let text = try utf8Text(bytes, path: path)
        guard resolvedFormat(path: path, bytes: bytes) == .report else { return (text, nil) }
        return (text, try ReportParser().documents(from: text, fileName: path, period: period))
    }

    /// Calls `body` with each document of the JSON Lines in `bytes` (a request body, say), read exactly as a `.jsonl`
    /// file is by ``forEachDocument(inFile:documentName:_:onError:onProgress:)``; `name` stands for the file in
    /// errors. Per-line problems go to `onError`; rethrows what `body` throws.
    public func forEachDocument<E: Error>(
        inJSONLines bytes: [UInt8], name: String, _ body: (Document) throws(E) -> Void, onError: (IngestError) -> Void
    ) throws(E) {
        var reader = JSONLinesReader(bytes: bytes, path: name)
        while let decoded = reader.next() { try handle(decoded, path: name, body, onError: onError) }
    }

    /// One decoded JSON line: its document(s) to `body`, or its problem to `onError`.
    private func handle<E: Error>(
        _ decoded: Result<JSONLObject, IngestError>, path: String, _ body: (Document) throws(E) -> Void,
        onError: (IngestError) -> Void
    ) throws(E) {
        switch decoded {
        case .failure(let error):
            onError(error)
        case .success(let object) where mapping.id(of: object) == nil:
            onError(IngestError(path: path, line: object.line, reason: .missingID(keys: mapping.idKeys)))
        case .success(let object):
            var doc = mapping.document(from: object)
            if let period { doc["period"] = period.description }
            try emit(doc, body)
        }
    }

    private func emit<E: Error>(_ doc: Document, _ body: (Document) throws(E) -> Void) throws(E) {
        if let threshold = passageThreshold, let text = doc["body"], CorpusText.hasMoreScalars(text, than: threshold) {
            for passage in PassageSplitter().passages(of: doc) { try body(passage) }
        } else {
            try body(doc)
        }
    }

    private func utf8Text(_ bytes: [UInt8], path: String) throws(IngestError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        // Name the line of the first bad byte: decode characters until one fails.
        var i = 0
        var line = 1
        while i < bytes.count {
            let b = bytes[i]
            let len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0
            if len == 0 || i + len > bytes.count || String(validating: bytes[i..<(i + len)], as: UTF8.self) == nil { break }
            if b == 0x0A { line += 1 }
            i += len
        }
        throw IngestError(path: path, line: line, reason: .invalidUTF8)
    }
}
