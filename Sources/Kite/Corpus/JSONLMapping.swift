#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a decoded JSON Lines object becomes a ``Document``.
///
/// Each role takes the first of its keys that holds a non-empty string or number:
/// - the id (`id`, else the line number),
/// - the `title` text field (`title`),
/// - the `body` text field (`text`, else `body`), with web-page chrome stripped from its start
///   (``PageChrome/strip(_:title:)``) unless ``stripsPageChrome`` is off,
/// - the `period` keyword field (`period` as given, in canonical form if it is a ``ReportPeriod``, else derived
///   from `date` by ``ReportPeriod/parse(date:)``:
///   "2023" → `2023`, "2026-02-09" → `2026-02`, "" → none).
///
/// The remaining keys keep their names: those in ``keywordKeys`` are keyword fields, every other string or number
/// is a stored field (the `date` too), and booleans and nested values are dropped. The schema decides how each
/// field name is indexed; the mapping only decides names and values. Keys used for a role are not repeated, and a
/// leftover key named `title`, `body` or `period` (e.g. `body` when `text` was the body) is dropped rather than
/// overwrite a role's field.
public struct JSONLMapping: Hashable, Sendable {
    /// The keys tried for the id, in order; the line number is the fallback.
    public var idKeys: [String]
    /// The keys tried for the title, in order.
    public var titleKeys: [String]
    /// The keys tried for the body, in order.
    public var bodyKeys: [String]
    /// The keys tried for an explicit period, in order.
    public var periodKeys: [String]
    /// The keys tried for a date to derive the period from, in order.
    public var dateKeys: [String]
    /// The keys that become keyword fields.
    public var keywordKeys: Set<String>
    /// Whether keys that are neither roles nor keywords become stored fields.
    public var storesOtherKeys: Bool
    /// Whether web-page chrome is stripped from the start of the body.
    public var stripsPageChrome: Bool

    /// The default mapping of Kite's corpora.
    public static let `default` = JSONLMapping()

    /// Creates a mapping; the defaults are those of Kite's corpora.
    public init(
        idKeys: [String] = ["id"],
        titleKeys: [String] = ["title"],
        bodyKeys: [String] = ["text", "body"],
        periodKeys: [String] = ["period"],
        dateKeys: [String] = ["date"],
        keywordKeys: Set<String> = ["source", "kind", "province", "category", "department"],
        storesOtherKeys: Bool = true,
        stripsPageChrome: Bool = true
    ) {
        self.idKeys = idKeys
        self.titleKeys = titleKeys
        self.bodyKeys = bodyKeys
        self.periodKeys = periodKeys
        self.dateKeys = dateKeys
        self.keywordKeys = keywordKeys
        self.storesOtherKeys = storesOtherKeys
        self.stripsPageChrome = stripsPageChrome
    }

    /// The field names the roles write, which leftover keys may not take.
    public static let roleFieldNames: Set<String> = ["title", "body", "period"]

    /// The id of one decoded line: the first of ``idKeys`` with a non-blank value, trimmed; nil if none has one.
    public func id(of object: JSONLObject) -> String? {
        for key in idKeys {
            if let text = object[key]?.scalarText, !CorpusText.isBlank(text) { return String(CorpusText.trimmed(Substring(text))) }
        }
        return nil
    }

    /// The document for one decoded line (a line without an id gets its line number: ``Ingestion`` rejects such
    /// lines first, with ``IngestError/Reason/missingID(keys:)``).
    public func document(from object: JSONLObject) -> Document {
        var used: Set<String> = []
        func first(_ keys: [String]) -> String? {
            for key in keys {
                if let text = object[key]?.scalarText, !CorpusText.isBlank(text) {
                    used.insert(key)
                    return text
                }
            }
            return nil
        }
        let id = first(idKeys).map { String(CorpusText.trimmed(Substring($0))) } ?? String(object.line)
        var fields: [String: String] = [:]
        let title = first(titleKeys)
        if let title { fields["title"] = title }
        if var body = first(bodyKeys) {
            if stripsPageChrome { body = PageChrome.strip(body, title: title) }
            fields["body"] = body
        }
        if let given = first(periodKeys) {
            let period = String(CorpusText.trimmed(Substring(given)))
            fields["period"] = ReportPeriod(period)?.description ?? period  // "2023q3" → "2023Q3"
        } else {
            for key in dateKeys {
                if let date = object[key]?.scalarText, let period = ReportPeriod.parse(date: date) {
                    fields["period"] = period.description
                    break
                }
            }
        }
        for member in object.members where !used.contains(member.key) && !Self.roleFieldNames.contains(member.key) {
            guard let text = member.value.scalarText, !CorpusText.isBlank(text) else { continue }
            guard keywordKeys.contains(member.key) || storesOtherKeys else { continue }
            fields[member.key] = text
        }
        return Document(id: id, fields: fields)
    }
}

