import Foundation
import Testing
@testable import Kite

/// Ingestion of the bundled corpora: JSON Lines, the report format, page chrome, passages, periods and numerals.
@Suite struct CorpusTests {
    /// The path of a file in the repository's `Corpus/`.
    static func corpusPath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Corpus").appendingPathComponent(name).path
    }

    static let weifang = "weifang-2023q3-key-work.txt"

    static let weifangDepartments = [
        "市统计局", "市医保局", "市国动办", "市地方金融监管局", "市大数据局", "市投资促进局", "市信访局", "潍坊国家农综区推进办",
        "市广播电视台", "市住房公积金管理中心", "市供销社", "市机关事务服务中心", "市农科院", "潍坊国际风筝会综合服务中心",
        "潍坊仲裁委员会办公室", "潍坊职业学院", "潍坊工程职业学院", "潍坊护理职业学院", "市技师学院",
        "山东（潍坊）海洋科技大学园管理办公室",
    ]

    func weifangReport() throws -> ParsedReport {
        ReportParser().parse(try String(contentsOfFile: Self.corpusPath(Self.weifang), encoding: .utf8))
    }

    func weifangDocuments() throws -> [Document] {
        try ReportParser().documents(contentsOfFile: Self.corpusPath(Self.weifang))
    }

    /// The objects of a JSON Lines text, failing the test on any malformed line.
    func objects(_ text: String) throws -> [JSONLObject] {
        try JSONLinesReader(bytes: Array(text.utf8)).map { try $0.get() }
    }

    func mappedDocuments(_ name: String, mapping: JSONLMapping = .default) throws -> [Document] {
        try JSONLinesReader(contentsOfFile: Self.corpusPath(name)).map { try mapping.document(from: $0.get()) }
    }

    // MARK: - Report format

    @Test func weifangHasTwentyCleanDepartments() throws {
        let report = try weifangReport()
        #expect(report.sections.map(\.number) == Array(59...78))
        #expect(report.sections.map(\.department) == Self.weifangDepartments)
        for section in report.sections {
            let hasSpace = section.department.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "\n" }
            #expect(!hasSpace, "\(section.department)")
        }
    }

    @Test func weifangItems() throws {
        let report = try weifangReport()
        let numbered = report.sections.flatMap(\.items).filter { $0.number > 0 }
        #expect(numbered.count == 84)
        for section in report.sections where section.number != 72 {
            #expect(section.items.map(\.number) == section.items.indices.map { $0 + 1 }, "section \(section.number)")
        }
        // 七十二 has one unnumbered paragraph and no numbered items.
        #expect(report.sections.first { $0.number == 72 }?.items.map(\.number) == [0])
        let documents = try weifangDocuments()
        #expect(documents.count == 85)
        #expect(Set(documents.map(\.id)).count == documents.count)
    }

    @Test func statisticsBureauItemTwo() throws {
        let documents = try weifangDocuments()
        let item = try #require(documents.first { $0.id == "2023Q3/59/2" })
        #expect(item["department"] == "市统计局")
        #expect(item["section"] == "59")
        #expect(item["period"] == "2023Q3")
        #expect(item["source"] == Self.weifang)
        #expect(item["title"] == "在升规纳统部门合作机制上“开新局”")
        let body = try #require(item["body"])
        #expect(CorpusText.removingWhitespace(body).contains("升规纳统"))
        #expect(body.hasPrefix("在升规纳统部门合作机制上“开\n新局”。"))  // original text, broken lines kept
        #expect(body.hasSuffix("时提供制度保障。"))
        #expect(documents.first { $0.id == "2023Q3/59/1" }?["title"] == "在党建引领重点工作攻坚上“走在前”")
        #expect(documents.first { $0.id == "2023Q3/60/2" }?["title"] == "争取国家支持资金5000万元")
    }

    @Test func brokenHeadingsAreJoined() throws {
        let report = try weifangReport()
        let department = { (number: Int) in report.sections.first { $0.number == number }?.department }
        #expect(department(66) == "潍坊国家农综区推进办")
        #expect(department(68) == "市住房公积金管理中心")
        #expect(department(72) == "潍坊国际风筝会综合服务中心")
        #expect(department(78) == "山东（潍坊）海洋科技大学园管理办公室")
        #expect(report.sections.first { $0.number == 66 }?.items.count == 5)
    }

    @Test func titleLineIsRecognizedAndKeptOutOfItems() throws {
        let report = try weifangReport()
        #expect(report.title == "2023年第三季度重点工作开展情况")
        #expect(report.titlePeriod?.description == "2023Q3")
        #expect(report.preamble.isEmpty)
        let last = try #require(report.sections.last?.items.last)
        #expect(!last.text.contains("重点工作开展情况"))
        #expect(last.text.hasSuffix("顺利入驻新校区。"))
    }

    @Test func numberedLinesInsideItemsAreNotItems() throws {
        let report = try weifangReport()
        // "39.7%。" and "10 . 6 2亿元；" start lines inside items of sections 68 and 73.
        let housing = try #require(report.sections.first { $0.number == 68 })
        #expect(housing.items.map(\.number) == [1, 2, 3, 4, 5])
        #expect(housing.items[3].text.contains("39.7%。"))
        let arbitration = try #require(report.sections.first { $0.number == 73 })
        #expect(arbitration.items.map(\.number) == [1, 2, 3])
    }

    @Test func reportPeriodPrecedence() throws {
        let text = "一、市统计局\n\n  1 .第一项。正文\n  2 .第二项。\n"
        let given = try ReportParser().documents(from: text, fileName: "weifang-2023q3.txt", period: ReportPeriod("2024Q1"))
        #expect(given.map(\.id) == ["2024Q1/1/1", "2024Q1/1/2"])
        let fromName = try ReportParser().documents(from: text, fileName: "/some/dir/weifang-2023q3.txt")
        #expect(fromName.map(\.id) == ["2023Q3/1/1", "2023Q3/1/2"])
        #expect(fromName.first?["source"] == "weifang-2023q3.txt")
        let titled = "2023年上半年重点工作开展情况\n\n" + text
        #expect(try ReportParser().documents(from: titled, fileName: "weifang-2023q3.txt").first?.id == "2023H1/1/1")
        let titledTight = "  2023年9月重点工作开展情况\n" + text  // no blank line between title and heading
        #expect(try ReportParser().documents(from: titledTight).map(\.id) == ["2023-09/1/1", "2023-09/1/2"])
        #expect(throws: IngestError.self) { try ReportParser().documents(from: text) }
        do {
            _ = try ReportParser().documents(from: text, fileName: "notes.txt")
            Issue.record("expected missingPeriod")
        } catch {
            #expect(error.reason == .missingPeriod)
        }
    }

    @Test func syntheticReportWithPreamble() throws {
        let text = """
            2023年第四季度重点工作开展情况

            各部门工作综述如下。
            一、市统计局

            1、统计工作。完成
            2 .5亿元的项目，
            5、6月份完成。
            2. 第二项！说明
              3 .3 + 2试点？

            二、市医保局
            1.医保。
            """
        let documents = try ReportParser().documents(from: text)
        try #require(documents.map(\.id) == ["2023Q4/0/0", "2023Q4/1/1", "2023Q4/1/2", "2023Q4/1/3", "2023Q4/2/1"])
        #expect(documents[0]["body"] == "各部门工作综述如下。")
        #expect(documents[0]["department"] == nil)
        // "2 .5亿元" is a broken number line, not item 2: unindented and a digit after the dot; "5、6月份" is not
        // item 5, which would skip 2–4.
        #expect(documents[1]["body"] == "统计工作。完成\n2 .5亿元的项目，\n5、6月份完成。")
        #expect(documents[2]["title"] == "第二项")
        #expect(documents[3]["title"] == "3 + 2试点")  // an indented "3 ." line is an item even before a digit
        #expect(documents[4]["department"] == "市医保局")
    }

    // MARK: - Numerals and periods

    @Test func chineseNumerals() {
        #expect(ChineseNumeral.value(of: "五十九") == 59)
        #expect(ChineseNumeral.value(of: "七十八") == 78)
        #expect(ChineseNumeral.value(of: "一百零五") == 105)
        #expect(ChineseNumeral.value(of: "十") == 10)
        #expect(ChineseNumeral.value(of: "二十") == 20)
        #expect(ChineseNumeral.value(of: "十五") == 15)
        #expect(ChineseNumeral.value(of: "九十九") == 99)
        #expect(ChineseNumeral.value(of: "一百") == 100)
        #expect(ChineseNumeral.value(of: "一百一十") == 110)
        #expect(ChineseNumeral.value(of: "一百五") == 150)
        #expect(ChineseNumeral.value(of: "两百") == 200)
        #expect(ChineseNumeral.value(of: "一千零一十") == 1010)
        #expect(ChineseNumeral.value(of: "三万五千") == 35000)
        #expect(ChineseNumeral.value(of: "二〇二三") == 2023)
        #expect(ChineseNumeral.value(of: "零") == 0)
        #expect(ChineseNumeral.value(of: "〇") == 0)
        #expect(ChineseNumeral.value(of: "") == nil)
        #expect(ChineseNumeral.value(of: "十十") == nil)
        #expect(ChineseNumeral.value(of: "五百六百") == nil)
        #expect(ChineseNumeral.value(of: "五十九、") == nil)
        #expect(ChineseNumeral.value(of: "abc") == nil)
    }

    @Test func periodsFromTitles() {
        let cases: [(String, String?)] = [
            ("2023年第三季度重点工作开展情况", "2023Q3"),
            ("2023年第一季度", "2023Q1"),
            ("2023年二季度工作", "2023Q2"),
            ("2023年一季度", "2023Q1"),
            ("2023年第4季度", "2023Q4"),
            ("潍坊市2023年第四季度重点工作", "2023Q4"),
            ("二〇二三年第三季度", "2023Q3"),
            ("2 0 2 3 年第三季度", "2023Q3"),
            ("2023年上半年工作总结", "2023H1"),
            ("2023年下半年", "2023H2"),
            ("2023年政府工作报告", "2023"),
            ("2023年9月", "2023-09"),
            ("2023年十二月工作", "2023-12"),
            ("2023年前三季度经济运行", "2023"),
            ("2023年1-9月", "2023"),
            ("第三季度重点工作", nil),
            ("", nil),
        ]
        for (title, expected) in cases {
            #expect(ReportPeriod.parse(title: title)?.description == expected, "\(title)")
        }
    }

    @Test func periodsFromFileNamesDatesAndText() {
        #expect(ReportPeriod.parse(fileName: "weifang-2023q3-key-work.txt")?.description == "2023Q3")
        #expect(ReportPeriod.parse(fileName: "/a/b/WEIFANG-2023Q1.txt")?.description == "2023Q1")
        #expect(ReportPeriod.parse(fileName: "report-2023-h1.txt")?.description == "2023H1")
        #expect(ReportPeriod.parse(fileName: "report-2023-09.txt")?.description == "2023-09")
        #expect(ReportPeriod.parse(fileName: "report_202309.txt")?.description == "2023-09")
        #expect(ReportPeriod.parse(fileName: "report-2023.txt")?.description == "2023")
        #expect(ReportPeriod.parse(fileName: "潍坊2023年第二季度.txt")?.description == "2023Q2")
        #expect(ReportPeriod.parse(fileName: "notes.txt") == nil)
        #expect(ReportPeriod.parse(fileName: "id-123456789.txt") == nil)

        #expect(ReportPeriod.parse(date: "2023")?.description == "2023")
        #expect(ReportPeriod.parse(date: "2026-02-09")?.description == "2026-02")
        #expect(ReportPeriod.parse(date: "2026-02")?.description == "2026-02")
        #expect(ReportPeriod.parse(date: "2026/2/9")?.description == "2026-02")
        #expect(ReportPeriod.parse(date: "2026年2月9日")?.description == "2026-02")
        #expect(ReportPeriod.parse(date: "") == nil)
        #expect(ReportPeriod.parse(date: "2026-13-01") == nil)
        #expect(ReportPeriod.parse(date: "unknown") == nil)

        for text in ["2023", "2023H1", "2023H2", "2023Q1", "2023Q4", "2023-01", "2023-12"] {
            #expect(ReportPeriod(text)?.description == text)
        }
        #expect(ReportPeriod("2023q3")?.description == "2023Q3")
        for text in ["", "202", "2023Q5", "2023Q0", "2023H3", "2023-13", "2023-1", "2023X1", "abcd"] {
            #expect(ReportPeriod(text) == nil, "\(text)")
        }
    }

    // MARK: - JSON Lines

    @Test func jsonStringEscapes() throws {
        let line = #"{"s":"q\"b\\s\/n\nt\tr\r\b\f\u00e9\u4E2D\uD83D\uDE00end","k\u0065y":"v"}"#
        let object = try #require(try objects(line).first)
        #expect(object["s"] == .string("q\"b\\s/n\nt\tr\r\u{8}\u{C}é中😀end"))
        #expect(object["key"] == .string("v"))
        #expect(object.line == 1)
    }

    @Test func jsonScalarsAndNull() throws {
        let object = try #require(try objects(#"{ "n" : -12.5e-3 , "i":0, "t":true, "f":false, "z":null, "u":"中文" }"#).first)
        #expect(object.keys == ["n", "i", "t", "f", "u"])
        #expect(object["n"] == .number("-12.5e-3"))
        #expect(object["i"] == .number("0"))
        #expect(object["t"] == .bool(true))
        #expect(object["f"] == .bool(false))
        #expect(object["z"] == nil)
        #expect(object["u"]?.scalarText == "中文")
    }

    @Test func nestedValuesAreSkippedOrKeptRaw() throws {
        let line = #"{"a":{"x":[1,{"y":"]}\"{"}],"z":{}},"b":[[],[[ ]]],"c":"after"}"#
        let skipped = try #require(try objects(line).first)
        #expect(skipped.keys == ["c"])
        #expect(skipped["c"] == .string("after"))
        var raw = JSONLinesReader(bytes: Array(line.utf8), nestedValues: .raw)
        let kept = try #require(try raw.next()?.get())
        #expect(kept["a"] == .raw(#"{"x":[1,{"y":"]}\"{"}],"z":{}}"#))
        #expect(kept["b"] == .raw("[[],[[ ]]]"))
        #expect(kept["c"] == .string("after"))
    }

    @Test func malformedLineReportsItsNumberAndReadingContinues() throws {
        let text = "{\"id\":\"1\"}\n\n   \n{\"id\": 2,}\n{\"id\":\"3\"}\r\n[1,2]\n{\"id\":\"5\"} x\n{\"id\":\"6\n{\"id\":\"7\"}"
        let results = Array(JSONLinesReader(bytes: Array(text.utf8), path: "t.jsonl"))
        #expect(results.count == 7)  // two blank lines skipped
        let failures = results.compactMap { result -> IngestError? in
            if case .failure(let error) = result { return error }
            return nil
        }
        try #require(failures.map(\.line) == [4, 6, 7, 8])
        #expect(failures.map(\.reason) == [.unexpectedByte(UInt8(ascii: "}")), .notAnObject, .trailingCharacters, .unterminatedString])
        #expect(failures.allSatisfy { $0.path == "t.jsonl" })
        #expect(failures[0].description == "t.jsonl:4:10: unexpected character '}'")
        let ids = results.compactMap { try? $0.get()["id"]?.scalarText }
        #expect(ids == ["1", "3", "7"])
        #expect(results.compactMap { try? $0.get().line } == [1, 5, 9])
    }

    @Test func invalidStringsAreErrors() {
        func reason(_ line: [UInt8]) -> IngestError.Reason? {
            var reader = JSONLinesReader(bytes: line)
            if case .failure(let error)? = reader.next() { return error.reason }
            return nil
        }
        let prefix = Array(#"{"a":"x"#.utf8)
        let suffix = Array(#""}"#.utf8)
        #expect(reason(prefix + [0xFF] + suffix) == .invalidUTF8)
        #expect(reason(prefix + [0xE4, 0xB8] + suffix) == .invalidUTF8)  // truncated 中
        #expect(reason(prefix + [0xC0, 0xAF] + suffix) == .invalidUTF8)  // overlong
        #expect(reason(prefix + Array(#"\n"#.utf8) + [0xED, 0xA0, 0x80] + suffix) == .invalidUTF8)  // encoded surrogate
        #expect(reason(prefix + [0xE4, 0xB8, 0xAD] + suffix) == nil)  // 中 is fine
        #expect(reason(Array(#"{"a":"\uD83D"}"#.utf8)) == .loneSurrogate)
        #expect(reason(Array(#"{"a":"\uDE00\uD83D"}"#.utf8)) == .loneSurrogate)
        #expect(reason(Array(#"{"a":"\uD83Dx"}"#.utf8)) == .loneSurrogate)
        #expect(reason(Array(#"{"a":"\x"}"#.utf8)) == .invalidEscape)
        #expect(reason(Array(#"{"a":"\u12G4"}"#.utf8)) == .invalidEscape)
        #expect(reason(Array("{\"a\":\"tab\there\"}".utf8)) == .controlCharacterInString)
        #expect(reason(Array(#"{"a":01}"#.utf8)) == .invalidNumber)
        #expect(reason(Array(#"{"a":tru}"#.utf8)) == .invalidLiteral)
        #expect(reason(Array(#"{"a":[1,]}"#.utf8)) == .unexpectedByte(UInt8(ascii: "]")))
        #expect(reason(Array(#"{"a":1"#.utf8)) == .unexpectedEndOfLine)
        let deep = "{\"a\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        #expect(reason(Array(deep.utf8)) == .nestingTooDeep)
    }

    @Test func invalidUTF8ErrorCarriesLineAndColumn() throws {
        let bytes = Array("{\"a\":\"ok\"}\n{\"b\":\"中".utf8) + [0x80] + Array("\"}\n{\"c\":\"fine\"}".utf8)
        let results = Array(JSONLinesReader(bytes: bytes, path: "bad.jsonl"))
        try #require(results.count == 3)
        guard case .failure(let error) = results[1] else {
            Issue.record("line 2 should fail")
            return
        }
        #expect(error.line == 2)
        #expect(error.column == 10)  // the stray continuation byte after 中
        #expect(error.reason == .invalidUTF8)
        #expect((try? results[2].get())?["c"] == .string("fine"))
    }

    @Test func byteOrderMarkAndDecodeLine() throws {
        let withBOM = [0xEF, 0xBB, 0xBF] + Array(#"{"a":"b"}"#.utf8)
        #expect(try objects(String(decoding: withBOM, as: UTF8.self)).first?["a"] == .string("b"))
        let line = Array("  \t ".utf8)
        #expect(line.withUnsafeBytes { JSONLinesReader.decodeLine($0, number: 3) } == nil)
        let object = Array(#"{"x":"y"}"#.utf8).withUnsafeBytes { JSONLinesReader.decodeLine($0, number: 7) }
        #expect((try? object?.get())?.line == 7)
    }

    /// Streaming a file a chunk at a time gives the lines that reading it whole gives, whatever the chunk size:
    /// lines across chunk boundaries, lines longer than a chunk, a byte-order mark, blank lines, no final newline.
    @Test func streamedLinesEqualWholeFileLines() throws {
        let dir = TemporaryDirectory()
        let national = try String(contentsOfFile: Self.corpusPath("gov-work-reports-national.jsonl"), encoding: .utf8)
        let sample = national.split(separator: "\n").prefix(3).joined(separator: "\n")
        let text = "\u{FEFF}" + #"{"id":"a"}"# + "\n\n  \n" + sample + "\n" + #"{"id":"bad"# + "\n" + #"{"id":"last"}"#
        let path = dir.sub("x.jsonl")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let whole = JSONLinesReader(bytes: Array(text.utf8)).map { r in
            (try? r.get()).map { "\($0.line) \($0["id"].map { "\($0)" } ?? "")" } ?? "error"
        }
        for chunk in [1, 3, 7, 64, 4096, 1 << 22] {
            var streamed: [String] = []
            try forEachLine(ofFile: path, chunkSize: chunk) { line, number in
                guard let r = JSONLinesReader.decodeLine(line, number: number) else { return }
                streamed.append((try? r.get()).map { "\($0.line) \($0["id"].map { "\($0)" } ?? "")" } ?? "error")
            }
            #expect(streamed == whole, "chunk size \(chunk)")
        }
        #expect(whole.count == 6 && whole.contains("error"))
        #expect(throws: IngestionFailure<Never>.self) { try forEachLine(ofFile: dir.sub("missing.jsonl")) { _, _ in } }
    }

    @Test func realJSONLFilesParse() throws {
        let provincial = try JSONLinesReader(contentsOfFile: Self.corpusPath("gov-work-reports-provincial-2026.jsonl"))
            .map { try $0.get() }
        #expect(provincial.count == 31)
        #expect(provincial.allSatisfy { $0.keys.contains("province") && $0["text"]?.scalarText != nil })
        let national = try JSONLinesReader(contentsOfFile: Self.corpusPath("gov-work-reports-national.jsonl"))
            .map { try $0.get() }
        #expect(national.count == 72)
        #expect(throws: IngestError.self) { try JSONLinesReader(contentsOfFile: Self.corpusPath("no-such-file.jsonl")) }
    }

    // MARK: - Mapping

    @Test func mappingRolesKeywordsAndStoredFields() throws {
        let lines = """
            {"id":"r-1","title":"标题","date":"2026-02-09","text":"正文","province":"上海市","kind":"report","url":"https://x","pages":12,"draft":false,"tags":["a"]}
            {"title":"无编号","date":"2023","body":"正文二","period":" 2023q3","category":"法律"}
            {"id":"","date":"","text":"  "}
            """
        let documents = try objects(lines).map { JSONLMapping.default.document(from: $0) }
        try #require(documents.count == 3)
        #expect(documents[0].id == "r-1")
        #expect(documents[0].fields == [
            "title": "标题", "body": "正文", "period": "2026-02", "province": "上海市", "kind": "report",
            "url": "https://x", "pages": "12", "date": "2026-02-09",
        ])
        #expect(documents[1].id == "2")  // the line number
        #expect(documents[1]["body"] == "正文二")
        #expect(documents[1]["period"] == "2023Q3")  // canonical form, not derived from the date
        #expect(documents[1]["category"] == "法律")
        #expect(documents[2].id == "3")
        #expect(documents[2].fields.isEmpty)

        let keywordsOnly = JSONLMapping(keywordKeys: ["kind"], storesOtherKeys: false)
        let first = keywordsOnly.document(from: try #require(try objects(lines).first))
        #expect(Set(first.fields.keys) == ["title", "body", "period", "kind"])
    }

    @Test func nationalReportsMapWithYearPeriods() throws {
        let documents = try mappedDocuments("gov-work-reports-national.jsonl")
        #expect(documents.count == 72)
        let report = try #require(documents.first { $0.id == "gwr-2025" })
        #expect(report["period"] == "2025")
        #expect(report["kind"] == "report")
        #expect(report["title"] == "2025年中华人民共和国国务院政府工作报告")
        #expect(report["body"]?.hasPrefix("各位代表：") == true)
        // Resolutions have an empty date: no period.
        #expect(documents.filter { $0["kind"] == "npc-resolution" }.allSatisfy { $0["period"] == nil })
    }

    @Test func chromeIsStrippedFromProvincialReports() throws {
        let raw = try JSONLinesReader(contentsOfFile: Self.corpusPath("gov-work-reports-provincial-2026.jsonl"))
            .map { try $0.get() }
        let documents = raw.map { JSONLMapping.default.document(from: $0) }
        let shanghai = try #require(documents.first { $0.id == "prov-2026-上海市" })
        #expect(shanghai["period"] == "2026-02")
        #expect(shanghai["province"] == "上海市")
        let body = try #require(shanghai["body"])
        #expect(body.hasPrefix("——2026年2月3日在上海市第十六届人民代表大会第四次会议上\n上海市市长 龚 正\n各位代表：\n"))
        let original = try #require(raw.first { $0["id"]?.scalarText == "prov-2026-上海市" }?["text"]?.scalarText)
        #expect(original.hasPrefix("下载\n打印\n"))
        let fromSalutation = { (text: String) in text.range(of: "各位代表：").map { String(text[$0.lowerBound...]) } }
        #expect(fromSalutation(body) == fromSalutation(original))  // the report itself is untouched

        let chrome = ["下载", "打印", "全屏", "收藏", "【字号", "【字体", "来源：", "来源:", "时间：", "加大", "减小"]
        for document in documents {
            let text = try #require(document["body"])
            let header = text.components(separatedBy: "各位代表")[0].components(separatedBy: "\n")
            for line in header {
                #expect(!chrome.contains { line.hasPrefix($0) }, "\(document.id): \(line)")
            }
            #expect(text.contains("各位代表"), "\(document.id)")
        }
        // Unstripped when turned off.
        let plain = JSONLMapping(stripsPageChrome: false).document(from: try #require(raw.first { $0["id"]?.scalarText == "prov-2026-上海市" }))
        #expect(plain["body"] == original)
    }

    @Test func chromeStrippingLeavesPlainTextsAlone() {
        let law = "# 某条例\n\n2014年9月26\n\n日某会议批准\n\n第一条 为了……"
        #expect(PageChrome.strip(law, title: "某条例") == law)
        let resolution = "第十四届全国人民代表大会第一次会议关于政府工作报告的决议\n\n（2023年3月13日通过）\n\n正文。"
        #expect(PageChrome.strip(resolution, title: "第十四届全国人民代表大会第一次会议关于政府工作报告的决议") == resolution)
        let page = "您的位置:\n首页\n>\n要闻\n要闻\n2026年政府工作报告\n来源：某日报\n2026-02-03 09:02:33\n【字体：\n大\n中\n小\n】\n——2026年1月28日在会议上\n省长 某某\n各位代表：\n正文"
        #expect(PageChrome.strip(page, title: "2026年政府工作报告") == "——2026年1月28日在会议上\n省长 某某\n各位代表：\n正文")
    }

    /// The byte-level pre-check that lets most texts skip chrome stripping agrees with the header the stripping
    /// itself finds, on the bundled reports (with their page chrome), sentence-per-line text, and edge cases (CRLF,
    /// ideographic spaces, long lines, the salutation, more than 40 lines, no final newline).
    @Test func theChromePreCheckAgreesWithTheHeaderScan() throws {
        var texts: [String] = []
        for name in ["gov-work-reports-national.jsonl", "gov-work-reports-provincial-2026.jsonl"] {
            for object in try JSONLinesReader(contentsOfFile: Self.corpusPath(name)).map({ try $0.get() }) {
                if let text = object["text"]?.scalarText { texts.append(text) }
            }
        }
        texts.append(try String(contentsOfFile: Self.corpusPath(Self.weifang), encoding: .utf8))
        #expect(texts.count > 100)
        let lines = ["来源：新华社", "　　下载　", "【字号：大 中 小】", ">", "各位代表：", "", "\r", "正文" + String(repeating: "很长", count: 45),
                     "　", "2026-02-03 09:02:33", "# 标题", "首页 > 要闻", "　各位代表", String(repeating: "字", count: 80),
                     String(repeating: "字", count: 81), "a\r", "打印"]
        var random = SeededRandom(seed: 0xC4)
        for _ in 0..<400 {
            let count = Int(random.next() % 50)
            let body = (0..<count).map { _ in lines[Int(random.next() % UInt64(lines.count))] }
            texts.append(body.joined(separator: random.next() % 3 == 0 ? "\r\n" : "\n") + (random.next() % 2 == 0 ? "\n" : ""))
        }
        for text in texts {
            let slow = PageChrome.header(of: text).lines.contains(where: PageChrome.mayBeFurniture)
            #expect(PageChrome.mayHaveChrome(text) == slow, "\(text.prefix(60))")
        }
    }

    // MARK: - Passages

    @Test func passagesCoverNationalReports() throws {
        let splitter = PassageSplitter()
        for report in try mappedDocuments("gov-work-reports-national.jsonl") {
            let body = try #require(report["body"])
            let passages = splitter.passages(of: report)
            #expect(!passages.isEmpty)
            #expect(passages.map(\.id) == passages.indices.map { "\(report.id)#\($0 + 1)" })
            let joined = CorpusText.removingWhitespace(passages.compactMap { $0["body"] }.joined())
            #expect(joined == CorpusText.removingWhitespace(body), "\(report.id)")
            for passage in passages {
                #expect(passage["report"] == report.id)
                #expect(passage["period"] == report["period"])
                #expect(passage["kind"] == report["kind"])
                #expect(passage["title"]?.hasPrefix(report["title"] ?? "") == true)
                #expect(CorpusText.removingWhitespace(passage["body"] ?? "").unicodeScalars.count <= splitter.maximumLength)
            }
        }
    }

    @Test func passagesOfThe2025Report() throws {
        let report = try #require(try mappedDocuments("gov-work-reports-national.jsonl").first { $0.id == "gwr-2025" })
        let passages = PassageSplitter().passages(of: report)
        #expect(passages.count > 20)
        let title = "2025年中华人民共和国国务院政府工作报告"
        #expect(try #require(passages.first)["title"] == title)  // the salutation comes before any heading
        let review = try #require(passages.first { $0["body"]?.hasPrefix("一、2024年工作回顾") == true })
        #expect(review["title"] == "\(title) 一、2024年工作回顾")
        let tasks = passages.filter { $0["title"] == "\(title) 三、2025年政府工作任务" }
        #expect(tasks.count > 3)
        // Most passages are within the target sizes.
        let lengths = passages.map { CorpusText.removingWhitespace($0["body"] ?? "").unicodeScalars.count }
        #expect(lengths.filter { $0 >= 300 }.count * 10 >= lengths.count * 9)
    }

    /// Passages are spelled from the text's UTF-8 bytes by scalar offsets: on texts of one- to four-byte scalars,
    /// line breaks of every kind, white space and headings, each passage is its scalar range of the text, verbatim,
    /// and the ranges cover every non-space scalar once, in order.
    @Test func passagesAreTheScalarSlicesOfTheirRanges() {
        var random = SeededRandom(seed: 2026_12_01)
        let pieces = ["这是一个句子。", "它有十个字，还有标点！", "é", "😀", "𠀀", "\n", "\r\n", "\n\n", " ", "\u{3000}", "\t",
                      "二、主要任务\n", "abc", "“引号。”", "？"]
        for round in 0..<200 {
            var text = ""
            for _ in 0..<Int(random.next() % 400) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            let splitter = PassageSplitter(minimumLength: 20 + round % 50, maximumLength: 120, splitLength: 200)
            let scalars = Array(text.unicodeScalars)
            var covered: [Unicode.Scalar] = []
            var previousEnd = 0
            for passage in splitter.split(text) {
                #expect(passage.text == String(String.UnicodeScalarView(scalars[passage.scalarRange])))
                #expect(passage.scalarRange.lowerBound >= previousEnd)
                previousEnd = passage.scalarRange.upperBound
                covered += passage.text.unicodeScalars.filter { !CorpusText.isSpace($0) }
            }
            #expect(covered == scalars.filter { !CorpusText.isSpace($0) }, "round \(round)")
            for limit in [0, 1, 50, scalars.count - 1, scalars.count, scalars.count + 1] where limit >= 0 {
                #expect(CorpusText.hasMoreScalars(text, than: limit) == (scalars.count > limit))
            }
        }
    }

    @Test func longParagraphsSplitAtSentenceEnds() {
        let sentence = "这是一个用来测试切分的句子，它有二十个字。"  // 21 scalars
        let paragraph = String(repeating: sentence, count: 200)  // 4,200 scalars, one paragraph
        let passages = PassageSplitter().split("前言。\n\n" + paragraph + "\n\n结尾。")
        #expect(passages.count >= 3)
        #expect(passages.allSatisfy { $0.text.hasSuffix("。") && $0.text.unicodeScalars.count <= 1500 })
        #expect(CorpusText.removingWhitespace(passages.map(\.text).joined()) == "前言。" + paragraph + "结尾。")
        // Short paragraphs merge; a paragraph under the split length stays whole.
        let short = PassageSplitter().split("甲。\n乙。\n\n丙。")
        #expect(short.map(\.text) == ["甲。\n乙。\n\n丙。"])
        let whole = String(repeating: sentence, count: 100)  // 2,100 scalars
        #expect(PassageSplitter().split(whole).map(\.text) == [whole])
    }

    /// Ingestion's failures are typed: the file's own (unreadable, not UTF-8) as `.input`, and what the caller's
    /// closure throws as `.body`, as thrown — for JSON Lines and for text alike.
    @Test func ingestionFailuresSayWhetherTheFileOrTheCallerFailed() throws {
        let dir = TemporaryDirectory()
        struct Stop: Error, Equatable { let id: String }
        func failure(_ path: String) -> IngestionFailure<Stop>? {
            do throws(IngestionFailure<Stop>) {
                try Ingestion().forEachDocument(inFile: path, { (doc: Document) throws(Stop) in throw Stop(id: doc.id) },
                                                onError: { _ in })
                return nil
            } catch {
                return error
            }
        }
        guard case .input(let missing)? = failure(dir.sub("missing.jsonl")), case .unreadableFile = missing.reason else {
            Issue.record("a missing file is not an input failure")
            return
        }
        try Data([0xE5, 0xB7, 0x0A, 0xFF]).write(to: URL(fileURLWithPath: dir.sub("bad.txt")))
        guard case .input(let bad)? = failure(dir.sub("bad.txt")), bad.reason == .invalidUTF8 else {
            Issue.record("a text file that is not UTF-8 is not an input failure")
            return
        }
        try #"{"id": "a1", "text": "统计"}"#.write(toFile: dir.sub("a.jsonl"), atomically: false, encoding: .utf8)
        try "统计 普查".write(toFile: dir.sub("note.txt"), atomically: false, encoding: .utf8)
        guard case .body(let stop)? = failure(dir.sub("a.jsonl")), stop == Stop(id: "a1"),
              case .body(let stopText)? = failure(dir.sub("note.txt")), stopText == Stop(id: "note.txt") else {
            Issue.record("the closure's error does not come back as .body")
            return
        }
    }
}
