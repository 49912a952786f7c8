/// The period a report covers: a year, a half, a quarter or a month, written canonically as `2023`, `2023H1`,
/// `2023Q3` or `2023-09` (the values of the `period` keyword field).
public struct ReportPeriod: Hashable, Sendable, LosslessStringConvertible {
    /// Which part of the year.
    public enum Span: Hashable, Sendable {
        /// The whole year.
        case year
        /// Half 1 or 2.
        case half(Int)
        /// Quarter 1…4.
        case quarter(Int)
        /// Month 1…12.
        case month(Int)
    }

    /// The years a period may be in.
    public static let years = 1000...9999

    /// The year.
    public let year: Int
    /// The part of the year.
    public let span: Span

    /// Creates a period; `nil` if the year or the half, quarter or month number is out of range.
    public init?(year: Int, span: Span = .year) {
        guard Self.years.contains(year) else { return nil }
        switch span {
        case .year: break
        case .half(let h): guard (1...2).contains(h) else { return nil }
        case .quarter(let q): guard (1...4).contains(q) else { return nil }
        case .month(let m): guard (1...12).contains(m) else { return nil }
        }
        self.year = year
        self.span = span
    }

    /// Parses the canonical form (`2023`, `2023H1`, `2023Q3`, `2023-09`; letters in either case).
    public init?(_ description: String) {
        let scalars = Array(description.unicodeScalars)
        guard scalars.count >= 4, let year = asciiNumber(scalars[0..<4]) else { return nil }
        let rest = scalars[4...]
        switch rest.count {
        case 0:
            self.init(year: year)
        case 2 where rest.first == "H" || rest.first == "h":
            guard let h = asciiNumber(rest.dropFirst()) else { return nil }
            self.init(year: year, span: .half(h))
        case 2 where rest.first == "Q" || rest.first == "q":
            guard let q = asciiNumber(rest.dropFirst()) else { return nil }
            self.init(year: year, span: .quarter(q))
        case 3 where rest.first == "-":
            guard let m = asciiNumber(rest.dropFirst()) else { return nil }
            self.init(year: year, span: .month(m))
        default:
            return nil
        }
    }

    /// The months the period covers (1…12 for a year, 7…9 for a third quarter).
    public var months: ClosedRange<Int> {
        switch span {
        case .year: return 1...12
        case .half(let h): return (h * 6 - 5)...(h * 6)
        case .quarter(let q): return (q * 3 - 2)...(q * 3)
        case .month(let m): return m...m
        }
    }

    /// Whether `other` lies within this period: `2026` contains `2026H1`, `2026Q1` and `2026-01`; `2026Q1`
    /// contains `2026-02`, not `2026H1`.
    public func contains(_ other: ReportPeriod) -> Bool {
        year == other.year && months.lowerBound <= other.months.lowerBound && other.months.upperBound <= months.upperBound
    }

    /// The canonical form: `2023`, `2023H1`, `2023Q3` or `2023-09`.
    public var description: String {
        switch span {
        case .year: return "\(year)"
        case .half(let h): return "\(year)H\(h)"
        case .quarter(let q): return "\(year)Q\(q)"
        case .month(let m): return m < 10 ? "\(year)-0\(m)" : "\(year)-\(m)"
        }
    }