/// Web-page chrome at the start of scraped texts: the toolbar, font-size switch, breadcrumbs, source and time
/// lines, and the repeated title, as in the 2026 provincial government work reports:
///
/// ```text
/// 下载 / 打印 / 全屏 / 收藏 / 【字号： / 加大 / 还原 / 减小 / 】
/// 2026年上海市政府工作报告
/// ——2026年2月3日在上海市第十六届人民代表大会第四次会议上
/// 来源：解放日报
/// 时间：2026-02-09
/// ```
public enum PageChrome {
    /// The header is at most this many lines long.
    public static let maximumHeaderLines = 40

    /// `text` without the chrome lines of its header; the text itself is left exactly as it was.
    ///
    /// The header is the lines before the salutation ("各位代表：") or the first line longer than 80 characters,
    /// and at most ``maximumHeaderLines`` lines. In it, these lines go: toolbar words (下载, 打印, 全屏, 收藏, 分享,
    /// 首页, …), a 【字号：/【字体： switch with its short option lines up to 】, label lines (来源：…, 时间：…,
    /// 发布时间：…, 阅读量：…, 当前位置：…; with the next line too when the label stands alone), timestamps
    /// ("2026-02-03 09:02:33"), breadcrumb separators (">") and the crumb after each, lines equal to `title`, and
    /// repeats of an earlier header line. Other header lines (the occasion, the speaker) stay, in order. A text
    /// whose header has no page furniture proper (toolbar, font switch, label or breadcrumb lines), only say its own
    /// title and a date as first lines, is returned unchanged.
    public static func strip(_ text: String, title: String? = nil) -> String {
        // Most texts have no line in their header that furniture could begin: decided on the bytes, without the
        // header's lines as strings (the same rule as the guard below; `mayHaveChrome` says why it agrees).
        guard mayHaveChrome(text) else { return text }
        let (header, restStart) = self.header(of: text)
        guard header.contains(where: mayBeFurniture) else { return text }
        // Each header line without whitespace; nil for lines too long to be chrome.
        let keys: [String?] = header.map { line in
            line.utf8.count <= 60 * 3 ? CorpusText.removingWhitespace(line) : nil
        }
        // Only a header with page furniture proper is touched (not one with just a title and a date).
        guard keys.contains(where: { $0.flatMap(furniture) != nil }) else { return text }

        let normalizedTitle = title.map(CorpusText.removingWhitespace)
        var kept: [Substring] = []
        var seen: Set<String> = []
        var inFontSwitch = false
        var expectingLabelValue = false
        var afterSeparator = false
        for (line, key) in zip(header, keys) {
            guard let key else {
                kept.append(line)
                (inFontSwitch, expectingLabelValue, afterSeparator) = (false, false, false)
                continue
            }
            let isRepeat = !key.isEmpty && !seen.insert(key).inserted
            let valueMayFollow = expectingLabelValue || afterSeparator
            expectingLabelValue = false
            afterSeparator = false
            var drop = true
            if inFontSwitch && (key == "】" || (1...4).contains(key.unicodeScalars.count)) {
                inFontSwitch = key != "】"
            } else {
                inFontSwitch = false
                switch furniture(key) {
                case .fontSwitch(let closed): inFontSwitch = !closed
                case .label(let hasValue): expectingLabelValue = !hasValue
                case .separator: afterSeparator = true
                case .toolbar: break
                case nil:
                    if !(isTimestamp(key) || key == normalizedTitle || isRepeat) {
                        // The value under a bare label, or the crumb after a breadcrumb separator.
                        drop = valueMayFollow && (1...30).contains(key.unicodeScalars.count)
                    }
                }
            }
            if !drop { kept.append(line) }
        }
        if let restStart { kept.append(text[restStart...]) }
        return kept.drop(while: { CorpusText.isBlank($0) }).joined(separator: "\n")
    }

