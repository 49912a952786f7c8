import Foundation
import Testing
@testable import Kite

@Suite(.serialized) struct CLITests {
    let corpus = KiteProcess.repository + "/Corpus"

    @Test func analyzeWordsPrintsSighanFormat() throws {
        let r = try KiteProcess.run(["analyze", "--words"], stdin: "工 作 圆 满 完 成\n潍坊市统计局\n")
        #expect(r.status == 0)
        #expect(r.stdout == "工作  圆满  完成\n潍  坊  市  统计  局\n")
    }

    @Test func indexSearchAcrossPeriods() throws {
        let dir = TemporaryDirectory()
        let index = dir.sub("idx")
        let built = try KiteProcess.run(["index", corpus + "/weifang-2023q3-key-work.txt",
                                         corpus + "/gov-work-reports-provincial-2026.jsonl", "--index", index])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stderr.contains("indexed"))

        let hit = try KiteProcess.run(["search", "升规纳统", "--index", index, "--limit", "3"])
        #expect(hit.status == 0)
        let first = hit.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.contains("2023Q3/59/2") && first.contains("市统计局") && first.contains("2023Q3"), "\(hit.stdout)")

        let json = try KiteProcess.run(["search", "升规纳统", "--index", index, "--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let hits = try #require(obj["hits"] as? [[String: Any]])
        #expect(hits.first?["id"] as? String == "2023Q3/59/2")
        // The text's score is the JSON's to three decimals, as Foundation would format it.
        let score = try #require(hits.first?["score"] as? Double)
        #expect(first.hasPrefix("1. \(String(format: "%.3f", score))  "), "\(first)")
        let fields = try #require(hits.first?["fields"] as? [String: String])
        #expect(fields["department"] == "市统计局")
        let highlights = try #require(hits.first?["highlights"] as? [String: [[String: Int]]])
        let body = Array(fields["body"]!.utf8)
        for r in highlights["body"] ?? [] {
            let s = String(decoding: body[r["utf8Start"]!..<r["utf8End"]!], as: UTF8.self).filter { !$0.isWhitespace }
            #expect(["升规纳统", "升规", "纳统", "升", "规", "纳", "统", "规纳"].contains(s) || s.count > 1, "\(s)")
        }
        let periods = try #require(obj["periods"] as? [[String: Any]])
        #expect(periods.contains { $0["period"] as? String == "2023Q3" })

        let filtered = try KiteProcess.run(["search", "统计", "--index", index, "--period", "2026-02", "--json", "--limit", "50"])
        let fobj = try #require(try JSONSerialization.jsonObject(with: Data(filtered.stdout.utf8)) as? [String: Any])
        let fhits = try #require(fobj["hits"] as? [[String: Any]])
        #expect(!fhits.isEmpty)
        #expect(fhits.allSatisfy { ($0["fields"] as? [String: String])?["period"] == "2026-02" })

        let chart = try KiteProcess.run(["search", "统计", "--index", index, "--by-period", "--limit", "0"])
        #expect(chart.status == 0)
        #expect(chart.stdout.contains("2023Q3") && chart.stdout.contains("█"))

        let check = try KiteProcess.run(["check", "--index", index])
        #expect(check.status == 0, "\(check.stderr)")
        let stats = try KiteProcess.run(["stats", "--index", index, "--json"])
        let sobj = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect((sobj["documents"] as? Int ?? 0) > 100)
    }

    /// The tour's headline: 升规纳统 by period is one bar, 2023Q3, with one document; related documents follow,
    /// marked; JSON says which hits match and which document a passage belongs to.
    @Test func byPeriodCountsMatchingDocuments() throws {
        let dir = TemporaryDirectory()
        let index = dir.sub("idx")
        let built = try KiteProcess.run(["index", corpus, "--index", index])
        #expect(built.status == 0, "\(built.stderr)")
        let chart = try KiteProcess.run(["search", "升规纳统", "--index", index, "--by-period", "--limit", "0"])
        #expect(chart.stdout == "2023Q3  ████████████████████████████████████████ 1\n1 document in 1 period\n", "\(chart.stdout)")
        let list = try KiteProcess.run(["search", "升规纳统", "--index", index, "--limit", "3"])
        #expect(list.stdout.contains("related documents") && list.stdout.hasSuffix("1 document matches; 2 related shown\n"))
        let exact = try KiteProcess.run(["search", "升规纳统", "--index", index, "--limit", "3", "--match", "exact"])
        #expect(!exact.stdout.contains("related") && exact.stdout.hasSuffix("1 document matches\n"))
        let json = try KiteProcess.run(["search", "新质生产力", "--index", index, "--json", "--limit", "40"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let hits = try #require(obj["hits"] as? [[String: Any]])
        #expect(obj["totalHits"] as? Int == 34)
        #expect(hits.filter { $0["match"] as? String == "exact" }.count == 34)
        let ids = hits.compactMap { $0["documentId"] as? String }
        #expect(Set(ids).count == ids.count)
        let nested = try KiteProcess.run(["search", "发展", "--index", index, "--period", "2026", "--by-period", "--limit", "0"])
        #expect(nested.stdout.contains("2026-01") && nested.stdout.contains("2026-02"))
        let none = try KiteProcess.run(["search", "发展", "--index", index, "--period", "2031", "--limit", "0"])
        #expect(none.status == 0 && none.stderr == "kite: warning: no document of this index has period 2031\n")
        let empty = try KiteProcess.run(["search", "发展", "--index", index, "--from", "2025", "--to", "2019", "--limit", "0"])
        #expect(empty.stderr.contains("--from 2025 is after --to 2019"))
    }

    /// Ids never collide silently: text files under a directory are named by their relative path, a JSON line
    /// without an id is an input error with file and line, an id given twice is reported; files need --index.
    @Test func idsDoNotCollideSilently() throws {
        let dir = TemporaryDirectory()
        let docs = dir.sub("docs")
        try FileManager.default.createDirectory(atPath: docs + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: docs + "/b", withIntermediateDirectories: true)
        try "第一份笔记".write(toFile: docs + "/a/note.txt", atomically: false, encoding: .utf8)
        try "第二份笔记".write(toFile: docs + "/b/note.txt", atomically: false, encoding: .utf8)
        let built = try KiteProcess.run(["index", docs, "--index", dir.sub("idx")])
        #expect(built.status == 0 && built.stderr.contains("index has 2 documents"), "\(built.stderr)")
        let ids = try IndexReader(at: dir.sub("idx")).search("笔记").hits.map(\.id)
        #expect(Set(ids) == ["a/note.txt", "b/note.txt"])

        try "{\"id\":\"x\",\"text\":\"统计\"}\n{\"text\":\"没有编号\"}\n{\"id\":\"x\",\"text\":\"普查\"}\n"
            .write(toFile: dir.sub("c.jsonl"), atomically: false, encoding: .utf8)
        let lines = try KiteProcess.run(["index", dir.sub("c.jsonl"), "--index", dir.sub("idx2")])
        #expect(lines.stderr.contains("c.jsonl:2: no id"), "\(lines.stderr)")
        #expect(lines.stderr.contains("id \"x\" given again"))
        let strict = try KiteProcess.run(["index", dir.sub("c.jsonl"), "--index", dir.sub("idx3"), "--strict"])
        #expect(strict.status != 0 && !FileManager.default.fileExists(atPath: dir.sub("idx3") + "/manifest"))

        let noIndex = try KiteProcess.run(["index", dir.sub("c.jsonl")], environment: ["KITE_DEFAULT_INDEX": dir.sub("demo")])
        #expect(noIndex.status == 1 && noIndex.stderr.contains("--index"))
        #expect(!FileManager.default.fileExists(atPath: dir.sub("demo")))
    }

    /// `--json` is the written contract (README.md, JSON output): it decodes as `SearchResponse`, text is UTF-8 as
    /// is, and both offset units slice the same text; `--json-lines` gives the same hits one per line.
    @Test func jsonOutputIsTheWrittenContract() throws {
        let dir = TemporaryDirectory()
        let index = dir.sub("idx")
        try KiteProcess.run(["index", corpus + "/weifang-2023q3-key-work.txt", "--index", index])
        let json = try KiteProcess.run(["search", "统计", "--index", index, "--json", "--limit", "3"])
        #expect(json.status == 0 && json.stdout.contains("统计") && !json.stdout.contains("\\u7edf"))
        let response = try JSONDecoder().decode(SearchResponse.self, from: Data(json.stdout.utf8))
        #expect(response.schemaVersion == 1 && response.query == "统计" && response.hits.count == 3)
        #expect(response.hits.map(\.rank) == [1, 2, 3] && response.totalHits == 4)
        for hit in response.hits {
            #expect(hit.match == "exact")
            for (field, spans) in hit.highlights {
                let text = try #require(hit.fields[field])
                for span in spans {
                    let scalars = Array(text.unicodeScalars)[span.start..<span.end]
                    let bytes = Array(text.utf8)[span.utf8Start..<span.utf8End]
                    #expect(String(String.UnicodeScalarView(scalars)) == String(decoding: bytes, as: UTF8.self))
                }
            }
            let snippet = try #require(hit.snippet)
            #expect(snippet.highlights.contains { Array(snippet.text.unicodeScalars)[$0.start..<$0.end].count == 2 })
        }
        let lines = try KiteProcess.run(["search", "统计", "--index", index, "--json-lines", "--limit", "3"])
        let decoded = try lines.stdout.split(separator: "\n").map {
            try JSONDecoder().decode(SearchResponse.Hit.self, from: Data($0.utf8))
        }
        #expect(decoded == response.hits)
        let analyzed = try KiteProcess.run(["analyze", "--json", "潍坊市统计局"])
        #expect(analyzed.stdout.contains("\"term\":\"统计\",\"utf8End\":15,\"utf8Start\":9"), "\(analyzed.stdout)")
    }

    /// ripgrep's manners: a query from standard input, paging, colour on request only, `--version`.
    @Test func queryFromStandardInputPagingColourAndVersion() throws {
        let dir = TemporaryDirectory()
        let index = dir.sub("idx")
        try KiteProcess.run(["index", corpus + "/weifang-2023q3-key-work.txt", "--index", index])
        let direct = try KiteProcess.run(["search", "统计", "--index", index, "--limit", "3"])
        let piped = try KiteProcess.run(["search", "-", "--index", index, "--limit", "3"], stdin: "统计\n")
        #expect(piped.status == 0 && piped.stdout == direct.stdout && !direct.stdout.isEmpty)
        let second = try KiteProcess.run(["search", "统计", "--index", index, "--limit", "1", "--offset", "1"])
        let lines = direct.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(second.stdout.split(separator: "\n").first == lines.dropFirst().first, "\(second.stdout)")
        #expect(!direct.stdout.contains("\u{1B}["))
        let always = try KiteProcess.run(["search", "统计", "--index", index, "--color", "always"], environment: ["NO_COLOR": "1"])
        #expect(always.stdout.contains("\u{1B}["))
        // A query that begins with an exclusion needs no `--`, before or after the options; with it, the same.
        let excluded = try KiteProcess.run(["search", "-统计", "--index", index, "--json", "--limit", "0"])
        let afterOptions = try KiteProcess.run(["search", "--index", index, "--json", "--limit", "0", "-统计"])
        let dashed = try KiteProcess.run(["search", "--index", index, "--json", "--limit", "0", "--", "-统计"])
        // Several words are one query, an exclusion among them too, options anywhere.
        let quoted = try KiteProcess.run(["search", "工作 -统计", "--index", index, "--json", "--limit", "3"])
        let split = try KiteProcess.run(["search", "工作", "--limit", "3", "-统计", "--index", index, "--json"])
        #expect(quoted.status == 0 && split.status == 0 && quoted.stdout == split.stdout, "\(split.stderr)")
        // Every option of `kite search` that takes a value is one whose value the argument rewriting keeps.
        let help = try KiteProcess.run(["search", "--help"]).stdout
        let valued = Set(help.matches(of: /(--[a-z-]+) <[a-z-]+>/).map { String($0.output.1) })
        #expect(!valued.isEmpty && valued == ["--index", "--limit", "--offset", "--period", "--from", "--to", "--color", "--match", "--sort"], "\(valued)")
        #expect(excluded.status == 0 && excluded.stdout == dashed.stdout && afterOptions.stdout == dashed.stdout, "\(excluded.stderr)")
        let number = { (s: String, key: String) in (try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])?[key] as? Int }
        let total = { (s: String) in number(s, "totalHits") }
        let all = try KiteProcess.run(["stats", "--index", index, "--json"])
        let with = try KiteProcess.run(["search", "统计", "--index", index, "--json", "--limit", "0", "--match", "exact"])
        if let t = total(excluded.stdout), let a = number(all.stdout, "documents"), let w = total(with.stdout) {
            #expect(w > 0 && t + w == a, "excluded \(t), all \(a), with \(w)")
        } else {
            Issue.record("no totals: \(excluded.stdout.prefix(200)) \(all.stdout.prefix(200)) \(all.stderr)")
        }
        let empty = try KiteProcess.run(["search", "-", "--index", index], stdin: "  \n")
        #expect(empty.status == 2 && empty.stderr.contains("no query on standard input"))
        for help in [["--help"], ["index", "--help"], ["search", "-h"], ["help", "backup"]] {
            let h = try KiteProcess.run(help)
            #expect(h.status == 0 && h.stdout.contains("USAGE") && h.stderr.isEmpty, "\(help): \(h.stderr)")
        }
        #expect(try KiteProcess.run(["index", "--help"]).stdout.contains("--threads"))
        let version = try KiteProcess.run(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("kite \(KiteRelease.version) (index format \(KiteRelease.indexFormat), ICU "))
    }

    /// Newest or oldest first by period; matches without a period are a bar of their own; a directory's other
    /// files are named as skipped.
    @Test func sortByPeriodAndTheUndatedBar() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.sub("docs"), withIntermediateDirectories: true)
        try "统计工作的笔记".write(toFile: dir.sub("docs/note.txt"), atomically: false, encoding: .utf8)
        try Data([0x25, 0x50, 0x44, 0x46]).write(to: URL(fileURLWithPath: dir.sub("docs/scan.pdf")))
        let index = dir.sub("idx")
        let built = try KiteProcess.run(["index", corpus + "/weifang-2023q3-key-work.txt",
                                         corpus + "/gov-work-reports-provincial-2026.jsonl", dir.sub("docs"), "--index", index])
        #expect(built.status == 0 && built.stderr.contains("skipped 1 file(s)") && built.stderr.contains("scan.pdf"))
        func periods(_ sort: String) throws -> [String] {
            let r = try KiteProcess.run(["search", "统计", "--index", index, "--sort", sort, "--limit", "400", "--json"])
            return try JSONDecoder().decode(SearchResponse.self, from: Data(r.stdout.utf8)).hits.map { $0.fields["period"] ?? "" }
        }
        let newest = try periods("newest"), oldest = try periods("oldest")
        #expect(newest.first?.hasPrefix("2026") == true && newest.last == "", "\(newest.prefix(3)) … \(newest.suffix(2))")
        #expect(oldest.first == "2023Q3" && oldest.last == "")
        #expect(Set(newest) == Set(oldest) && newest.filter { $0 == "" }.count == 1)
        let dated = newest.filter { !$0.isEmpty }
        #expect(dated == dated.sorted(by: >), "2023Q3 sorts before 2026-01 as text and in time")
        let chart = try KiteProcess.run(["search", "统计", "--index", index, "--by-period", "--limit", "0"])
        #expect(chart.stdout.contains("(no period)") && chart.stdout.contains("(1 without a period)"), "\(chart.stdout)")
        let any = try KiteProcess.run(["search", "统计", "--index", index, "--sort", "newest", "--match", "any"])
        #expect(any.status == 1)
    }

    @Test func errorsExitWithStatusAndOneLine() throws {
        let dir = TemporaryDirectory()
        let missing = try KiteProcess.run(["search", "统计", "--index", dir.sub("nothing")])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("kite: no index at"))
        #expect(missing.stderr.split(separator: "\n").count == 1)

        let index = dir.sub("idx")
        try KiteProcess.run(["index", corpus + "/weifang-2023q3-key-work.txt", "--index", index])
        let bad = try KiteProcess.run(["search", "(统计", "--index", index])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad query at"))

        let usage = try KiteProcess.run(["search"])
        #expect(usage.status == 1 && usage.stderr.split(separator: "\n").count == 1, "\(usage.stderr)")
        #expect(usage.stderr.contains("kite search --help"))
        let unknown = try KiteProcess.run(["frobnicate"])
        #expect(unknown.status == 1 && unknown.stderr.split(separator: "\n").count == 1)
        let negative = try KiteProcess.run(["search", "统计", "--index", index, "--limit", "-1"])
        #expect(negative.status == 1 && negative.stderr.contains("--limit must be 0 or more"), "\(negative.stderr)")
        // Nowhere to build the default index: one line, status 2, and what to do about it.
        let homeless = try KiteProcess.run(["search", "统计"], environment: [
            "HOME": "/proc/kite-no-home", "XDG_CACHE_HOME": "", "KITE_DEFAULT_INDEX": ""])
        #expect(homeless.status == 2 && homeless.stderr.split(separator: "\n").count == 1, "\(homeless.stderr)")
        #expect(homeless.stderr.contains("cannot build the default index") && homeless.stderr.contains("KITE_DEFAULT_INDEX"))
        // Files that cannot be written: the path and the system's reason, one line, status 2.
        let export = try KiteProcess.run(["export", "--index", index, "--output", dir.sub("no/such/dir/out.jsonl")])
        #expect(export.status == 2 && export.stderr.split(separator: "\n").count == 1, "\(export.stderr)")
        #expect(export.stderr.contains(dir.sub("no/such/dir/out.jsonl")) && export.stderr.contains("No such file or directory"))
        let vocab = try KiteProcess.run(["vocab", corpus + "/weifang-2023q3-key-work.txt", "--output", dir.sub("no/such/words.txt")])
        #expect(vocab.status == 2, "\(vocab.stderr)")
        #expect(vocab.stderr.contains("cannot write \(dir.sub("no/such/words.txt"))") && vocab.stderr.contains("No such file or directory"),
                "\(vocab.stderr)")
    }

    /// Foundation's libraries (beyond FoundationEssentials, which ArgumentParser uses) would add about 7 MiB to the
    /// resident memory of every `kite` run (`Benchmarks/memory/bounded.py`): the CLI and the library do without them.
    @Test func theBinaryLinksNoFoundationBeyondEssentials() throws {
        let ldd = Process()
        ldd.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        ldd.arguments = [KiteProcess.binary]
        let out = Pipe()
        ldd.standardOutput = out
        try ldd.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ldd.waitUntilExit()
        #expect(ldd.terminationStatus == 0 && text.contains("libswiftCore"), "\(text)")
        for library in ["libFoundation.so", "libFoundationInternationalization", "lib_FoundationICU"] {
            #expect(!text.contains(library), "kite links \(library)")
        }
    }

    @Test func malformedInputIsReportedAndStrictCommitsNothing() throws {
        let dir = TemporaryDirectory()
        let index = dir.sub("idx")
        let input = dir.sub("in.jsonl")
        try """
            {"id": "a", "title": "统计工作", "text": "升规纳统"}
            {"id": "b", "text": "broken
            {"id": "c", "text": "高质量发展"}

            """.write(toFile: input, atomically: false, encoding: .utf8)
        let strict = try KiteProcess.run(["index", input, "--index", index, "--strict"])
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("in.jsonl:2"))
        #expect(try KiteProcess.run(["stats", "--index", index]).status == 2)  // nothing committed

        let lenient = try KiteProcess.run(["index", input, "--index", index])
        #expect(lenient.status == 0)
        #expect(lenient.stderr.contains("in.jsonl:2"))
        let stats = try KiteProcess.run(["stats", "--index", index, "--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(obj["documents"] as? Int == 2)

        let binary = dir.sub("bad.txt")
        try Data([0xE5, 0xB7, 0xA5, 0x0A, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: binary))
        let nonUTF8 = try KiteProcess.run(["index", binary, "--index", index, "--strict"])
        #expect(nonUTF8.status == 2)
        #expect(nonUTF8.stderr.contains("bad.txt:2"))
    }

    @Test func benchReportsKiteAgainstTheICUFloor() throws {
        let r = try KiteProcess.run(["bench", corpus + "/gov-work-reports-provincial-2026.jsonl", "--threads", "2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["documents"] as? Int == 31)
        #expect((obj["icuWords"] as? Int ?? 0) > 100_000)
        #expect((obj["ratioToICU"] as? Double ?? 0) > 0)
        #expect((obj["indexBytes"] as? Int ?? 0) > 0)
        #expect(obj["dictionaryWords"] as? Int == 0)
    }

    /// `kite bench --dictionary` indexes with the dictionary (the cost the dictionary issue measures), says so, and
    /// refuses a bad dictionary file with one line and status 2 before indexing anything.
    @Test func benchIndexesWithTheAnalyzerItIsGiven() throws {
        let dir = TemporaryDirectory()
        let words = dir.sub("words.txt")
        try "新质生产力\n升规纳统 3 n\n# a comment\n专精特新\n".write(toFile: words, atomically: true, encoding: .utf8)
        let file = corpus + "/gov-work-reports-provincial-2026.jsonl"
        let r = try KiteProcess.run(["bench", file, "--threads", "1", "--json", "--dictionary", words])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["dictionaryWords"] as? Int == 3)
        #expect((obj["analyzer"] as? String ?? "").contains("dict="))
        #expect(obj["documents"] as? Int == 31)
        let text = try KiteProcess.run(["bench", file, "--threads", "1", "--dictionary", words])
        #expect(text.status == 0 && text.stdout.contains("a dictionary of 3 words"), "\(text.stdout)")
        let bad = dir.sub("bad.txt")
        try "好词\n词 1 2 3\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try KiteProcess.run(["bench", file, "--dictionary", bad])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("bad.txt, line 2"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
    }

    /// `kite index` with a 1 MB RAM budget on a corpus 1.8× and 5.4× the budget: the peak memory it reports does not
    /// grow with the corpus (segments are flushed at the budget, input is streamed, merges stream their sources).
    @Test(.disabled(if: underSanitizer, "a sanitizer's shadow memory and quarantine dominate the process's RSS"))
    func indexingMemoryDoesNotGrowWithTheCorpus() throws {
        let dir = TemporaryDirectory()
        let lines = try String(contentsOfFile: corpus + "/gov-work-reports-provincial-2026.jsonl", encoding: .utf8)
            .split(separator: "\n").filter { !$0.isEmpty }
        var peaks: [Int] = []
        for copies in [1, 3] {
            var text = ""
            for k in 0..<copies {
                for line in lines { text += line.replacingOccurrences(of: "\"id\": \"", with: "\"id\": \"\(k)-") + "\n" }
            }
            let file = dir.sub("x\(copies).jsonl")
            try text.write(toFile: file, atomically: false, encoding: .utf8)
            let r = try KiteProcess.run(["index", file, "--index", dir.sub("idx\(copies)"), "--ram-budget", "1", "--threads", "1"])
            #expect(r.status == 0, "\(r.stderr)")
            let summary = try #require(r.stderr.split(separator: "\n").last { $0.hasPrefix("indexed") })
            let peak = try #require(summary.split(separator: ";").last { $0.contains("peak memory") }?
                .split(separator: " ").compactMap { Int($0) }.first)
            #expect(try IndexReader(at: dir.sub("idx\(copies)")).documentCount > 1000 * copies)
            peaks.append(peak)
        }
        print("CLITests: peak memory with a 1 MB budget: \(peaks[0]) MiB for 1.8 MB of text, \(peaks[1]) MiB for 5.4 MB")
        #expect(peaks[1] <= peaks[0] + 10, "\(peaks)")
    }

    @Test func runWritesATrecRun() throws {
        let dir = TemporaryDirectory()
        let index = dir.sub("idx")
        try KiteProcess.run(["index", corpus + "/weifang-2023q3-key-work.txt", "--index", index])
        let queries = dir.sub("q.tsv")
        try "q1\t升规纳统\nq2\t农综区 (推进)\n".write(toFile: queries, atomically: false, encoding: .utf8)
        let run = try KiteProcess.run(["run", "--index", index, "--queries", queries, "--output", dir.sub("run.txt")])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOfFile: dir.sub("run.txt"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first?.hasPrefix("q1 Q0 2023Q3/59/2 1 ") == true)
        #expect(lines.contains { $0.hasPrefix("q2 Q0") })
    }
}
