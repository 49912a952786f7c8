import Foundation
import Testing
@testable import Kite

/// The text of a file in the repository's `Corpus/`.
func corpusText(_ name: String) throws -> String {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Corpus").appendingPathComponent(name)
    return try String(contentsOf: url, encoding: .utf8)
}

@Suite struct AnalyzerTests {
    /// The library imports FoundationEssentials only; a program that imports Foundation still reads each error's
    /// one-line description as its `localizedDescription` (GettingStarted.md says so).
    @Test func errorsReadTheSameThroughFoundation() {
        let errors: [any Error] = [KiteError.indexNotFound(path: "/x"), KiteError.corrupt(file: "seg-1.doc", reason: "bad block"),
                                   AnalysisError.invalidUTF8(byteOffset: 3)]
        for error in errors {
            #expect(error.localizedDescription == String(describing: error), "\(error)")
        }
        #expect(KiteError.indexNotFound(path: "/x").localizedDescription.contains("/x"))
    }

    let analyzer = Analyzer()

    func words(_ text: String, _ config: AnalyzerConfiguration = .default) throws -> [String] {
        try Analyzer(config).terms(in: text).filter { $0.kind == .word }.map(\.text)
    }

    @Test func repairsBrokenLinesAndSpacedCharacters() throws {
        #expect(try words("基\n层") == ["基层"])
        #expect(try analyzer.segments(of: "工 作 圆 满 完 成") == ["工作", "圆满", "完成"])
        #expect(try words("7至9\n月").joined() == "7至9月")
        #expect(try words("7至9\n月").contains("月"))
    }

    @Test func repairsSpacedNumbers() throws {
        #expect(try words("1 5日") == ["15", "日"])
        #expect(try words("50 0 0万元").first == "5000")
        #expect(try words("1 . 13亿元").first == "1.13")
        #expect(try words("2 0 2 3 年") == ["2023", "年"])
    }

    @Test func latinWordsKeepTheirSpaces() throws {
        #expect(try words("Beijing Shanghai") == ["beijing", "shanghai"])
        #expect(try words("SMILE ++ QFLP") == ["smile", "qflp"])
    }

    @Test func withoutRepairSpacedCharactersStaySingle() throws {
        let raw = AnalyzerConfiguration(repairsExtractionArtifacts: false, emitsBigrams: false)
        #expect(try words("工 作 圆 满", raw) == ["工", "作", "圆", "满"])
    }

    @Test func segmentsKeepEveryCharacterOnce() throws {
        // ℃ normalizes to two units (°c); the SIGHAN output must still show it once.
        let segs = try analyzer.segments(of: "温度3℃／－8℃")
        #expect(segs.joined() == "温度3℃／－8℃")
    }

    @Test func normalizesWidthAndCase() throws {
        #expect(try words("ＡＢＣ１２３") == ["abc123"])
        #expect(try words("QFLP") == ["qflp"])
    }

    @Test func foldsTraditionalToSimplifiedOnlyWhenAsked() throws {
        #expect(try words("國際經濟") == ["国际", "经济"])
        #expect(try words("後來") == ["后来"])
        let keep = AnalyzerConfiguration(foldsTraditional: false)
        #expect(try words("國際", keep).joined() == "國際")
        // Folding applies after segmentation, so simplified text segments exactly as without it.
        let text = try corpusText("weifang-2023q3-key-work.txt")
        let folded = try Analyzer().segments(of: text)
        let plain = try Analyzer(keep).segments(of: text)
        #expect(folded == plain)
        // Query and document fold alike: 显著 (simplified) and 顯著 (traditional) meet.
        #expect(try words("显著") == words("顯著"))
    }

