import CKite

/// The settings of an ``Analyzer``: which segmenter, and which repairs and foldings run before and after it.
///
/// The configuration is recorded in every index, so that an index is always searched with the analyzer that built it;
/// its ``fingerprint`` is the stable, serialised form that is compared when an index is opened.
public struct AnalyzerConfiguration: Hashable, Sendable, Codable {
    /// How text is cut into words.
    public enum Segmenter: String, Hashable, Sendable, Codable, CaseIterable {
        /// ICU's dictionary-based word break iterator for Chinese (locale `zh`).
        case icu
        /// Terms separated by whitespace, for text already segmented by another tool.
        case whitespace
    }

    /// The segmenter; ``Segmenter/icu`` by default.
    public var segmenter: Segmenter
    /// Removes PDF-extraction artefacts before segmentation: line breaks and spaces next to a CJK character
    /// ("基\n层" → "基层") and spaces inside numbers ("50 0 0万元" → "5000万元").
    public var repairsExtractionArtifacts: Bool
    /// Folds traditional characters to simplified ones (ICU's `Traditional-Simplified`, applied per character).
    public var foldsTraditional: Bool
    /// Emits overlapping character bigrams over runs of two or more single-character CJK words, so that words ICU
    /// does not know (潍坊 → 潍/坊) are still indexed as units.
    public var emitsBigrams: Bool

    /// Kite's default analysis chain: ICU words, repaired, folded, with the bigram rescue.
    public static let `default` = AnalyzerConfiguration()

    /// Creates a configuration; every option defaults to Kite's default chain.
    public init(
        segmenter: Segmenter = .icu,
        repairsExtractionArtifacts: Bool = true,
        foldsTraditional: Bool = true,
        emitsBigrams: Bool = true
    ) {
        self.segmenter = segmenter
        self.repairsExtractionArtifacts = repairsExtractionArtifacts
        self.foldsTraditional = foldsTraditional
        self.emitsBigrams = emitsBigrams
    }

    /// The stable one-line form recorded in an index, e.g. `icu72;repair=1;t2s=1;bigrams=1;v1`.
    ///
    /// It names the ICU major version, because another ICU may segment differently.
    public var fingerprint: String {
        let seg = segmenter == .icu ? "icu\(ICUVersion.major)" : "whitespace"
        return "\(seg);repair=\(repairsExtractionArtifacts ? 1 : 0);t2s=\(foldsTraditional ? 1 : 0);bigrams=\(emitsBigrams ? 1 : 0);v1"
    }

    /// Parses a ``fingerprint``; nil when it is not one this version of Kite writes.
    public init?(fingerprint: String) {
        let parts = fingerprint.split(separator: ";").map(String.init)
        guard parts.count == 5, parts[4] == "v1" else { return nil }
        func flag(_ s: String, _ key: String) -> Bool? {
            switch s {
            case "\(key)=1": return true
            case "\(key)=0": return false
            default: return nil
            }
        }
        let seg: Segmenter
        if parts[0] == "whitespace" { seg = .whitespace }
        else if parts[0].hasPrefix("icu") { seg = .icu }
        else { return nil }
        guard let r = flag(parts[1], "repair"), let t = flag(parts[2], "t2s"), let b = flag(parts[3], "bigrams") else {
            return nil
        }
        self.init(segmenter: seg, repairsExtractionArtifacts: r, foldsTraditional: t, emitsBigrams: b)
    }
}

/// The ICU version Kite is built against.
enum ICUVersion {
    static let major = Int(kite_icu_major_version())
}