    /// The header's lines (before the salutation 各位代表 or the first line longer than 80 characters, at most
    /// ``maximumHeaderLines``; CR dropped) and where the rest of `text` starts (nil: the header is all of it).
    static func header(of text: String) -> (lines: [Substring], rest: String.Index?) {
        var header: [Substring] = []
        var restStart: String.Index? = text.startIndex
        let utf8 = text.utf8
        while header.count < maximumHeaderLines, let start = restStart, start < text.endIndex {
            let newline = utf8[start...].firstIndex(of: 0x0A)
            var line = text[start..<(newline ?? text.endIndex)]
            if line.utf8.last == 0x0D { line = line.dropLast() }
            let trimmed = CorpusText.trimmed(line)
            if exceeds80Scalars(trimmed) || trimmed.utf8.starts(with: "各位代表".utf8) { break }
            header.append(line)
            restStart = newline.map(utf8.index(after:))
        }
        return (header, restStart)
    }

    /// Whether a header line could be furniture: short, and its first non-space character leads some furniture
    /// (cheap and exact: a header without such a line is left as it is).
    static func mayBeFurniture(_ line: Substring) -> Bool {
        line.utf8.count <= 60 * 3 && line.unicodeScalars.first(where: { !CorpusText.isSpace($0) }).map(furnitureLeads.contains) == true
    }

