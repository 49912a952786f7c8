import Foundation
import Testing
@testable import Kite

/// User dictionaries: parsing, segmentation over the lattice, the copy an index keeps, exact matching over it.
@Suite struct DictionaryTests {
    static let policyWords = ["新质生产力", "专精特新", "升规纳统", "高质量发展"]

    @Test func parsingAcceptsJiebaAndIKLinesAndFoldsWordsAsText() throws {
        let text = "\u{FEFF}# 政策词\n新质生产力\n專精特新 3 n\n\n  升规纳统\t12\nＡＩ芯片\n新质生产力 5\n"
        let d = try UserDictionary(parsing: text)
        #expect(Set(d.words) == ["新质生产力", "专精特新", "升规纳统", "ai芯片"])
        #expect(d.words == d.words.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // The digest names the words, not their order or spelling in the file.
        #expect(try UserDictionary(words: ["升规纳统", "ai芯片", "专精特新", "新质生产力"]).digest == d.digest)
        #expect(try UserDictionary(words: ["升规纳统"]).digest != d.digest)
        #expect(d.digest.count == 32)
    }

    /// Words of unified ideographs fold without normalizing text (the fast path of a large dictionary): every
    /// character of U+4E00…U+9FFF, alone and in a three-character word, folds as the text analyzer folds it.
    @Test func unifiedIdeographsFoldAsTextFolds() throws {
        let stream = try TokenStream.make(AnalyzerConfiguration(
            repairsExtractionArtifacts: false, emitsBigrams: false, subwords: [], emitsJoins: false))
        var fast = 0
        for cp in UInt32(0x4E00)...0x9FFF {
            let word = String(Unicode.Scalar(cp)!) + "中" + String(Unicode.Scalar(0x9FFF - (cp - 0x4E00))!)
            for text in [String(Unicode.Scalar(cp)!), word] {
                let utf8 = Array(text.utf8)
                guard let quick = utf8.withUnsafeBytes({ stream.foldedHanWord($0) }) else { continue }
                fast += 1
                let slow = try utf8.withUnsafeBytes { raw in try stream.foldedPieces(raw) }
                #expect(slow == [quick], "U+\(String(cp, radix: 16))")
            }
        }
        #expect(fast > 40_000, "most unified ideographs take the fast path")
        #expect(try UserDictionary(parsing: "專精特新\n新質生產力").words == ["专精特新", "新质生产力"])
    }

    @Test func windowsLineEndsAndJiebaTagsWithoutAFrequencyParse() throws {
        let d = try UserDictionary(parsing: "新质生产力\r\n专精特新 nz\r\n升规纳统 3 v\r\n凯特琳 nz\r\n")
        #expect(Set(d.words) == ["新质生产力", "专精特新", "升规纳统", "凯特琳"])
    }

    /// Folding is not idempotent for a few characters (苎 ⇄ 苧 in the traditional → simplified table): the copy an
    /// index keeps is read as stored, so such a dictionary still opens.
    @Test func aDictionaryWithACyclicFoldingStillOpens() throws {
        let dir = TemporaryDirectory()
        let dictionary = try UserDictionary(words: ["苎麻", "苧麻纤维", "新质生产力"])
        let w = try IndexWriter(at: dir.path, analyzer: AnalyzerConfiguration(dictionary: dictionary))
        try w.add(Document(id: "a", fields: ["body": "苎麻和新质生产力"]))
        try w.commit()
        w.close()
        #expect(try IndexReader(at: dir.path).analyzer.configuration.dictionary == dictionary)
        // A digest that is not one is an unknown analyzer, not a silently ignored dictionary.
        #expect(AnalyzerConfiguration(fingerprint: "icu72;repair=1;t2s=1;bigrams=1;dict=../x;v1") == nil)
    }

    /// Words with letters or digits do not cut ICU's letter and number words: `AI` keeps matching whole words.
    @Test func mixedScriptWordsLeaveICUsLetterAndNumberWordsWhole() throws {
        let adjusted = Analyzer(AnalyzerConfiguration(dictionary: try UserDictionary(words: ["ai芯片", "5g手机", "芯片"])))
        #expect(try adjusted.segments(of: "TAI芯片") == ["TAI", "芯片"])  // 芯片 joined; TAI whole, no ai芯片
        #expect(try adjusted.segments(of: "15G手机").first == "15G")
    }

