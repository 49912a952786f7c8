import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why text could not be analyzed.
public enum AnalysisError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input is not valid UTF-8; the offset is of the first bad byte.
    case invalidUTF8(byteOffset: Int)
    /// ICU failed to open or run a break iterator (its error code).
    case icuFailure(code: Int32)
    /// The input is larger than one analysis call accepts (2 GiB − 1 bytes).
    case inputTooLarge(bytes: Int)

    public var description: String {
        switch self {
        case .invalidUTF8(let offset): return "invalid UTF-8 at byte \(offset)"
        case .icuFailure(let code): return "ICU error \(code)"
        case .inputTooLarge(let n): return "input of \(n) bytes is too large to analyze in one piece"
        }
    }
}

/// One index term produced by the analyzer.
public struct AnalyzedTerm: Hashable, Sendable {
    /// Whether the term is a word of the segmenter, a rescue bigram over single characters, a part of a word, or
    /// a matching join.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A word of the segmenter; it takes a position of its own.
        case word
        /// A rescue bigram over two adjacent single-character words, at the first one's position.
        case bigram
        /// A part of a word (``AnalyzerConfiguration/subwords``), at the word's position.
        case subword
        /// A single-character word and the first character of the next word (``AnalyzerConfiguration/emitsJoins``),
        /// in its own term space: it serves exact matching only and never ranks.
        case join
    }
    /// The normalized term text, as it is stored in the index.
    public var text: String
    /// The token position (bigrams share the position of their first character).
    public var position: Int
    /// The UTF-8 byte range of the term in the original, unnormalized input.
    public var sourceRange: Range<Int>
    /// Word or bigram.
    public var kind: Kind

    /// Creates a term.
    public init(text: String, position: Int, sourceRange: Range<Int>, kind: Kind) {
        self.text = text
        self.position = position
        self.sourceRange = sourceRange
        self.kind = kind
    }
}

/// Turns text into index terms: repair, normalization, segmentation and the bigram rescue.
///
/// Documents and queries go through the same analyzer, so a query term always meets the document term it was
/// made from. An `Analyzer` is a value; each call borrows a reusable per-thread token stream internally.
public struct Analyzer: Sendable {
    /// The settings this analyzer applies.
    public let configuration: AnalyzerConfiguration

    /// Creates an analyzer with the given settings (Kite's defaults if omitted).
    public init(_ configuration: AnalyzerConfiguration = .default) {
        self.configuration = configuration
    }

    /// The index terms of `text`, in emission order (by position; a bigram follows the word after its start).
    public func terms(in text: String) throws(AnalysisError) -> [AnalyzedTerm] {
        var utf8 = Array(text.utf8)
        return try terms(inUTF8: &utf8, valid: true)
    }

    /// The index terms of UTF-8 bytes; throws ``AnalysisError/invalidUTF8(byteOffset:)`` on malformed input.
    public func terms(inUTF8 bytes: [UInt8]) throws(AnalysisError) -> [AnalyzedTerm] {
        var copy = bytes
        return try terms(inUTF8: &copy, valid: false)
    }

    private func terms(inUTF8 bytes: inout [UInt8], valid: Bool) throws(AnalysisError) -> [AnalyzedTerm] {
        var out: [AnalyzedTerm] = []
        let stream = try TokenStream.make(configuration)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(AnalysisError) in
                try stream.analyze(raw, validUTF8: valid) { term, info in
                    out.append(AnalyzedTerm(
                        text: String(decoding: term, as: UTF8.self), position: Int(info.position),
                        sourceRange: Int(info.start)..<Int(info.end), kind: info.kind))
                }
            }
        }
        try result.get()
        return out
    }

    /// The segmenter's words of `text` including punctuation, before bigrams, each as the slice of the original
    /// text it came from with whitespace removed — the form of the SIGHAN segmentation bakeoff.
    public func segments(of text: String) throws(AnalysisError) -> [String] {
        let bytes = Array(text.utf8)
        var out: [String] = []
        let stream = try TokenStream.make(configuration)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(AnalysisError) in
                // A character that normalization expanded (℃ → °c) may be cut in two by the segmenter: both pieces
                // map to the same source bytes, which belong to the first.
                var covered = 0
                try stream.analyze(raw, allSegments: true) { _, info in
                    let start = max(Int(info.start), covered), end = Int(info.end)
                    guard start < end else { return }
                    covered = end
                    var s = String(decoding: raw[start..<end], as: UTF8.self)
                    s.removeAll { $0.isWhitespace }
                    if !s.isEmpty { out.append(s) }
                }
            }
        }
        try result.get()
        return out
    }
}
