import CKite

/// Bare ICU word breaking, with nothing of Kite's analysis around it: the floor that indexing speed is measured
/// against (`kite bench`). UTF-8 is converted to UTF-16, broken with the `zh` word iterator, and the segments with a
/// word rule status (≥ 100) are counted. SPI, not library API: `@_spi(Benchmarks) import Kite`.
@_spi(Benchmarks) public final class ICUBaseline {
    private let breaker: OpaquePointer
    private var units: [UInt16] = []

    /// Opens an ICU word-break iterator.
    public init() throws(AnalysisError) {
        var status: Int32 = 0
        guard let b = kite_wordbreak_open("zh", &status) else { throw .icuFailure(code: status) }
        breaker = b
    }

    deinit { kite_wordbreak_close(breaker) }

    /// The number of ICU words in `text`.
    public func countWords(_ text: String) -> Int {
        units.removeAll(keepingCapacity: true)
        units.append(contentsOf: text.utf16)
        guard !units.isEmpty else { return 0 }
        _ = units.withUnsafeBufferPointer { kite_wordbreak_set_text(breaker, $0.baseAddress, Int32($0.count)) }
        var words = 0
        while kite_wordbreak_next(breaker) >= 0 {
            if kite_wordbreak_rule_status(breaker) >= 100 { words += 1 }
        }
        return words
    }
}