    /// A word of the dictionary that joins a number word with Han characters (`1996年`) is one word: its number word
    /// matches (whole, at the word's start), nothing inside it starts a word, and a match marks only the chunk.
    @Test func aMixedWordMatchesItsNumberWordWholeAndNothingInside() throws {
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, analyzer: AnalyzerConfiguration(dictionary: try UserDictionary(words: ["1996年"])))
        let body = "１９９６年发展很快"
        try w.add(Document(id: "a", fields: ["body": body]))
        try w.add(Document(id: "b", fields: ["body": "19960人参加"]))
        try w.commit()
        w.close()
        let r = try IndexReader(at: dir.path)
        #expect(try r.analyzer.segments(of: body).first == "１９９６年")
        let words = try r.analyzer.terms(in: body)
        #expect(!words.contains { $0.text == "年" }, "no part of the mixed word is a term of its own")
        func ids(_ q: String, _ rule: TextMatching = .wordStart) throws -> [String] {
            try r.search(q, options: SearchOptions(limit: 10, match: .exact, textMatching: rule)).hits.map(\.id).sorted()
        }
        #expect(try ids("1996") == ["a"])  // not 19960
        #expect(try ids("1996年") == ["a"])
        #expect(try ids("1996年发展") == ["a"])
        #expect(try ids("年") == [])
        #expect(try ids("996年") == [])
        #expect(try ids("1996", .wholeWords) == [])
        #expect(try ids("年", .substring) == ["a"])
        let hit = try #require(try r.search("1996", options: SearchOptions(limit: 1, match: .exact)).hits.first)
        #expect(HighlightTests.marked(hit.highlights["body"], in: body) == ["１９９６"])
    }

    /// A dictionary's number words teach frames: three words of `#项` with one or two digits make any such number
    /// before 项 one word (decimals counted by their whole part), three digits not; `#年` learnt from four-digit years
    /// joins 2023年 and not 10年. Off, or in an index written before frames existed, numbers stay apart.
    @Test func numberWordsOfTheDictionaryTeachFramesWithTheirDigitCounts() throws {
        let dictionary = try UserDictionary(words: ["3项", "12项", "７项", "1996年", "2001年", "1980年", "１.５亿", "3亿", "20亿"])
        let learning = Analyzer(AnalyzerConfiguration(dictionary: dictionary))
        let text = "完成25项任务，125项未计，1.5项待定；2023年用10年，投资2.75亿和300亿"
        #expect(try learning.segments(of: text).filter { $0.unicodeScalars.contains { $0.properties.numericType != nil } }
            == ["25项", "125", "1.5项", "2023年", "10", "2.75亿", "300", "亿"])
        let configuration = AnalyzerConfiguration(dictionary: dictionary, learnsNumberPatterns: false)
        #expect(try Analyzer(configuration).segments(of: "完成25项任务").contains("25"))
        // The fingerprint says which: an index written before (no `numbers=1`) reads with frames off; without a
        // dictionary the setting does nothing and parses as the default.
        #expect(AnalyzerConfiguration(dictionary: dictionary).fingerprint.hasSuffix(";dict=\(dictionary.digest);numbers=1;v1"))
        #expect(configuration.fingerprint.hasSuffix(";dict=\(dictionary.digest);v1"))
        #expect(AnalyzerConfiguration(fingerprint: configuration.fingerprint)?.learnsNumberPatterns == false)
        #expect(AnalyzerConfiguration(fingerprint: AnalyzerConfiguration(dictionary: dictionary).fingerprint)?.learnsNumberPatterns == true)
        #expect(AnalyzerConfiguration(fingerprint: AnalyzerConfiguration.default.fingerprint) == .default)
        #expect(AnalyzerConfiguration(fingerprint: "icu72;repair=1;t2s=1;bigrams=1;numbers=1;v1") == nil)
        let encoded = try JSONEncoder().encode(AnalyzerConfiguration(dictionary: dictionary))
        #expect(try JSONDecoder().decode(AnalyzerConfiguration.self, from: encoded).learnsNumberPatterns)
        // The SIGHAN lists (README, "Segmentation"), when ../shared is there: msr's 469 frames, pku's 11, whose
        // `#年` is learnt from years of three and four digits.
        let sighan = KiteProcess.repository + "/../shared/eval/sighan2005/"
        if FileManager.default.fileExists(atPath: sighan + "msr_training_words.txt") {
            let msr = NumberPatterns(try UserDictionary(contentsOfFile: sighan + "msr_training_words.txt").folded)
            let pku = NumberPatterns(try UserDictionary(contentsOfFile: sighan + "pku_training_words.txt").folded)
            #expect((msr.count, pku.count) == (469, 11))
            let years = pku.frames(after: UInt16(("年" as Unicode.Scalar).value))?.first { $0.rest == [UInt32(("年" as Unicode.Scalar).value)] }
            #expect(years?.digits == [3...4])
        }
    }

    /// The lattice's trie finds exactly the dictionary's words and their prefixes, with sibling groups long enough
    /// to be searched by halving (a first character with hundreds of second ones) and short ones; the table of
    /// two-unit prefixes (probed in a shared hash table) answers as the trie does, absent pairs included.
    @Test func theLatticeTrieHoldsExactlyTheWordsAndTheirPrefixes() throws {
        var random = SeededRandom(seed: 0x7121E)
        func han(_ k: UInt64) -> Character { Character(Unicode.Scalar(UInt32(0x4E00 + Int(k % 600)))!) }
        var words = Set<String>()
        while words.count < 20_000 {
            let length = 1 + Int(random.next() % 5)
            words.insert(String((0..<length).map { _ in han(random.next() % (words.count < 2_000 ? 40 : 600)) }))
        }
        words.insert("1996年")
        let dictionary = try UserDictionary(words: words)
        words = Set(dictionary.words)  // folded as text is
        let lattice = DictionaryLattice.shared(dictionary)
        let prefixes = Set(words.flatMap { w in (1...w.count).map { String(w.prefix($0)) } })
        var probes = Array(prefixes)
        for _ in 0..<20_000 { probes.append(String((0..<(1 + Int(random.next() % 4))).map { _ in han(random.next()) })) }
        for text in probes {
            let found = lattice.lookUp(Array(text.utf16))
            #expect(found.isPrefix == prefixes.contains(text), "prefix \(text)")
            #expect(found.isWord == words.contains(text), "word \(text)")
        }
    }

    /// The lattice cuts a run span by span where no dictionary word crosses ICU's boundaries, and looks spans up in a
    /// memo: its pieces must be the walk's over the whole run, ties and rules included, on real text with a
    /// dictionary whose words cross many of ICU's boundaries (and with number frames, which take the walk).
    @Test func spansLookedUpCutAsTheWalkOverTheWholeRun() throws {
        let national = try String(contentsOfFile: KiteProcess.repository + "/Corpus/gov-work-reports-national.jsonl", encoding: .utf8)
        let lines = national.split(whereSeparator: { $0 == "\n" || $0 == "\\" }).map(String.init)
        var random = SeededRandom(seed: 0x5EA7)
        var words = Set(Self.policyWords + ["1996年", "2024年", "3个", "12个"])
        let han = lines.joined().unicodeScalars.filter { TokenStream.isHan($0.value) }.map(Character.init)
        while words.count < 3_000 {
            let length = 2 + Int(random.next() % 5), start = Int(random.next() % UInt64(han.count - length))
            words.insert(String(han[start..<(start + length)]))
        }
        let stream = try TokenStream.make(AnalyzerConfiguration(dictionary: try UserDictionary(words: words)))
        let lattice = try #require(stream.lattice)
        var runs = 0, changed = 0
        for line in lines {
            try Array(line.utf8).withUnsafeBytes { raw in try stream.normalize(raw) }
            try stream.breakWords(stream.units, stream.count)
            let segments = stream.segments
            let bySpans = UnsafeMutablePointer<Segment>.allocate(capacity: stream.count + 1)
            let byWalk = UnsafeMutablePointer<Segment>.allocate(capacity: stream.count + 1)
            defer { bySpans.deallocate(); byWalk.deallocate() }
            try segments.withUnsafeBufferPointer { segments in
                var i = 0
                while i < segments.count {
                    guard segments[i].rule >= 100 else { i += 1; continue }
                    var j = i + 1
                    while j < segments.count && segments[j].rule >= 100 { j += 1 }
                    let run = UnsafeBufferPointer(rebasing: segments[i..<j])
                    let a = stream.resegmentWords(run, lattice, stream.scratch.memo, into: bySpans, at: 0)
                    let b = stream.resegmentRun(run, lattice, into: byWalk, at: 0)
                    let spans = Array(UnsafeBufferPointer(start: bySpans, count: a))
                    let walk = Array(UnsafeBufferPointer(start: byWalk, count: b))
                    try #require(spans == walk, "run at unit \(run[0].start) of \(line.prefix(40))")
                    runs += 1
                    if walk != Array(run) { changed += 1 }
                    i = j
                }
            }
        }
        // The dictionary changed a fair share of the runs: the memo and the crossing test were both exercised.
        #expect(runs > 50_000 && changed > runs / 10, "\(changed) of \(runs) runs changed")
    }

    /// ICU words longer than the memo keeps take the walk, from every position: here made by hand, a word of 10
    /// units that the dictionary splits in two, and one of 40 whose first 35 units and a word from its 36th unit into
    /// the next word are dictionary words (the cheapest path takes both).
    @Test func wordsLongerThanTheMemoKeepsTakeTheWalk() throws {
        let forty = String("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工".prefix(40))
        let crossing = String(forty.suffix(5)) + "发"
        let stream = try TokenStream.make(AnalyzerConfiguration(dictionary: try UserDictionary(
            words: ["中华人民共和国", "国务院", String(forty.prefix(35)), crossing, "展"])))
        let lattice = try #require(stream.lattice)
        for (text, ends) in [("中华人民共和国国务院", [10]), (forty + "发展", [40, 42])] {
            try Array(text.utf8).withUnsafeBytes { raw in try stream.normalize(raw) }
            var start: Int32 = 0
            let run = ends.map { end in
                defer { start = Int32(end) }
                return Segment(start: start, end: Int32(end), rule: 400)
            }
            let bySpans = UnsafeMutablePointer<Segment>.allocate(capacity: 64), byWalk = UnsafeMutablePointer<Segment>.allocate(capacity: 64)
            defer { bySpans.deallocate(); byWalk.deallocate() }
            let (a, b) = run.withUnsafeBufferPointer { run in
                (stream.resegmentWords(run, lattice, stream.scratch.memo, into: bySpans, at: 0),
                 stream.resegmentRun(run, lattice, into: byWalk, at: 0))
            }
            let walk = Array(UnsafeBufferPointer(start: byWalk, count: b))
            #expect(Array(UnsafeBufferPointer(start: bySpans, count: a)) == walk, "\(text)")
            #expect(walk != run, "the dictionary changes \(text)")
        }
    }

    @Test func badLinesAreErrorsNamingTheLine() {
        func line(_ text: String) -> Int? {
            do { _ = try UserDictionary(parsing: text); return nil } catch { return error.line }
        }
        #expect(line("新质生产力\n专精特新 1 n extra\n") == 2)
        #expect(line("a\nb\n新质生产力 many n\n") == 3)
        #expect(line("新质生产力 -4\n") == 1)
        #expect(line("# only a comment\n\n") == nil)
        #expect(throws: UserDictionary.ParseError.self) { try UserDictionary(words: ["two words"]) }
        #expect(throws: UserDictionary.ParseError.self) { try UserDictionary(words: [" "]) }
    }

    @Test func dictionaryWordsJoinICUsPiecesInTheSeedReport() throws {
        let dictionary = try UserDictionary(words: Self.policyWords)
        let plain = Analyzer(), adjusted = Analyzer(AnalyzerConfiguration(dictionary: dictionary))
        let report = try String(contentsOfFile: KiteProcess.repository + "/Corpus/weifang-2023q3-key-work.txt", encoding: .utf8)
        let line = try #require(report.split(separator: "\n").first { $0.contains("升规纳统") }.map(String.init))
        #expect(try !plain.segments(of: line).contains("升规纳统"))
        #expect(try adjusted.segments(of: line).contains("升规纳统"))
        #expect(try adjusted.segments(of: "大力发展新质生产力，支持專精特新企业") == ["大力", "发展", "新质生产力", "，", "支持", "專精特新", "企业"])
        // The text's own characters are kept in segments; terms are folded; the rescue bigrams stay for the rest.
        let terms = try adjusted.terms(in: "專精特新潍坊")
        #expect(terms.filter { $0.kind == .word }.map(\.text) == ["专精特新", "潍", "坊"])
        #expect(terms.contains { $0.kind == .bigram && $0.text == "潍坊" })
        // Without a dictionary word in sight, ICU's words come out unchanged.
        let plainText = "各位代表，现在我代表市人民政府向大会报告工作。"
        #expect(try adjusted.segments(of: plainText) == plain.segments(of: plainText))
    }

    @Test func anIndexKeepsItsDictionaryAndReadersUseIt() throws {
        let dir = TemporaryDirectory()
        let dictionary = try UserDictionary(words: Self.policyWords)
        let analyzer = AnalyzerConfiguration(dictionary: dictionary)
        let w = try IndexWriter(at: dir.path, analyzer: analyzer)
        try w.add(Document(id: "a", fields: ["body": "坚持新质生产力发展，推动企业升规纳统。"]))
        try w.add(Document(id: "b", fields: ["body": "生产力的提高。"]))
        try w.commit()
        w.close()
        #expect(analyzer.fingerprint.contains(";dict=\(dictionary.digest);numbers=1;v1"))
        let reader = try IndexReader(at: dir.path)
        #expect(reader.analyzer.configuration == analyzer)
        let hit = try #require(try reader.search("升规纳统").hits.first)
        #expect(hit.id == "a")
        let marked = hit.markedText("body", open: "[", close: "]") ?? ""
        #expect(marked.contains("[升规纳统]"), "\(marked)")
        #expect(try reader.search("新质生产力", options: SearchOptions(limit: 0)).totalHits == 1)
        // Another dictionary, or none, is another analyzer.
        #expect(throws: KiteError.self) { try IndexWriter(at: dir.path) }
        #expect(throws: KiteError.self) {
            try IndexWriter(at: dir.path, analyzer: AnalyzerConfiguration(dictionary: try UserDictionary(words: ["升规纳统"])))
        }
        // The kept copy is checksummed: a flipped byte is a corrupt index, not another segmentation.
        let file = dir.path + "/" + UserDictionary.fileName(digest: dictionary.digest)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[30] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        #expect(throws: KiteError.self) { try IndexReader(at: dir.path) }
    }

    /// Exact matching follows the index's words; with a dictionary they come from the lattice, in every context:
    /// random chunks of the corpus (seeded) against the brute force over the dictionary analyzer's words, with the
    /// policy words and 300 random corpus substrings (which cross ICU's boundaries everywhere) as the dictionary.
    @Test func randomChunksMatchAsTheBruteForceWithADictionary() throws {
        let c = MatchingCorpus.shared
        var random = SeededRandom(seed: 0xD1C7)
        // Four-digit years and numbers of 个 and 亿 teach frames (2023年, 30个, 1.2亿 in the reports): mixed words the
        // list does not hold.
        var words = Set(Self.policyWords + ["1996年", "2001年", "1980年", "3个", "12个", "7个", "3亿", "1.5亿", "20亿"])
        while words.count < 300 {
            let fields = c.texts[Int(random.next() % UInt64(c.texts.count))]
            let text = fields[Int(random.next() % UInt64(fields.count))]
            guard text.units.count > 8 else { continue }
            let length = 2 + Int(random.next() % 3)
            let s = Int(random.next() % UInt64(text.units.count - length))
            let piece = Array(text.units[s..<(s + length)])
            if Self.spellsOneChunk(piece, needsHan: true) { words.insert(piece.joined()) }
        }
        let dir = TemporaryDirectory()
        let w = try IndexWriter(at: dir.path, analyzer: AnalyzerConfiguration(dictionary: try UserDictionary(words: words)),
                                options: .init(ramBudget: 2_000_000))
        for d in c.documents { try w.add(d) }
        try w.commit()
        w.close()
        let reader = try IndexReader(at: dir.path)
        let texts = c.documents.map { d in ["title", "body"].compactMap { d[$0] }.map { UnitText($0, reader.analyzer) } }
        func bruteForce(_ contains: (UnitText) -> Bool) -> [String: Int] {
            var matched: [String: String] = [:]
            for (d, fields) in zip(c.documents, texts) {
                let document = PassageID.document(of: d.id) ?? d.id
                if matched[document] == nil && fields.contains(where: contains) { matched[document] = d["period"] ?? "" }
            }
            return matched.values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
        }
        var chunks = Set<[String]>()
        // Mixed words of the dictionary: each whole, and its letter or number word alone (1996 must match 1996年).
        for word in words.sorted().filter({ $0.unicodeScalars.contains { $0.properties.generalCategory == .decimalNumber } }).prefix(4) {
            let units = UnitText(word, reader.analyzer).units
            chunks.insert(units)
            if let other = units.first(where: { !$0.unicodeScalars.first!.properties.isIdeographic }) { chunks.insert([other]) }
        }
        // Words of the frames, each whole, and their numbers alone.
        for chunk in [["2023", "年"], ["2023"], ["年"]] { chunks.insert(chunk) }
        while chunks.count < 32 {
            let fields = texts[Int(random.next() % UInt64(texts.count))]
            let text = fields[Int(random.next() % UInt64(fields.count))]
            guard text.units.count > 8 else { continue }
            let length = [1, 2, 2, 3, 4, 5][Int(random.next() % 6)]
            var s = Int(random.next() % UInt64(text.units.count - length))
            if random.next() % 2 == 0 { while s > 0 && !text.starts[s] { s -= 1 } }
            let chunk = Array(text.units[s..<(s + length)])
            if Self.spellsOneChunk(chunk, needsHan: false) { chunks.insert(chunk) }
        }
        #expect(words.contains { $0.unicodeScalars.contains { $0.properties.numericType != nil && !$0.properties.isIdeographic } },
                "the dictionary holds words that mix digits with Han characters")
        #expect(chunks.contains { $0.contains { !$0.unicodeScalars.first!.properties.isIdeographic } },
                "some chunks hold a letter or number word")
        for chunk in chunks.sorted(by: { $0.joined() < $1.joined() }) {
            for rule in [TextMatching.wordStart, .wholeWords] {
                let res = try reader.search(chunk.joined(), options: SearchOptions(limit: 0, textMatching: rule))
                MatchingTests.expectCounts(res, bruteForce { $0.contains(chunk, rule) }, "\(chunk.joined()) \(rule)")
            }
        }
    }

    /// Whether units (Han characters, and letter or number words) read back as the same units when joined: Han
    /// characters and letters or digits only, with a Han character between any two other words (and one at least,
    /// with `needsHan`).
    static func spellsOneChunk(_ units: [String], needsHan: Bool) -> Bool {
        func isHan(_ u: String) -> Bool { u.unicodeScalars.allSatisfy(\.properties.isIdeographic) }
        func isAlphanumeric(_ u: String) -> Bool {
            u.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.generalCategory == .decimalNumber }
        }
        guard !needsHan || units.contains(where: isHan), units.allSatisfy({ isHan($0) || isAlphanumeric($0) }) else {
            return false
        }
        return zip(units, units.dropFirst()).allSatisfy { isHan($0) || isHan($1) }
    }

    @Test func theCLIReadsDictionariesAndRejectsABadOneInOneLine() throws {
        let dir = TemporaryDirectory()
        let good = dir.sub("words.txt"), bad = dir.sub("bad.txt")
        try "新质生产力\n升规纳统 3 n\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "新质生产力\n升规纳统 three n\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let ok = try KiteProcess.run(["analyze", "--words", "--dictionary", good], stdin: "发展新质生产力\n")
        #expect(ok.status == 0 && ok.stdout == "发展  新质生产力\n", "\(ok.stdout)\(ok.stderr)")
        let failed = try KiteProcess.run(["analyze", "--words", "--dictionary", bad], stdin: "发展\n")
        #expect(failed.status != 0)
        #expect(failed.stderr.split(separator: "\n").count == 1 && failed.stderr.contains("line 2"), "\(failed.stderr)")
        // The index keeps the dictionary: search needs no flag.
        let index = dir.sub("idx"), docs = dir.sub("docs.jsonl")
        try #"{"id":"1","text":"因地制宜发展新质生产力。"}"#.write(toFile: docs, atomically: true, encoding: .utf8)
        #expect(try KiteProcess.run(["index", docs, "--index", index, "--dictionary", good]).status == 0)
        let hit = try KiteProcess.run(["search", "新质生产力", "--index", index, "--color", "never"])
        #expect(hit.status == 0 && hit.stdout.contains("[新质生产力]"), "\(hit.stdout)\(hit.stderr)")
        let stats = try KiteProcess.run(["stats", "--index", index])
        #expect(stats.stdout.contains("dictionary  2 words (digest "), "\(stats.stdout)")
    }
}

