import Foundation
import FuzzSupport
import Kite

// Opening an index one of whose files is arbitrary bytes (every decoder: manifest, user dictionary, term dictionary,
// postings, positions, lengths, keywords, stored fields, deletes). A small index of two segments with deletes,
// passages and a user dictionary is built once; an input is a selector byte (which file) and that file's new bytes,
// whose CRC footer is fixed up so that decoding goes past the checksum. Opening must succeed or throw; what opens
// is checked (`kite check`), searched, exported and looked up by id, each of which must answer or throw.

nonisolated(unsafe) var seedDirectory = ""
nonisolated(unsafe) var workDirectory = ""
nonisolated(unsafe) var fileNames: [String] = []

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    let root = NSTemporaryDirectory() + "kite-fuzz-segment-\(getpid())"
    seedDirectory = root + "/seed"
    workDirectory = root + "/work"
    do {
        try buildSeedIndex(at: seedDirectory)
        fileNames = try FileManager.default.contentsOfDirectory(atPath: seedDirectory).filter { $0 != "write.lock" }.sorted()
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        for name in fileNames { link(seedDirectory + "/" + name, workDirectory + "/" + name) }
    } catch {
        fuzzFailure("building the seed index: \(error)")
    }
    writeSeedsIfAsked(try fileNames.enumerated().map { k, name in
        [UInt8(k)] + Array(try Data(contentsOf: URL(fileURLWithPath: seedDirectory + "/" + name)))
    })
    atexit { try? FileManager.default.removeItem(atPath: (seedDirectory as NSString).deletingLastPathComponent) }
    return 0
}

/// Two segments (the second commit adds, the third deletes), long documents as passages, a user dictionary.
func buildSeedIndex(at path: String) throws {
    var analyzer = AnalyzerConfiguration.default
    analyzer.dictionary = try UserDictionary(words: ["新质生产力", "专精特新", "升规纳统"])
    let writer = try IndexWriter(at: path, analyzer: analyzer, options: .init(mergesAfterCommit: false))
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Corpus/gov-work-reports-provincial-2026.jsonl")))
    var documents: [Document] = []
    Ingestion(passageThreshold: nil).forEachDocument(inJSONLines: bytes, name: "p.jsonl", { documents.append($0) }, onError: { _ in })
    let splitter = PassageSplitter(minimumLength: 60, maximumLength: 200, splitLength: 400)
    for (k, var document) in documents.prefix(14).enumerated() {
        document["body"] = document["body"].map { String($0.prefix(600)) }
        for d in k % 3 == 0 ? splitter.passages(of: document) : [document] { try writer.add(d) }
        if k == 9 { try writer.commit() }
    }
    try writer.commit()
    for document in documents.prefix(3) { _ = try writer.delete(id: document.id) }
    try writer.commit()
    writer.close()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let name = fileNames[Int(data[0]) % fileNames.count]
    var bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if bytes.count >= 8 {
        let crc = CRC32.checksum(bytes[..<(bytes.count - 4)])
        for k in 0..<4 { bytes[bytes.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
    }
    let target = workDirectory + "/" + name
    do {
        try Data(bytes).write(to: URL(fileURLWithPath: target + ".fuzz"))
        rename(target + ".fuzz", target)
    } catch {
        fuzzFailure("writing \(target): \(error)")
    }
    defer {
        unlink(target)
        link(seedDirectory + "/" + name, target)
    }
    exercise()
    return 0
}

/// Whatever opens must answer or throw `KiteError`, never trap.
func exercise() {
    guard let reader = try? IndexReader(at: workDirectory) else { return }
    _ = reader.check()
    _ = reader.statistics()
    for (query, match) in [("新质生产力", MatchMode.exact), ("发展 经济", .related), ("period:2026 改革", .any)] {
        var options = SearchOptions(limit: 3)
        options.match = match
        options.facetField = "period"
        options.highlights = true
        _ = try? reader.search(query, options: options)
    }
    var exported = 0
    try? reader.forEachDocument { _ in exported += 1 }
    _ = try? reader.document(id: "none")
    _ = reader.values(ofKeyword: "period")
}
