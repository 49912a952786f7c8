/// One numbered item of a department's section in a report.
public struct ReportItem: Hashable, Sendable {
    /// The item's number ("1 ." → 1); 0 for text in a section before (or without) numbered items.
    public var number: Int
    /// The item's lead sentence, its broken lines joined: text up to the first 。！？, without the item number.
    public var leadSentence: String
    /// The item's full text without its number marker, as extracted (broken lines, spaced digits and all).
    public var text: String
    /// The 1-based line on which the item starts.
    public var line: Int

    /// Creates an item.
    public init(number: Int, leadSentence: String, text: String, line: Int) {
        self.number = number
        self.leadSentence = leadSentence
        self.text = text
        self.line = line
    }
}

/// One department's section of a report, headed by a Chinese numeral: "五十九、市统计局".
public struct ReportSection: Hashable, Sendable {
    /// The section number, the heading's numeral in Arabic (五十九 → 59).
    public var number: Int
    /// The department, joined from the heading's broken lines and without spaces ("潍坊国家农综区推进办").
    public var department: String
    /// The items in order.
    public var items: [ReportItem]
    /// The 1-based line of the heading.
    public var line: Int

    /// Creates a section.
    public init(number: Int, department: String, items: [ReportItem], line: Int) {
        self.number = number
        self.department = department
        self.items = items
        self.line = line
    }
}

/// The structure of a report in the "report format": an optional title line, then department sections of
/// numbered items.
public struct ParsedReport: Hashable, Sendable {
    /// The title line ("2023年第三季度重点工作开展情况"), if the text has one.
    public var title: String?
    /// The period the title names, if any.
    public var titlePeriod: ReportPeriod?
    /// The text before the first section, title lines left out, as extracted; empty if there is none.
    public var preamble: String
    /// The 1-based line of the preamble's first non-blank line (0 if there is no preamble).
    public var preambleLine: Int
    /// The sections in order.
    public var sections: [ReportSection]

    /// Creates a parsed report.
    public init(title: String?, titlePeriod: ReportPeriod?, preamble: String, preambleLine: Int, sections: [ReportSection]) {
        self.title = title
        self.titlePeriod = titlePeriod
        self.preamble = preamble
        self.preambleLine = preambleLine
        self.sections = sections
    }

    /// One document per item: id `period/section/item` (`2023Q3/59/1`), with `title` (the lead sentence),
    /// `body` (the item's text), `department`, `period`, `section` and, if given, `source`. A non-empty preamble
    /// becomes one more document, `period/0/0`.
    public func documents(period: ReportPeriod, source: String? = nil) -> [Document] {
        var documents: [Document] = []
        func add(_ id: String, _ item: ReportItem, section: ReportSection?) {
            var fields: [String: String] = ["body": item.text, "period": period.description]
            if !item.leadSentence.isEmpty { fields["title"] = item.leadSentence }
            if let section {
                fields["department"] = section.department
                fields["section"] = String(section.number)
            }
            if let source, !source.isEmpty { fields["source"] = source }
            documents.append(Document(id: id, fields: fields))
        }
        if !CorpusText.isBlank(preamble) {
            let lead = CorpusText.leadSentence(of: CorpusText.joiningBrokenLines(preamble))
            add("\(period)/0/0", ReportItem(number: 0, leadSentence: lead, text: preamble, line: preambleLine), section: nil)
        }
        for section in sections {
            for item in section.items {
                add("\(period)/\(section.number)/\(item.number)", item, section: section)
            }
        }
        return documents
    }
}

/// Parses the "report format" of PDF-extracted departmental reports such as `weifang-2023q3-key-work.txt`.
///
/// The format: an optional title line naming the period ("2023年第三季度重点工作开展情况", standing alone between
/// blank lines, anywhere in the text, as PDF running heads are), then sections headed by a Chinese numeral + 、 +
/// department at the start of a line ("五十九、市统计局"). A heading broken over lines continues onto following
/// short lines ("六十六、潍坊国家农综" / "" / "区推进办"). Inside a section, items start at the start of a line with
/// an Arabic number, optional spaces and `.`, `．` or `、` ("  1 .在党建引领…") and run to the next item or section.
///
/// To tell headings and items from broken body lines that happen to start with a number ("39.7%。", "10 . 6 2亿元"),
/// section numbers must increase, a heading must follow a blank line, a finished sentence or the title line, item
/// numbers must run 1, 2, 3… within their section, and a `.` item marker followed by a digit counts only on an
/// indented line. Text in a section before its first numbered item (七十二 of the seed file has no numbered items)
/// becomes item 0; text before the first section is the preamble.
public struct ReportParser: Sendable {
    /// The longest department name accepted in a heading, in characters.
    public var maximumHeadingLength: Int
    /// The longest line that can continue a broken heading, in characters.
    public var maximumHeadingContinuationLength: Int