/// New-word discovery on a fixture with planted words: found, ranked first, written as a dictionary that the
/// analyzer then uses; a phrase that always stands in one context is not proposed.
@Suite struct VocabularyDiscoveryTests {
    static let planted = ["蓝鲸算力", "云栖智联", "星河数链"]

    /// Sentences with the planted words in varied company, and 请予审议 always after 报告.
    static func fixture() -> [String] {
        var random = SeededRandom(seed: 0x70CA)
        let before = ["推进", "建设", "加强", "支持", "发展", "完善", "落实", "培育", "打造", "扩大", "提升", "深化"]
        let after = ["工程", "平台", "体系", "项目", "产业", "应用", "示范", "标准", "行动", "合作", "服务", "园区"]
        let filler = ["全年经济运行总体平稳，就业形势保持稳定。", "各地区各部门认真贯彻落实中央决策部署。",
                      "城乡居民收入稳步增长，社会事业全面进步。", "这份报告请予审议。"]
        return (0..<60).map { _ in
            var text = ""
            for _ in 0..<6 {
                let word = planted[Int(random.next() % 3)]
                text += before[Int(random.next() % 12)] + word + after[Int(random.next() % 12)] + "，"
                text += filler[Int(random.next() % 4)]
            }
            return text
        }
    }