    /// The period named by a report title, e.g. "2023年第三季度重点工作开展情况" → `2023Q3`.
    ///
    /// The title must name a year as four digits (ASCII, full-width or 〇一二…, spaces between them tolerated)
    /// followed by 年. After the year, "第三季度", "三季度" or "3季度" give a quarter, "上半年"/"下半年" a half,
    /// and a month right after 年 ("2023年9月", "2023年九月") a month; otherwise the period is the year.
    /// Cumulative spans ("前三季度", "1-9月", "9月至12月") are not a quarter or month: they give the year.
    public static func parse(title: String) -> ReportPeriod? {
        let scalars = normalizedTitleScalars(title)
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "年", i >= 4, let year = asciiNumber(scalars[(i - 4)..<i]),
                i == 4 || !isASCIIDigit(scalars[i - 5]), Self.years.contains(year)
            else {
                i += 1
                continue
            }
            let rest = Array(scalars[(i + 1)...])
            if let quarter = quarter(in: rest) { return ReportPeriod(year: year, span: .quarter(quarter)) }
            if let half = half(in: rest) { return ReportPeriod(year: year, span: .half(half)) }
            if let month = leadingMonth(in: rest) { return ReportPeriod(year: year, span: .month(month)) }
            return ReportPeriod(year: year)
        }
        return nil
    }

    /// The period named by a file name, e.g. `weifang-2023q3-key-work.txt` → `2023Q3`.
    ///
    /// Looks at the last path component without its extension: a year of four digits (1900–2199) standing alone,
    /// optionally followed by `q1`…`q4`, `h1`/`h2` or a month (`2023-09`, `2023_9`, `202309`, `20230915`). A name
    /// with 年 in it is read as a title (``parse(title:)``).
    public static func parse(fileName: String) -> ReportPeriod? {
        var name = Substring(fileName)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = name[..<dot] }
        if name.contains("年") { return parse(title: String(name)) }
        let scalars = Array(name.lowercased().unicodeScalars)
        var i = 0
        while i < scalars.count {
            guard isASCIIDigit(scalars[i]) else {
                i += 1
                continue
            }
            var j = i
            while j < scalars.count, isASCIIDigit(scalars[j]) { j += 1 }
            defer { i = j }
            let run = scalars[i..<j]
            guard [4, 6, 8].contains(run.count), let year = asciiNumber(run.prefix(4)), (1900...2199).contains(year)
            else { continue }
            if run.count > 4 {
                guard let month = asciiNumber(run.dropFirst(4).prefix(2)) else { continue }
                if let period = ReportPeriod(year: year, span: .month(month)) { return period }
                continue
            }
            // What follows the year: an optional separator, then q/h + digit, or a month number.
            var k = j
            if k < scalars.count, "-_. ".unicodeScalars.contains(scalars[k]) { k += 1 }
            if k + 1 < scalars.count, scalars[k] == "q" || scalars[k] == "h", isASCIIDigit(scalars[k + 1]),
                k + 2 == scalars.count || !isASCIIDigit(scalars[k + 2]), let n = asciiNumber(scalars[(k + 1)...(k + 1)])
            {
                let span: Span = scalars[k] == "q" ? .quarter(n) : .half(n)
                if let period = ReportPeriod(year: year, span: span) { return period }
            }
            if k > j, k < scalars.count, isASCIIDigit(scalars[k]) {
                var m = k
                while m < scalars.count, isASCIIDigit(scalars[m]) { m += 1 }
                if m - k <= 2, let month = asciiNumber(scalars[k..<m]),
                    let period = ReportPeriod(year: year, span: .month(month))
                {
                    return period
                }
            }
            return ReportPeriod(year: year)
        }
        return nil
    }

    /// The period of a document date: "2023" → `2023`, "2026-02-09" or "2026-02" → `2026-02`, "2026/2/9" →
    /// `2026-02`, "2026年2月9日" → `2026-02`; empty or unreadable dates give `nil`.
    public static func parse(date: String) -> ReportPeriod? {
        let scalars = Array(date.unicodeScalars.filter { !$0.properties.isWhitespace })
        guard !scalars.isEmpty else { return nil }
        if scalars.contains("年") { return parse(title: date) }
        guard scalars.count >= 4, let year = asciiNumber(scalars[0..<4]) else { return nil }
        if scalars.count == 4 { return ReportPeriod(year: year) }
        if scalars.count == 8, let month = asciiNumber(scalars[4..<6]) {
            return ReportPeriod(year: year, span: .month(month))
        }
        guard "-/.".unicodeScalars.contains(scalars[4]) else { return nil }
        var end = 5
        while end < scalars.count, isASCIIDigit(scalars[end]) { end += 1 }
        guard end > 5, end - 5 <= 2, let month = asciiNumber(scalars[5..<end]) else { return nil }
        return ReportPeriod(year: year, span: .month(month))
    }

    // MARK: - Title scanning

    /// The title without whitespace, with full-width and Chinese digits written as ASCII digits where they form
    /// a four-digit year before 年.
    private static func normalizedTitleScalars(_ title: String) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        for scalar in title.unicodeScalars where !scalar.properties.isWhitespace {
            if ("０"..."９").contains(scalar), let ascii = Unicode.Scalar(scalar.value - 0xFF10 + 0x30) {
                scalars.append(ascii)
            } else {
                scalars.append(scalar)
            }
        }
        // "二〇二三年" → "2023年"
        var i = 4
        while i < scalars.count {
            if scalars[i] == "年" {
                let digits = scalars[(i - 4)..<i].compactMap(ChineseNumeral.digitValue)
                if digits.count == 4 {
                    for (k, d) in digits.enumerated() {
                        scalars[i - 4 + k] = Unicode.Scalar(UInt8(ascii: "0") + UInt8(d))
                    }
                }
            }
            i += 1
        }
        return scalars
    }

    /// "第三季度", "三季度", "3季度" anywhere in `rest`, but not "前三季度" or "后三季度".
    private static func quarter(in rest: [Unicode.Scalar]) -> Int? {
        var i = 0
        while i + 2 < rest.count {
            if rest[i + 1] == "季", rest[i + 2] == "度", let q = quarterNumber(rest[i]) {
                let before = i > 0 ? rest[i - 1] : nil
                if before != "前" && before != "后" && before != "後" { return q }
            }
            i += 1
        }
        return nil
    }

    private static func quarterNumber(_ scalar: Unicode.Scalar) -> Int? {
        if isASCIIDigit(scalar) { return (1...4).contains(scalar.value - 0x30) ? Int(scalar.value - 0x30) : nil }
        guard let digit = ChineseNumeral.digitValue(scalar), (1...4).contains(digit) else { return nil }
        return digit
    }

    /// "上半年" → 1, "下半年" → 2.
    private static func half(in rest: [Unicode.Scalar]) -> Int? {
        var i = 0
        while i + 2 < rest.count {
            if rest[i + 1] == "半", rest[i + 2] == "年" {
                if rest[i] == "上" { return 1 }
                if rest[i] == "下" { return 2 }
            }
            i += 1
        }
        return nil
    }

    /// A month number right at the start of `rest` ("9月", "09月", "九月", "十二月"), unless it starts a range.
    private static func leadingMonth(in rest: [Unicode.Scalar]) -> Int? {
        guard let yue = rest.prefix(3).firstIndex(of: "月"), yue > 0 else { return nil }
        let numeral = rest[0..<yue]
        let month: Int?
        if numeral.allSatisfy(isASCIIDigit) {
            month = asciiNumber(numeral)
        } else {
            month = ChineseNumeral.value(of: String(String.UnicodeScalarView(numeral)))
        }
        guard let month, (1...12).contains(month) else { return nil }
        if yue + 1 < rest.count, "至到-—–~～".unicodeScalars.contains(rest[yue + 1]) { return nil }
        return month
    }
}

private func isASCIIDigit(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value >= 0x30 && scalar.value <= 0x39
}

/// The value of a run of ASCII digits, or `nil` if it is empty or holds anything else.
private func asciiNumber(_ scalars: some Collection<Unicode.Scalar>) -> Int? {
    guard !scalars.isEmpty, scalars.count <= 9 else { return nil }
    var value = 0
    for scalar in scalars {
        guard isASCIIDigit(scalar) else { return nil }
        value = value * 10 + Int(scalar.value - 0x30)
    }
    return value
}
