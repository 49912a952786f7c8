import Foundation
import FuzzSupport
import Kite

// The report parser (departmental work reports, one document per numbered item): the input as UTF-8 text gives
// documents each with an id and a period, or fails for want of a period; `auto` format detection takes it too.

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    writeSeedsIfAsked(try reportSeeds())
    return 0
}

/// The bundled report cut into overlapping windows of 60 lines.
func reportSeeds() throws -> [[UInt8]] {
    let text = try String(contentsOfFile: repositoryRoot + "/Corpus/weifang-2023q3-key-work.txt", encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return stride(from: 0, to: lines.count, by: 40).map { start in
        Array(lines[start..<min(lines.count, start + 60)].joined(separator: "\n").utf8)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let input = String(decoding: bytes, as: UTF8.self)
    _ = Ingestion().resolvedFormat(path: "r.txt", bytes: bytes)
    // With a file name that names a period, and without one (the title line must then name it).
    for fileName in ["weifang-2023q3-fuzz.txt", nil] {
        do {
            let documents = try ReportParser().documents(from: input, fileName: fileName)
            for d in documents where d.id.isEmpty || d["period"] == nil { fuzzFailure("a document without id or period: \(d)") }
            if Set(documents.map(\.id)).count != documents.count { fuzzFailure("two documents with one id") }
        } catch {
            guard error.reason == .missingPeriod else { fuzzFailure("unexpected error \(error)") }
        }
    }
    return 0
}
