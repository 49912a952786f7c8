import Foundation
import Testing
@testable import Kite

// Seeded mutation fuzzing of the parsers that take untrusted bytes (issue 15): the JSONL reader (checked against
// Foundation's JSON parser), the query parser (and the search behind it) and the report parser. Each must answer or
// fail with its typed error; a crash fails the run. KITE_FUZZ_ITERATIONS (default 2,000 per target) runs longer.

/// Byte-level mutations of seed inputs.
struct Mutator {
    var random: SeededRandom
    let seeds: [[UInt8]]
    /// Bytes that matter to the formats: JSON and query syntax, UTF-8 lead and continuation bytes, NUL.
    static let interesting: [UInt8] = Array("{}[]\":,\\u0eE.-+tfn \t()ORANDNOT*:\"#".utf8) + [0x00, 0x0A, 0x0D, 0xC3, 0xA9, 0xE4, 0xB8, 0xAD, 0xF0, 0xFF, 0x80]

    init(seed: UInt64, seeds: [[UInt8]]) {
        random = SeededRandom(seed: seed)
        self.seeds = seeds
    }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(random.next() % UInt64(n)) }

    mutating func next() -> [UInt8] {
        var b = seeds[below(seeds.count)]
        for _ in 0...below(4) {
            switch below(6) {
            case 0 where !b.isEmpty: b[below(b.count)] ^= UInt8(1 << below(8))
            case 1: b.insert(Self.interesting[below(Self.interesting.count)], at: below(b.count + 1))
            case 2 where !b.isEmpty:
                let at = below(b.count)
                b.removeSubrange(at..<min(b.count, at + 1 + below(8)))
            case 3 where !b.isEmpty:
                let at = below(b.count), n = 1 + below(16)
                b.insert(contentsOf: b[at..<min(b.count, at + n)], at: below(b.count + 1))
            case 4:
                let other = seeds[below(seeds.count)]
                let cut = below(b.count + 1), from = below(other.count + 1)
                b = Array(b[..<cut]) + other[from...]
            default: if !b.isEmpty { b[below(b.count)] = Self.interesting[below(Self.interesting.count)] }
            }
        }
        return b
    }
}

@Suite struct FuzzTests {
    static let iterations = ProcessInfo.processInfo.environment["KITE_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 2_000
    static let corpus = KiteProcess.repository + "/Corpus/"

    /// A line Kite's reader accepts is JSON that Foundation also accepts, with the same keys and string values.
    @Test func jsonLinesReaderAgreesWithFoundationOnMutatedLines() throws {
        let text = try String(contentsOfFile: Self.corpus + "gov-work-reports-provincial-2026.jsonl", encoding: .utf8)
        var seeds = text.split(separator: "\n").prefix(40).map { Array($0.utf8.prefix(600)) }
        seeds += [#"{"id":"a\u00e9\"\\/\n","n":-1.5e3,"b":true,"z":null,"arr":[1,{"a":[2]}],"s":"\ud83d\ude00"}"#,
                  #"{"id": "x", "text": "统计 普查", "period": "2023Q3"}"#, "{}", "  "].map { Array($0.utf8) }
        var mutator = Mutator(seed: 15, seeds: seeds)
        var accepted = 0, rejected = 0
        for k in 0..<Self.iterations {
            // Half generated (valid JSON with every escape, numbers, nesting), half mutated.
            let line = (k % 2 == 0 ? Self.generatedLine(&mutator) : mutator.next()).filter { $0 != 0x0A }
            let result = line.withUnsafeBytes { JSONLinesReader.decodeLine($0, number: 7, path: "f.jsonl") }
            switch result {
            case nil:
                #expect(line.allSatisfy { [0x20, 0x09, 0x0D].contains($0) }, "a non-blank line read as blank: \(line)")
            case .failure(let e)?:
                rejected += 1
                #expect(e.line == 7 && (1...(line.count + 1)).contains(e.column ?? 0), "\(e)")
            case .success(let object)?:
                accepted += 1
                let parsed = try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])
                guard let dict = parsed as? [String: Any] else {
                    Issue.record("accepted what Foundation rejects: \(String(decoding: line, as: UTF8.self))")
                    continue
                }
                for member in object.members {
                    #expect(dict[member.key] != nil, "key \(member.key) of \(String(decoding: line, as: UTF8.self))")
                    if case .string(let s) = member.value, object.members.filter({ $0.key == member.key }).count == 1 {
                        #expect(dict[member.key] as? String == s, "\(member.key) of \(String(decoding: line, as: UTF8.self))")
                    }
                }
            }
        }
        print("FuzzTests: JSONL \(accepted) accepted, \(rejected) rejected of \(Self.iterations)")
        #expect(accepted > 0 && rejected > 0)
    }