    @Test func traditionalTableMatchesICU() throws {
        var input: [UInt16] = []
        var chars: [UInt16] = []
        for range in [0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF] {
            for c in range { input.append(UInt16(c)); input.append(0x0A); chars.append(UInt16(c)) }
        }
        let out = CharacterFolding.transliterate(input, id: "Traditional-Simplified")
        let pieces = out.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        #expect(pieces.count == chars.count)
        var mismatches = 0
        var mapped = 0
        for (c, piece) in zip(chars, pieces) {
            let expected = piece.count == 1 ? piece.first! : c
            if expected != c { mapped += 1 }
            if TraditionalSimplified.table[Int(c)] != expected { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(mapped == 2853)
    }

    @Test func mixedChineseLatinAndDigits() throws {
        #expect(try words("QFLP基金") == ["qflp", "基金"])
        #expect(try words("SMILE++项目").prefix(1) == ["smile"])
        let w = try words("2022—2023年")
        #expect(w == ["2022", "2023", "年"])
    }

    @Test func bigramRescueOverSingleCharacterRuns() throws {
        let terms = try analyzer.terms(in: "潍坊市统计局")
        let bigrams = terms.filter { $0.kind == .bigram }
        #expect(bigrams.map(\.text) == ["潍坊", "坊市"])
        // A bigram sits at the position of its first character.
        let wei = try #require(terms.first { $0.text == "潍" })
        #expect(bigrams[0].position == wei.position)
        let plain = try Analyzer(AnalyzerConfiguration(emitsBigrams: false)).terms(in: "潍坊市统计局")
        #expect(plain.allSatisfy { $0.kind == .word || $0.kind == .join })
        // 升规纳统 → 升/规/纳/统 plus three bigrams.
        let sg = try analyzer.terms(in: "升规纳统").filter { $0.kind == .bigram }.map(\.text)
        #expect(sg == ["升规", "规纳", "纳统"])
    }

    @Test func noBigramAcrossPunctuationOrMultiCharacterWords() throws {
        let terms = try analyzer.terms(in: "潍，坊")
        #expect(!terms.contains { $0.kind == .bigram })
    }

    @Test func joinsPairASingleCharacterWordWithTheFirstCharacterOfTheNextWord() throws {
        // ICU: 其中 ， 共同 推进 有 机关 单位 和 有机 农业 — joins after 有 and 和, none after a longer word; punctuation
        // between is no obstacle (positions skip it, as matching does).
        let text = "其中，共同推进有机关单位和有机农业。中，共"
        let terms = try analyzer.terms(in: text)
        let joins = terms.filter { $0.kind == .join }
        #expect(joins.map(\.text) == ["\u{1}有机", "\u{1}和有", "\u{1}中共"])
        let words = terms.filter { $0.kind == .word }
        for j in joins {
            let word = words.first { $0.position == j.position }
            #expect(word.map { Array($0.text) } == [Array(j.text)[1]], "a join sits at its single character's word")
        }
        // Their own setting, and the fingerprint says so; ranking never sees them (the planner gives them no weight).
        let off = AnalyzerConfiguration(emitsJoins: false)
        #expect(try !Analyzer(off).terms(in: text).contains { $0.kind == .join })
        #expect(!off.fingerprint.contains("joins") && AnalyzerConfiguration.default.fingerprint.contains(";joins=1;"))
    }

    @Test func offsetsSliceTheOriginalText() throws {
        let text = try corpusText("weifang-2023q3-key-work.txt")
        let bytes = Array(text.utf8)
        let terms = try Analyzer(AnalyzerConfiguration(foldsTraditional: false)).terms(in: text)
        #expect(terms.count > 5000)
        var lastPosition = -1
        for t in terms {
            let slice = String(decoding: bytes[t.sourceRange], as: UTF8.self)
            let stripped = slice.unicodeScalars.filter { !$0.properties.isWhitespace }
            let folded = String(String.UnicodeScalarView(stripped)).applyingTransform(.fullwidthToHalfwidth, reverse: false)?
                .lowercased() ?? slice
            if t.kind == .join {  // a join slices from its single character to the next word's first character
                #expect(folded.first == t.text.dropFirst().first && folded.last == t.text.last, "join \(t.text) as \(slice)")
                continue
            }
            // A Latin trigram is marked with '#' in front of the three letters it slices.
            let text = t.kind == .subword && t.text.hasPrefix("#") ? String(t.text.dropFirst()) : t.text
            #expect(folded == text || String(String.UnicodeScalarView(stripped)).lowercased() == text,
                    "term \(t.text) sliced as \(slice)")
            if t.kind == .word { #expect(t.position == lastPosition + 1); lastPosition = t.position }
        }
        // The repaired report yields words that the broken lines had split.
        let texts = Set(terms.map(\.text))
        #expect(texts.contains("基层"))
        #expect(texts.contains("升规"))
        #expect(texts.contains("纳统"))
        #expect(texts.contains("潍坊"))
    }

    @Test func emptyAndWhitespaceOnlyInput() throws {
        #expect(try analyzer.terms(in: "").isEmpty)
        #expect(try analyzer.terms(in: " \n\t　").isEmpty)
        #expect(try analyzer.terms(in: "，。！").isEmpty)
    }

    @Test func invalidUTF8IsATypedError() throws {
        #expect(throws: AnalysisError.invalidUTF8(byteOffset: 3)) {
            try analyzer.terms(inUTF8: [0xE5, 0xB7, 0xA5, 0xFF, 0x41])
        }
        #expect(throws: AnalysisError.invalidUTF8(byteOffset: 0)) { try analyzer.terms(inUTF8: [0xED, 0xA0, 0x80]) }
        #expect(throws: AnalysisError.invalidUTF8(byteOffset: 1)) { try analyzer.terms(inUTF8: [0x41, 0xE5, 0xB7]) }
        #expect(throws: AnalysisError.invalidUTF8(byteOffset: 0)) { try analyzer.terms(inUTF8: [0xC0, 0x80]) }
    }

    @Test func veryLongInput() throws {
        let text = try corpusText("weifang-2023q3-key-work.txt")
        var big = ""
        while big.utf8.count < 10_000_000 { big += text }
        let terms = try analyzer.terms(in: big)
        let once = try analyzer.terms(in: text)
        #expect(terms.count >= once.count * (big.utf8.count / text.utf8.count))
        #expect(terms.last.map { $0.sourceRange.upperBound <= big.utf8.count } == true)
    }

    @Test func whitespaceSegmenterSplitsOnSpacesOnly() throws {
        let ws = AnalyzerConfiguration(segmenter: .whitespace, repairsExtractionArtifacts: false, emitsBigrams: false)
        #expect(try words("升规纳统 工作  ＡＢ\n机制", ws) == ["升规纳统", "工作", "ab", "机制"])
    }

    @Test func fingerprintRoundTrips() throws {
        for seg in AnalyzerConfiguration.Segmenter.allCases {
            for flags in 0..<128 {
                let c = AnalyzerConfiguration(
                    segmenter: seg, repairsExtractionArtifacts: flags & 1 != 0, foldsTraditional: flags & 2 != 0,
                    emitsBigrams: flags & 4 != 0, subwords: .init(rawValue: (flags >> 3) & 7), emitsJoins: flags & 64 != 0)
                #expect(AnalyzerConfiguration(fingerprint: c.fingerprint) == c)
            }
        }
        #expect(AnalyzerConfiguration(fingerprint: "icu72;repair=1;t2s=1;bigrams=1;v9") == nil)
        #expect(AnalyzerConfiguration(fingerprint: "icu72;repair=1;t2s=1;bigrams=1;sub=9;v1") == nil)
        #expect(AnalyzerConfiguration(fingerprint: "icu72;repair=1;t2s=1;bigrams=1;sub=03;v1") == nil)
        // Indexes written before sub-word terms existed keep their analyzer: no sub-words.
        let old = AnalyzerConfiguration(fingerprint: "icu72;repair=1;t2s=1;bigrams=1;v1")
        #expect(old?.subwords == [] && old?.emitsBigrams == true && old?.emitsJoins == false)
        #expect(AnalyzerConfiguration.default.fingerprint.hasSuffix(";bigrams=1;sub=3;joins=1;v1"))
    }

    func subwords(_ text: String, _ config: AnalyzerConfiguration = .default) throws -> [String] {
        try Analyzer(config).terms(in: text).filter { $0.kind == .subword }.map(\.text)
    }

    @Test func letterDigitWordsAlsoIndexTheirParts() throws {
        let terms = try analyzer.terms(in: "拳皇XII68人")
        let word = try #require(terms.first { $0.text == "xii68" })
        #expect(word.kind == .word)
        for part in ["xii", "68", "#xii"] {
            let t = try #require(terms.first { $0.text == part }, "\(part)")
            #expect(t.kind == .subword && t.position == word.position && t.sourceRange.lowerBound >= word.sourceRange.lowerBound)
        }
        #expect(try subwords("1.5t") == ["1.5", "t"])
        #expect(try subwords("intimate_yoga") == ["intimate", "yoga", "#int", "#nti", "#tim", "#ima", "#mat", "#ate",
                                                 "#yog", "#oga"])
        // A plain word or number has no parts; Han text has no sub-words unless asked for.
        #expect(try subwords("beijing 2023 工作报告") == ["#bei", "#eij", "#iji", "#jin", "#ing"])
        #expect(try subwords("xii68", AnalyzerConfiguration(subwords: [])) == [])
        // Each distinct sub-word once per word, so that a term's positions strictly increase.
        #expect(try subwords("banana") == ["#ban", "#ana", "#nan"])
        #expect(try subwords("a1a1") == ["a", "1"])
        #expect(try subwords("哈哈哈哈", AnalyzerConfiguration(subwords: .hanWordBigrams)).filter { $0 == "哈哈" }.count <= 1)
        #expect(try subwords("中华人民共和国", AnalyzerConfiguration(subwords: .hanWordBigrams)).contains("共和"))
        // Sub-words do not count toward a field's length: word positions are unchanged.
        #expect(try words("拳皇xii68人") == words("拳皇xii68人", AnalyzerConfiguration(subwords: [])))
    }
}

