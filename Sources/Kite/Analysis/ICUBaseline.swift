import CKite

/// Bare ICU word breaking, with nothing of Kite's analysis around it: the floor that indexing speed is measured
/// against (`kite bench` and the suites of `Benchmarks/`). UTF-8 is converted to UTF-16 by ICU (`u_strFromUTF8`),
/// broken with the `zh` word iterator, and the segments with a word rule status (≥ 100) are counted. One instance
/// per thread. SPI, not library API: `@_spi(Benchmarks) import Kite`.
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
        var text = text
        return text.withUTF8 { countWords(utf8: $0) } ?? 0
    }

    /// The number of ICU words in the UTF-8 bytes `utf8`; nil if ICU refuses them (invalid UTF-8).
    public func countWords(utf8: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = utf8.baseAddress, utf8.count > 0 else { return 0 }
        guard utf8.count < Int(Int32.max) else { return nil }
        // UTF-16 never takes more units than UTF-8 takes bytes.
        if units.count < utf8.count { units = [UInt16](repeating: 0, count: max(utf8.count, 2 * units.count)) }
        var status: Int32 = 0
        let length = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { source in
            units.withUnsafeMutableBufferPointer {
                kite_utf8_to_utf16(source, Int32(utf8.count), $0.baseAddress, Int32($0.count), &status)
            }
        }
        guard status <= 0 else { return nil }
        _ = units.withUnsafeBufferPointer { kite_wordbreak_set_text(breaker, $0.baseAddress, length) }
        var words = 0
        while kite_wordbreak_next(breaker) >= 0 {
            if kite_wordbreak_rule_status(breaker) >= 100 { words += 1 }
        }
        return words
    }
}