    /// A random JSON object line: strings of escapes, raw UTF-8 and plain text; numbers; booleans; null; nesting.
    static func generatedLine(_ m: inout Mutator) -> [UInt8] {
        let pieces = ["a", "统计", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\u7edf", "\\ud83d\\ude00", "\\t", "é", "😀", " ", "#1"]
        func string() -> String { "\"" + (0..<m.below(5)).map { _ in pieces[m.below(pieces.count)] }.joined() + "\"" }
        func value(_ depth: Int) -> String {
            switch m.below(depth > 1 ? 5 : 7) {
            case 0: return string()
            case 1: return ["0", "-1", "1.5e3", "-0.25E-2", "12345678901234567890"][m.below(5)]
            case 2: return m.below(2) == 0 ? "true" : "false"
            case 3: return "null"
            case 4: return string()
            case 5: return "[" + (0..<m.below(3)).map { _ in value(depth + 1) }.joined(separator: ",") + "]"
            default: return "{" + (0..<m.below(3)).map { _ in string() + ":" + value(depth + 1) }.joined(separator: ",") + "}"
            }
        }
        func space() -> String { [" ", "", "\t", "  "][m.below(4)] }
        let members = (0..<(1 + m.below(4))).map { i in "\"k\(i)\"" + space() + ":" + space() + value(0) }
        return Array(("{" + space() + members.joined(separator: "," + space()) + space() + "}").utf8)
    }

    /// Mutated queries parse or fail with a position inside the query; what parses, searches or fails typed.
    @Test func queryParserAndSearchTakeMutatedQueries() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path)
        for d in RelCorpus.documents(40) { try w.add(d) }
        try w.commit()
        w.close()
        let reader = try IndexReader(at: dir.path)
        let seeds = ["升规纳统", "\"高质量发展\" title:报告 -疫情", "统计 AND (普查 OR 调查) NOT 农业", "period:[2019 TO 2023] 改革",
                     "+稳就业 -保民生 period:2023Q3", "title:(a OR b)", "AI 5G 2025年"].map { Array($0.utf8) }
        var mutator = Mutator(seed: 16, seeds: seeds)
        var parsed = 0, refused = 0
        for _ in 0..<Self.iterations {
            let text = String(decoding: mutator.next(), as: UTF8.self)
            do {
                let q = try QueryParser(schema: reader.schema).parse(text)
                parsed += 1
                for match in [MatchMode.related, .any] {
                    do { _ = try reader.search(q, options: SearchOptions(limit: 3, match: match)) } catch {
                        guard case .badQuery = error else { Issue.record("\(text): \(error)"); continue }
                    }
                }
            } catch {
                refused += 1
                guard case .badQuery(_, let position) = error else { Issue.record("\(text): \(error)"); continue }
                #expect(position >= 0 && position <= text.count, "\(text): position \(position)")
            }
        }
        print("FuzzTests: queries \(parsed) parsed, \(refused) refused of \(Self.iterations)")
        #expect(parsed > 0 && refused > 0)
    }

    /// Mutated reports parse into documents with ids, or fail for want of a period.
    @Test func reportParserTakesMutatedReports() throws {
        let text = try String(contentsOfFile: Self.corpus + "weifang-2023q3-key-work.txt", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var seeds: [[UInt8]] = []
        for start in stride(from: 0, to: lines.count, by: 40) {
            seeds.append(Array(lines[start..<min(lines.count, start + 60)].joined(separator: "\n").utf8))
        }
        var mutator = Mutator(seed: 17, seeds: seeds)
        var documents = 0
        for k in 0..<max(1, Self.iterations / 10) {
            let input = String(decoding: mutator.next(), as: UTF8.self)
            do {
                let docs = try ReportParser().documents(from: input, fileName: "weifang-2023q3-\(k).txt")
                documents += docs.count
                #expect(docs.allSatisfy { !$0.id.isEmpty && $0["period"] != nil })
            } catch {
                #expect(error.reason == .missingPeriod, "\(error)")
            }
        }
        print("FuzzTests: reports gave \(documents) documents")
        #expect(documents > 0)
    }
}