    /// Creates a parser.
    public init(maximumHeadingLength: Int = 40, maximumHeadingContinuationLength: Int = 20) {
        self.maximumHeadingLength = maximumHeadingLength
        self.maximumHeadingContinuationLength = maximumHeadingContinuationLength
    }

    /// The documents of a report's text (see ``ParsedReport/documents(period:source:)``).
    ///
    /// The period is `period` if given, else the one the title line names, else the one in `fileName`
    /// (``ReportPeriod/parse(fileName:)``); with none of them, throws ``IngestError/Reason/missingPeriod``.
    /// `fileName` (its last path component) becomes the `source` field.
    public func documents(from text: String, fileName: String? = nil, period: ReportPeriod? = nil)
        throws(IngestError) -> [Document]
    {
        let report = parse(text)
        let source = fileName.map { name in name.split(separator: "/").last.map(String.init) ?? name }
        guard let resolved = period ?? report.titlePeriod ?? source.flatMap({ ReportPeriod.parse(fileName: $0) }) else {
            throw IngestError(path: fileName, line: 0, reason: .missingPeriod)
        }
        return report.documents(period: resolved, source: source)
    }

    /// The documents of a report file (see ``documents(from:fileName:period:)``); throws if the file cannot be
    /// read, is not UTF-8, or has no period.
    public func documents(contentsOfFile path: String, period: ReportPeriod? = nil) throws(IngestError) -> [Document] {
        let bytes = try readFileBytes(atPath: path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw IngestError(path: path, line: 0, reason: .invalidUTF8)
        }
        return try documents(from: text, fileName: path, period: period)
    }

    /// The structure of a report's text.
    public func parse(_ text: String) -> ParsedReport {
        let lines = CorpusText.lines(text)
        var title: String?
        var titlePeriod: ReportPeriod?
        var preamble: [Substring] = []
        var preambleLine = 0
        var sections: [ReportSection] = []
        var section: ReportSection?
        var item: (number: Int, line: Int, text: [Substring])?

        func finishItem() {
            guard let current = item else { return }
            item = nil
            let body = Self.trimmingBlankLines(current.text)
            guard !CorpusText.isBlank(body) else { return }
            let lead = CorpusText.leadSentence(of: CorpusText.joiningBrokenLines(body))
            section?.items.append(ReportItem(number: current.number, leadSentence: lead, text: body, line: current.line))
        }
        func finishSection() {
            finishItem()
            if let section { sections.append(section) }
            section = nil
        }

        var i = 0
        var afterTitle = false
        while i < lines.count {
            let line = lines[i]
            if let period = periodOfTitleLine(lines, at: i) {
                if title == nil {
                    title = String(CorpusText.trimmed(line))
                    titlePeriod = period
                }
                afterTitle = true
                i += 1
                continue
            }
            defer { afterTitle = false }
            if let heading = heading(of: lines, at: i, after: section?.number ?? sections.last?.number, afterTitle: afterTitle) {
                finishSection()
                var department = heading.name
                var next = i + 1
                // A broken heading continues onto short lines (blank lines between) before its first item.
                for _ in 0..<2 {
                    var k = next
                    while k < lines.count, CorpusText.isBlank(lines[k]) { k += 1 }
                    guard k < lines.count, isHeadingContinuation(lines, at: k) else { break }
                    department += CorpusText.removingWhitespace(lines[k])
                    next = k + 1
                }
                section = ReportSection(number: heading.number, department: department, items: [], line: i + 1)
                i = next
                continue
            }
            if section != nil {
                let expected = (item?.number ?? section?.items.last?.number ?? 0) + 1
                if let marker = itemMarker(line, expected: expected) {
                    finishItem()
                    item = (marker.number, i + 1, [marker.rest])
                } else if item != nil {
                    item?.text.append(line)
                } else if !CorpusText.isBlank(line) {
                    item = (0, i + 1, [CorpusText.trimmed(line)])
                }
            } else {
                if preamble.isEmpty && !CorpusText.isBlank(line) { preambleLine = i + 1 }
                if !preamble.isEmpty || !CorpusText.isBlank(line) { preamble.append(line) }
            }
            i += 1
        }
        finishSection()
        let preambleText = Self.trimmingBlankLines(preamble)
        return ParsedReport(
            title: title, titlePeriod: titlePeriod, preamble: preambleText,
            preambleLine: CorpusText.isBlank(preambleText) ? 0 : preambleLine, sections: sections)
    }

    // MARK: - Line classification

    /// The period of a title line at `index`: a short line standing alone between blank lines (or the text's ends,
    /// or right before a section heading), without sentence punctuation, that names a period
    /// (``ReportPeriod/parse(title:)``).
    private func periodOfTitleLine(_ lines: [Substring], at index: Int) -> ReportPeriod? {
        let text = CorpusText.trimmed(lines[index])
        guard !text.isEmpty, text.count <= 40,
            index == 0 || CorpusText.isBlank(lines[index - 1]),
            index + 1 == lines.count || CorpusText.isBlank(lines[index + 1])
                || headingParts(CorpusText.trimmed(lines[index + 1])) != nil,
            !text.unicodeScalars.contains(where: { "。，；！？、".unicodeScalars.contains($0) })
        else { return nil }
        return ReportPeriod.parse(title: String(text))
    }

