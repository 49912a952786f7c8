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
    /// Which sub-word terms are added at a word's position (none by default), so that part of a word can match.
    public var subwords: Subwords
    /// Emits, for each single-character Han word followed by a word that begins with a Han character, a *join*: the
    /// two characters in a term space of their own (`\u{1}有机` for 有|机关), at the single character's position.
    /// Joins never rank; they let exact matching (``TextMatching``) decide a two-character chunk from postings, and
    /// stand in for a common single character's positions when a longer chunk is walked. ICU segmentation only.
    public var emitsJoins: Bool

    /// Words the segmenter should know (nil: ICU's alone). Each run of words between separators is segmented again
    /// over a lattice of ICU's words and the dictionary's (``UserDictionary``). An index keeps its dictionary and
    /// readers use it; its digest is part of the ``fingerprint``. The whitespace segmenter does not use it.
    public var dictionary: UserDictionary?
    /// Whether the ``dictionary``'s number words teach the lattice frames (3项, 12项, 7项 → `#项`), so that any number
    /// in a frame with as many digits as the listed ones is one word (25项; README, "Segmentation"). On by default;
    /// indexes written before Kite had it read with it off. Without a dictionary it does nothing.
    public var learnsNumberPatterns: Bool

    /// Whether the analyzer writes joins (``emitsJoins`` with a segmenter that makes single-character words).
    var writesJoins: Bool { emitsJoins && segmenter == .icu }

    /// Sub-word terms: parts of letter–digit words, character trigrams of Latin letter runs, and character bigrams
    /// inside Han words of three or more characters.
    public struct Subwords: OptionSet, Hashable, Sendable, Codable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The letter and digit runs of a word that mixes them or holds separators (xii68 → xii, 68).
        public static let alphanumericParts = Subwords(rawValue: 1)
        /// Character trigrams of Latin letter runs of three or more letters, in their own term space (`#ser`).
        public static let latinTrigrams = Subwords(rawValue: 2)
        /// Overlapping character bigrams inside Han words of three or more characters.
        public static let hanWordBigrams = Subwords(rawValue: 4)
    }

    /// Kite's default analysis chain: ICU words, repaired, folded, with the bigram rescue, letter/digit parts and
    /// Latin trigrams.
    public static let `default` = AnalyzerConfiguration()

    /// Creates a configuration; every option defaults to Kite's default chain.
    public init(
        segmenter: Segmenter = .icu,
        repairsExtractionArtifacts: Bool = true,
        foldsTraditional: Bool = true,
        emitsBigrams: Bool = true,
        subwords: Subwords = [.alphanumericParts, .latinTrigrams],
        emitsJoins: Bool = true,
        dictionary: UserDictionary? = nil,
        learnsNumberPatterns: Bool = true
    ) {
        self.dictionary = dictionary
        self.learnsNumberPatterns = learnsNumberPatterns
        self.emitsJoins = emitsJoins
        self.subwords = subwords
        self.segmenter = segmenter
        self.repairsExtractionArtifacts = repairsExtractionArtifacts
        self.foldsTraditional = foldsTraditional
        self.emitsBigrams = emitsBigrams
    }

    /// The stable one-line form recorded in an index, e.g. `icu72;repair=1;t2s=1;bigrams=1;sub=3;joins=1;v1` (without
    /// the `sub` part when there are no sub-word terms, nor the `joins` part without joins, as written before they
    /// existed); with a ``dictionary``, `dict=` and its digest come before `v1`, and then `numbers=1` when it
    /// ``learnsNumberPatterns``.
    ///
    /// It names the ICU major version, because another ICU may segment differently.
    public var fingerprint: String {
        let seg = segmenter == .icu ? "icu\(ICUVersion.major)" : "whitespace"
        return "\(seg);repair=\(repairsExtractionArtifacts ? 1 : 0);t2s=\(foldsTraditional ? 1 : 0);bigrams=\(emitsBigrams ? 1 : 0)\(subwords.isEmpty ? "" : ";sub=\(subwords.rawValue)")\(emitsJoins ? ";joins=1" : "")\(dictionary.map { ";dict=\($0.digest)\(learnsNumberPatterns ? ";numbers=1" : "")" } ?? "");v1"
    }

    /// Parses a ``fingerprint``; nil when it is not one this version of Kite writes. A fingerprint that names a
    /// dictionary (`dict=…`) parses without it: an index reader attaches the dictionary the index keeps.
    public init?(fingerprint: String) {
        var parts = fingerprint.split(separator: ";").map(String.init)
        let numbers = parts.count >= 7 && parts[parts.count - 2] == "numbers=1"
        if numbers { parts.remove(at: parts.count - 2) }
        var dictionary = false
        if parts.count >= 6, parts[parts.count - 2].hasPrefix("dict=") {
            guard UserDictionary.isDigest(parts[parts.count - 2].dropFirst(5)) else { return nil }
            parts.remove(at: parts.count - 2)
            dictionary = true
        }
        guard !numbers || dictionary else { return nil }
        let joins = parts.count >= 6 && parts[parts.count - 2] == "joins=1"
        if joins { parts.remove(at: parts.count - 2) }
        var subwords: Subwords = []
        if parts.count == 6 {
            guard parts[4].hasPrefix("sub="), let v = Int(parts[4].dropFirst(4)), v > 0, v < 8,
                  parts[4] == "sub=\(v)" else { return nil }
            subwords = Subwords(rawValue: v)
            parts.remove(at: 4)
        }
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
        // (Without a dictionary the setting does nothing and parses as the default, so configurations compare equal.)
        self.init(segmenter: seg, repairsExtractionArtifacts: r, foldsTraditional: t, emitsBigrams: b, subwords: subwords,
                  emitsJoins: joins, learnsNumberPatterns: numbers || !dictionary)
    }

    private enum CodingKeys: String, CodingKey {
        case segmenter, repairsExtractionArtifacts, foldsTraditional, emitsBigrams, subwords, emitsJoins, dictionary
        case learnsNumberPatterns
    }

    /// Decodes a configuration; one encoded before ``learnsNumberPatterns`` existed has it off when it has a
    /// dictionary (as its index was written).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let dictionary = try c.decodeIfPresent(UserDictionary.self, forKey: .dictionary)
        self.init(
            segmenter: try c.decode(Segmenter.self, forKey: .segmenter),
            repairsExtractionArtifacts: try c.decode(Bool.self, forKey: .repairsExtractionArtifacts),
            foldsTraditional: try c.decode(Bool.self, forKey: .foldsTraditional),
            emitsBigrams: try c.decode(Bool.self, forKey: .emitsBigrams),
            subwords: try c.decode(Subwords.self, forKey: .subwords),
            emitsJoins: try c.decode(Bool.self, forKey: .emitsJoins),
            dictionary: dictionary,
            learnsNumberPatterns: try c.decodeIfPresent(Bool.self, forKey: .learnsNumberPatterns) ?? (dictionary == nil))
    }
}

/// The ICU version Kite is built against.
enum ICUVersion {
    static let major = Int(kite_icu_major_version())
}