/// ICU's words of Han runs remembered across texts (``HanRunMemo``) must be exactly ICU's words of the same text.
@Suite struct HanRunMemoTests {
    /// The segments `stream` makes of `text` (ICU's, before any dictionary).
    func segments(_ stream: TokenStream, _ text: String) throws -> [Segment] {
        try Array(text.utf8).withUnsafeBytes { try stream.analyze($0) { _, _ in } }
        return stream.segments
    }

    /// Texts where a run's neighbours are not plain separators: kana, supplementary ideographs, combining and format
    /// characters, 々 and ー, emoji, Hangul, the placeholder character itself, runs too long to remember.
    static let edges = [
        "一二三，一二三。一", "日本語のテキスト中文中文、中文中文", "𠀀中华人民𠀀中华人民，中华人民", "中文\u{0301}中文，中文\u{0301}中文",
        "中文\u{200D}中文,中文\u{200D}中文", "人々中华人民，人々中华人民", "中文ー中文，中文ー中文", "中文😀中文，中文😀中文",
        "中文한국어中文，中文한국어中文", "abc中华人民共和国def中华人民共和国123中华人民共和国", "《中华人民共和国宪法》「中华人民共和国宪法」",
        String(repeating: "中华人民共和国国务院", count: 40), "中\u{3000}华\u{3000}人民", "中华人民共和国", "第一条 为了 规范",
    ]

    @Test func rememberedRunsSegmentExactlyAsICUAlone() throws {
        let plain = try TokenStream(.default)
        plain.memo = nil
        let remembering = try TokenStream(.default)
        let texts = try Self.texts()
        for text in texts + texts {  // the second pass recalls what the first learned
            #expect(try segments(remembering, text) == segments(plain, text), "\(text.prefix(40))")
        }
        let memo = try #require(remembering.memo)
        #expect(memo.unitsRecalled > 100_000)  // (the second pass recalls what the table still holds)
    }

    /// The reports' lines, the key-work text, and the edge texts alone and twice over.
    static func texts() throws -> [String] {
        var texts = edges + edges.map { $0 + " " + $0 }
        for file in ["gov-work-reports-national.jsonl", "gov-work-reports-provincial-2026.jsonl"] {
            texts += try corpusText(file).split(separator: "\n").map(String.init)
        }
        return texts + [try corpusText("weifang-2023q3-key-work.txt")]
    }
}