    /// Whether a header line of `text` could be furniture, decided as ``strip(_:title:)`` finds its header (at most
    /// ``maximumHeaderLines`` lines, up to a line whose trimmed text exceeds 80 scalars or starts with 各位代表) and
    /// its first test (a line of at most 180 bytes, CR dropped, whose first non-space scalar leads some furniture),
    /// on the UTF-8 bytes: false means `strip` returns `text` unchanged.
    static func mayHaveChrome(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let salutation = Array("各位代表".utf8)
            var start = 0, lines = 0
            while lines < maximumHeaderLines && start < bytes.count {
                let newline = memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start)
                var end = newline.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress! } ?? bytes.count
                let next = end + 1
                if end > start && bytes[end - 1] == 0x0D { end -= 1 }
                // The line's first non-space scalar and where it starts; the last non-space one's end; the scalars
                // between, counted as the bytes that begin one (only the ends are decoded).
                var first: Unicode.Scalar? = nil, trimmedStart = start
                var k = start
                while k < end {
                    let (scalar, length) = decode(bytes, at: k)
                    if !CorpusText.isSpace(scalar) { first = scalar; trimmedStart = k; break }
                    k += length
                }
                if first != nil {
                    var trimmedEnd = end
                    while true {
                        var b = trimmedEnd - 1
                        while bytes[b] & 0xC0 == 0x80 { b -= 1 }
                        guard CorpusText.isSpace(decode(bytes, at: b).0) else { break }
                        trimmedEnd = b
                    }
                    let trimmedBytes = trimmedEnd - trimmedStart
                    if trimmedBytes > 80 * 4 { return false }
                    if trimmedBytes > 80 {
                        var scalars = 0
                        for b in trimmedStart..<trimmedEnd where bytes[b] & 0xC0 != 0x80 { scalars += 1 }
                        if scalars > 80 { return false }
                    }
                }
                if first != nil, end - trimmedStart >= salutation.count,
                   salutation.indices.allSatisfy({ bytes[trimmedStart + $0] == salutation[$0] }) { return false }
                if end - start <= 60 * 3, let first, furnitureLeads.contains(first) { return true }
                lines += 1
                start = next
            }
            return false
        }
    }

    /// The scalar whose UTF-8 starts at `bytes[k]` (valid UTF-8: from a `String`) and its length in bytes. Its own
    /// because Corpus does not use the analyzer's strict decoder, and the standard library's `UTF8` decoder doubled
    /// the cost of `strip` (callgrind, 8 MB of short documents: 122 M → 241 M instructions).
    @inline(__always)
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at k: Int) -> (Unicode.Scalar, Int) {
        let b0 = UInt32(bytes[k])
        let (value, length): (UInt32, Int)
        if b0 < 0x80 { (value, length) = (b0, 1) }
        else if b0 < 0xE0 { (value, length) = ((b0 & 0x1F) << 6 | UInt32(bytes[k + 1] & 0x3F), 2) }
        else if b0 < 0xF0 {
            (value, length) = ((b0 & 0x0F) << 12 | UInt32(bytes[k + 1] & 0x3F) << 6 | UInt32(bytes[k + 2] & 0x3F), 3)
        } else {
            (value, length) = ((b0 & 0x07) << 18 | UInt32(bytes[k + 1] & 0x3F) << 12 | UInt32(bytes[k + 2] & 0x3F) << 6
                | UInt32(bytes[k + 3] & 0x3F), 4)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// Whether `text` has more than 80 Unicode scalars, counted on its UTF-8 bytes and only as far as needed.
    private static func exceeds80Scalars(_ text: Substring) -> Bool {
        let utf8 = text.utf8
        if utf8.count <= 80 { return false }
        if utf8.count > 80 * 4 { return true }
        var scalars = 0
        for byte in utf8 where byte & 0xC0 != 0x80 {
            scalars += 1
            if scalars > 80 { return true }
        }
        return false
    }

    /// The first characters of every kind of furniture: a line that starts otherwise is not furniture.
    private static let furnitureLeads: Set<Unicode.Scalar> = Set(
        (toolbarWords + separators + labels + ["【"]).compactMap(\.unicodeScalars.first))

    /// Kinds of page-furniture line.
    private enum Furniture {
        /// 【字号：… (closed if the 】 is on the same line).
        case fontSwitch(closed: Bool)
        /// 来源：…, 时间：… (whether the value is on the same line).
        case label(hasValue: Bool)
        /// A breadcrumb separator.
        case separator
        /// A toolbar word.
        case toolbar
    }

    /// The kind of page furniture a header line (whitespace removed) is, if any; compares bytes, for speed.
    private static func furniture(_ key: String) -> Furniture? {
        let utf8 = key.utf8
        guard !utf8.isEmpty else { return nil }
        if utf8.starts(with: "【字号".utf8) || utf8.starts(with: "【字体".utf8) {
            return .fontSwitch(closed: utf8.count > 3 && key.unicodeScalars.last == "】")
        }
        for label in labels where utf8.starts(with: label.utf8) {
            let rest = utf8.dropFirst(label.utf8.count)
            for colon in [":", "："] where rest.starts(with: colon.utf8) {
                return .label(hasValue: rest.count > colon.utf8.count)
            }
        }
        if separators.contains(where: { utf8.elementsEqual($0.utf8) }) { return .separator }
        if toolbarWords.contains(where: { utf8.elementsEqual($0.utf8) }) { return .toolbar }
        return nil
    }

    private static let toolbarWords = [
        "下载", "打印", "全屏", "收藏", "分享", "分享:", "分享：", "首页", "加大", "还原", "减小", "】", "关闭", "关闭窗口",
        "打印本页", "返回顶部", "返回", "纠错", "二维码", "扫一扫",
    ]

    private static let separators = [">", "›", "»", "＞", "/"]

    private static let labels = [
        "来源", "时间", "发布时间", "发表时间", "更新时间", "日期", "发布日期", "阅读量", "浏览量", "浏览次数", "访问量", "作者",
        "编辑", "责任编辑", "责编", "您的位置", "当前位置", "您当前的位置", "字号", "字体", "分享到",
    ]

    /// A bare date or date-time: "2026-02-03 09:02:33", "2026年02月10日07时41分" (whitespace already removed).
    private static func isTimestamp(_ key: String) -> Bool {
        let scalars = Array(key.unicodeScalars)
        guard scalars.count >= 8, scalars.count <= 25, scalars.prefix(4).allSatisfy({ ("0"..."9").contains($0) })
        else { return false }
        return scalars.allSatisfy { "0123456789-/:.年月日时分秒".unicodeScalars.contains($0) }
    }
}