    @Test func plantedWordsRankFirstAndAFixedPhraseIsNotProposed() throws {
        let analyzer = Analyzer()
        for word in Self.planted { #expect(try analyzer.segments(of: word).count > 1, "ICU already knows \(word)") }
        var discovery = VocabularyDiscovery(minimumCount: 5)
        for text in Self.fixture() { try discovery.add(text) }
        let found = discovery.candidates(limit: 20)
        #expect(Set(found.prefix(3).map(\.word)) == Set(Self.planted), "\(found.map(\.word))")
        #expect(!found.contains { $0.word.contains("请予审议") })
        let top = try #require(found.first)
        #expect(top.documents <= 60 && top.count >= top.documents && top.pieces.joined() == top.word)
        // Proposed words make a dictionary that keeps them whole.
        let dictionary = try UserDictionary(words: found.prefix(3).map(\.word))
        let adjusted = Analyzer(AnalyzerConfiguration(dictionary: dictionary))
        #expect(try adjusted.segments(of: "推进蓝鲸算力工程").contains("蓝鲸算力"))
    }

    @Test func theCLIWritesADictionaryThatIndexReads() throws {
        let dir = TemporaryDirectory()
        let corpus = dir.sub("corpus.jsonl"), words = dir.sub("words.txt")
        let lines = Self.fixture().enumerated().map { #"{"id":"d\#($0.offset)","text":"\#($0.element)"}"# }
        try lines.joined(separator: "\n").write(toFile: corpus, atomically: true, encoding: .utf8)
        let r = try KiteProcess.run(["vocab", corpus, "--top", "3", "--output", words])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Set(r.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }) == Set(Self.planted))
        let written = try UserDictionary(contentsOfFile: words)
        #expect(Set(written.words) == Set(Self.planted))
        let bad = try KiteProcess.run(["vocab", corpus, "--min-count", "0"])
        #expect(bad.status != 0 && bad.stderr.split(separator: "\n").count <= 2)
    }
}