    /// A section heading at `index`: numeral + 、 + name, with a number above the previous section's, after a
    /// blank line, a finished sentence, a title line or the start of the text.
    private func heading(of lines: [Substring], at index: Int, after previous: Int?, afterTitle: Bool)
        -> (number: Int, name: String)?
    {
        guard let heading = headingParts(CorpusText.trimmed(lines[index])), heading.number > (previous ?? 0) else {
            return nil
        }
        if index > 0 && !afterTitle {
            let before = CorpusText.trimmed(lines[index - 1])
            guard before.isEmpty || before.unicodeScalars.last.map({ "。！？；：”」）)".unicodeScalars.contains($0) }) == true
            else { return nil }
        }
        return heading
    }

    /// The number and name of a line shaped like a section heading (numeral + 、 + a short name), whatever its
    /// context.
    private func headingParts(_ text: Substring) -> (number: Int, name: String)? {
        guard let numeral = ChineseNumeral.prefix(of: text) else { return nil }
        let scalars = text.unicodeScalars
        let afterNumeral = scalars.index(scalars.startIndex, offsetBy: numeral.length)
        guard afterNumeral < scalars.endIndex, scalars[afterNumeral] == "、" else { return nil }
        let name = CorpusText.removingWhitespace(Substring(scalars[scalars.index(after: afterNumeral)...]))
        guard !name.isEmpty, name.count <= maximumHeadingLength,
            !name.unicodeScalars.contains(where: { "。；！？".unicodeScalars.contains($0) })
        else { return nil }
        return (numeral.value, name)
    }

    /// Whether the line at `index` continues a broken heading: short, no punctuation or digits, not an item or
    /// heading itself, and followed by a blank line, an item or the end of the text.
    private func isHeadingContinuation(_ lines: [Substring], at index: Int) -> Bool {
        let text = CorpusText.trimmed(lines[index])
        guard !text.isEmpty, text.count <= maximumHeadingContinuationLength,
            !text.unicodeScalars.contains(where: { scalar in
                "。，；：！？、,.;:!?".unicodeScalars.contains(scalar)
                    || (scalar.value >= 0x30 && scalar.value <= 0x39) || ("０"..."９").contains(scalar)
            }),
            ChineseNumeral.prefix(of: text) == nil || !text.contains("、")
        else { return false }
        guard index + 1 < lines.count else { return true }
        let next = lines[index + 1]
        return CorpusText.isBlank(next) || itemMarker(next, expected: 1) != nil
    }

    /// An item marker at the start of `line` numbered `expected`: digits, optional spaces, `.`/`．`/`、`; returns
    /// the text after the marker (leading spaces removed).
    private func itemMarker(_ line: Substring, expected: Int) -> (number: Int, rest: Substring)? {
        let scalars = line.unicodeScalars
        var i = scalars.startIndex
        while i < scalars.endIndex, CorpusText.isSpace(scalars[i]) { i = scalars.index(after: i) }
        let indented = i != scalars.startIndex
        var number = 0
        var digits = 0
        while i < scalars.endIndex, let digit = Self.digitValue(scalars[i]), digits < 4 {
            number = number * 10 + digit
            digits += 1
            i = scalars.index(after: i)
        }
        guard digits > 0, number == expected else { return nil }
        while i < scalars.endIndex, scalars[i] == " " { i = scalars.index(after: i) }
        guard i < scalars.endIndex, [".", "．", "、"].contains(scalars[i]) else { return nil }
        let isDot = scalars[i] != "、"
        i = scalars.index(after: i)
        while i < scalars.endIndex, CorpusText.isSpace(scalars[i]) { i = scalars.index(after: i) }
        // "3.5亿元" or "1 . 13亿元" at the start of a broken line is a number, not an item, unless indented.
        if isDot, i < scalars.endIndex, Self.digitValue(scalars[i]) != nil, !indented { return nil }
        return (number, Substring(scalars[i...]))
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar.value {
        case 0x30...0x39: return Int(scalar.value - 0x30)
        case 0xFF10...0xFF19: return Int(scalar.value - 0xFF10)
        default: return nil
        }
    }

    /// The lines joined with `\n`, without blank lines at either end and without trailing whitespace.
    private static func trimmingBlankLines(_ lines: [Substring]) -> String {
        guard let first = lines.firstIndex(where: { !CorpusText.isBlank($0) }),
            let last = lines.lastIndex(where: { !CorpusText.isBlank($0) })
        else { return "" }
        var text = lines[first...last].joined(separator: "\n")
        while let scalar = text.unicodeScalars.last, CorpusText.isSpace(scalar) { text.unicodeScalars.removeLast() }
        return text
    }
}
