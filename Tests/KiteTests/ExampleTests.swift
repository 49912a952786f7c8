import Foundation
import Testing
import Kite  // the public API only, as an embedding tool sees it

/// The README's library example, compiled and run.
@Suite struct ExampleTests {
    @Test func readmeExample() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/reports"

        let writer = try IndexWriter(at: path)
        try writer.add(Document(id: "2023Q3/59/2", fields: [
            "title": "在升规纳统部门合作机制上“开新局”",
            "body": "市政府印发《潍坊市高质量升规纳统工作实施方案》", "period": "2023Q3", "department": "市统计局",
        ]))
        try writer.add(Document(id: "2023Q3/60/1", fields: ["title": "医保基金监管", "body": "医保", "period": "2023Q3"]))
        try writer.commit()
        let reader = try IndexReader(at: path)
        var printed: [String] = []
        for hit in try reader.search("升规纳统 period:2023Q3").hits {
            printed.append("\(hit.id) \(hit.fields["title"] ?? "")")
        }
        #expect(printed == ["2023Q3/59/2 在升规纳统部门合作机制上“开新局”"])

        // Readers are Sendable: one reader, many threads.
        let counts = Counts()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let n = (try? reader.search("升规纳统").totalHits) ?? -1
            counts.lock.lock(); counts.values.append(n); counts.lock.unlock()
        }
        #expect(counts.values == Array(repeating: 1, count: 8))
        writer.close()
    }
}

private final class Counts: @unchecked Sendable {
    let lock = NSLock()
    var values: [Int] = []
}
