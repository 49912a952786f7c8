import CKite
import Foundation
import Testing
@testable import Kite

/// ICU's dictionary pass done again on ICU's own dictionary (``HanDictionary``) must give exactly ICU's words.
@Suite struct HanDictionaryTests {
    /// The laws corpus of `../shared` (read-only, beside the repository), when it is there.
    static let lawsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus/laws.jsonl").path

    /// The distinct maximal runs of unified ideographs of the BMP in `texts`.
    static func runs(_ texts: [String]) -> Set<[UInt16]> {
        var runs = Set<[UInt16]>()
        for text in texts {
            var run: [UInt16] = []
            for u in text.utf16 {
                if HanRunMemo.isRunUnit(u) { run.append(u); continue }
                if !run.isEmpty { runs.insert(run); run.removeAll(keepingCapacity: true) }
            }
            if !run.isEmpty { runs.insert(run) }
        }
        return runs
    }

    /// ICU's word ends of `run` alone, or nil if any word's rule status is not ideographic.
    static func icuCuts(_ run: [UInt16], _ breaker: OpaquePointer) -> [Int32]? {
        guard kite_wordbreak_set_text(breaker, run, Int32(run.count)) <= 0 else { return nil }
        var cuts: [Int32] = []
        while case let end = kite_wordbreak_next(breaker), end >= 0 {
            guard kite_wordbreak_rule_status(breaker) == 400 else { return nil }
            cuts.append(end)
        }
        return cuts
    }

    /// Compares the dictionary's cuts with ICU's on every run; returns how many runs differ (and records the first).
    static func differences(_ runs: some Sequence<[UInt16]>, _ dictionary: HanDictionary) throws -> Int {
        var status: Int32 = 0
        let breaker = try #require(kite_wordbreak_open("zh", &status))
        defer { kite_wordbreak_close(breaker) }
        let scratch = HanDictionary.Scratch()
        var differing = 0
        for run in runs {
            var cuts = [Int32](repeating: 0, count: run.count)
            let count = run.withUnsafeBufferPointer { dictionary.cut($0.baseAddress!, run.count, scratch, into: &cuts) }
            let icu = icuCuts(run, breaker)
            if icu != Array(cuts[..<count]) {
                if differing == 0 { Issue.record("\(String(decoding: run, as: UTF16.self)): ICU \(icu ?? []), Kite \(cuts[..<count])") }
                differing += 1
            }
        }
        return differing
    }

    /// A stream segmenting with ICU alone, and one whose memo cuts runs with ICU's dictionary from its first text.
    static func streams() throws -> (plain: TokenStream, cutting: TokenStream, memo: HanRunMemo) {
        let plain = try TokenStream(.default)
        plain.memo = nil
        let cutting = try TokenStream(.default)
        let memo = try #require(cutting.memo)
        memo.dictionary = try #require(HanDictionary.shared)
        return (plain, cutting, memo)
    }

    @Test func icusDictionaryIsReadAndPassesItsCheck() throws {
        let dictionary = try #require(HanDictionary.shared)
        #expect(dictionary.wordCount > 100_000)  // (ICU 72's cjdict: 254,134 words of BMP ideographs)
        #expect(dictionary.verified(HanDictionary.sample))
    }

    @Test func cutsAreICUsOnEveryRunOfTheReports() throws {
        let dictionary = try #require(HanDictionary.shared)
        let runs = Self.runs(try HanRunMemoTests.texts())
        #expect(runs.count > 20_000)
        #expect(try Self.differences(runs, dictionary) == 0)
    }

    /// Every distinct run of a third of the laws (57 MB; about 280,000 runs), with their longest runs.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: lawsPath), "../shared/corpus/laws.jsonl is not there"))
    func cutsAreICUsOnTheRunsOfTheLaws() throws {
        let dictionary = try #require(HanDictionary.shared)
        let lines = try String(contentsOfFile: Self.lawsPath, encoding: .utf8).split(separator: "\n")
        let runs = Self.runs(lines.enumerated().filter { $0.offset % 3 == 0 }.map { String($0.element) })
        #expect(runs.count > 100_000)
        #expect(runs.contains { $0.count > 60 })
        #expect(try Self.differences(runs, dictionary) == 0)
    }

    /// The check at load fails for a dictionary whose costs are not ICU's: then ICU cuts every run itself.
    @Test func aDictionaryThatIsNotICUsFailsTheCheck() throws {
        var words = WordTrie.Words()
        for word in ["一年", "二十", "全国", "发展", "经济"] { words.append(Array(word.utf16)) }
        let small = try #require(HanDictionary(words: words, costs: [40, 40, 40, 40, 40]))
        #expect(!small.verified(HanDictionary.sample))
        #expect(small.wordCount == 5)
    }

    /// Texts of ideographs, punctuation and spaces, with now and then a character that needs ICU's rules (a letter, a
    /// digit, `_`, kana, a joiner, a tab, an emoji), segmented without ICU where they can be: exactly ICU's segments.
    @Test func textsOfIdeographsAndPunctuationSegmentAsICUWithoutIt() throws {
        let (plain, alone, memo) = try Self.streams()
        let han = Array("中华人民共和国发展经济的一是了研究生命起源结婚和尚未")
        let punctuation = Array("!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~、。〈〉《》「」『』【】〔〕〖〗‐–—―‘’“”†•…‧，：；！？（）")
        let rare = Array("_a1Zのー々\u{200B}\t😀")
        var random = SeededRandom(seed: 0x5EED_0016)
        func next(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<(1 + next(40)) {
                switch next(100) {
                case 0..<55: text.append(han[next(han.count)])
                case 55..<80: text.append(punctuation[next(punctuation.count)])
                case 80..<97: text.append(String(repeating: " ", count: 1 + next(3)))
                default: text.append(rare[next(rare.count)])
                }
            }
            #expect(try HanRunMemoTests().segments(alone, text) == HanRunMemoTests().segments(plain, text), "\(text)")
        }
        #expect(memo.textsAlone > 5_000)
    }

    /// A token stream whose memo cuts runs with the dictionary gives ICU's segments, rule statuses included, on the
    /// reports and on texts built to break it (kana, supplementary ideographs, combining marks, runs of 400 units).
    @Test func tokenStreamsCuttingRunsSegmentExactlyAsICUAlone() throws {
        let (plain, cutting, memo) = try Self.streams()
        let texts = try HanRunMemoTests.texts()
        for text in texts + texts {  // the second pass recalls from the memo what the first cut
            #expect(try HanRunMemoTests().segments(cutting, text) == HanRunMemoTests().segments(plain, text), "\(text.prefix(40))")
        }
        #expect(memo.unitsCut > 100_000)
        #expect(memo.unitsRecalled > 100_000)
    }
}
