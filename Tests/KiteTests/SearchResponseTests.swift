import Foundation
import Testing
@testable import Kite

@Suite struct SearchResponseTests {
    /// Spans count Unicode scalars and UTF-8 bytes of the same text, astral characters included, in one pass.
    @Test func spansCountScalarsAndBytes() throws {
        let text = "a统计😀b"
        let spans = SearchResponse.Span.spans([1..<7, 7..<11, 11..<12, 0..<12, 12..<99], in: text)
        #expect(spans.map(\.start) == [1, 3, 4, 0, 5] && spans.map(\.end) == [3, 4, 5, 5, 5])
        #expect(spans.map(\.utf8Start) == [1, 7, 11, 0, 12])
        let scalars = Array(text.unicodeScalars)
        for s in spans.prefix(4) {
            let bytes = Array(text.utf8)[s.utf8Start..<s.utf8End]
            #expect(String(String.UnicodeScalarView(scalars[s.start..<s.end])) == String(decoding: bytes, as: UTF8.self))
        }
        #expect(SearchResponse.Span(7..<11, in: text) == spans[1])
    }

    /// A long field with many highlights: one pass over the text (a pass per highlight, as before, would take
    /// this 600 KB field with 50,000 highlights hours).
    @Test func manyHighlightsOfALongFieldTakeOnePass() throws {
        let text = String(repeating: "统计工作", count: 50_000)
        let ranges = stride(from: 0, to: 600_000, by: 12).map { $0..<($0 + 6) }
        let spans = SearchResponse.Span.spans(ranges, in: text)
        #expect(spans.count == 50_000 && spans.last?.start == 199_996 && spans.last?.end == 199_998)
    }
}
