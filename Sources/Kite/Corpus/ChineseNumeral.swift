/// Chinese numerals ("五十九", "一百零五", "两千", "二〇二三") as integers.
public enum ChineseNumeral {
    /// The value of a Chinese numeral, or `nil` if `text` is not one.
    ///
    /// Accepts the common digits 〇零一二两三四五六七八九 (and the financial forms 壹贰叁肆伍陆柒捌玖), the units
    /// 十百千 (拾佰仟) and 万亿 (萬億), with their usual grammar: "十" = 10, "二十" = 20, "五十九" = 59,
    /// "一百零五" = 105, "一千零一十" = 1010, "三万五千" = 35000, and the spoken shorthand "一百五" = 150. A string of
    /// bare digits without units reads positionally: "二〇二三" = 2023. Malformed numerals ("十十", "五百六百") and
    /// empty or over-long input give `nil`.
    public static func value(of text: some StringProtocol) -> Int? {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty, scalars.count <= 24 else { return nil }
        if scalars.allSatisfy({ digitValue($0) != nil }) {
            // Positional digits ("二〇二三"); a lone digit is the same either way.
            return scalars.reduce(0) { $0 * 10 + (digitValue($1) ?? 0) }
        }
        var total = 0  // completed 亿 and 万 groups
        var group = 0  // the current group below 万
        var pendingDigit: Int?  // a digit waiting for its unit
        var lastUnit = Int.max  // the last small unit in this group, which must decrease
        var sawZero = false  // a 零 since the last unit (so "一百零五" is 105, not shorthand 150)
        var lastBigUnit = Int.max
        for scalar in scalars {
            if let digit = digitValue(scalar) {
                if digit == 0 {
                    guard pendingDigit == nil else { return nil }
                    sawZero = true
                    continue
                }
                guard pendingDigit == nil else { return nil }
                pendingDigit = digit
            } else if let unit = smallUnitValue(scalar) {
                guard unit < lastUnit else { return nil }
                // "十" alone or leading a group means 一十; other units need their digit.
                let digit = pendingDigit ?? (unit == 10 && group == 0 && !sawZero ? 1 : nil)
                guard let digit else { return nil }
                group += digit * unit
                pendingDigit = nil
                lastUnit = unit
                sawZero = false
            } else if let bigUnit = bigUnitValue(scalar) {
                guard bigUnit < lastBigUnit else { return nil }
                group += pendingDigit ?? 0
                guard group > 0 || total > 0 else { return nil }
                if bigUnit == 100_000_000 {
                    total = (total + group) * bigUnit
                } else {
                    total += group * bigUnit
                }
                group = 0
                pendingDigit = nil
                lastUnit = Int.max
                lastBigUnit = bigUnit
                sawZero = false
            } else {
                return nil
            }
        }
        if let digit = pendingDigit {
            // Spoken shorthand: a final digit right after 百 or 千 counts in the next unit down ("一百五" = 150).
            if !sawZero, lastUnit >= 100, lastUnit != Int.max {
                group += digit * (lastUnit / 10)
            } else if !sawZero, lastUnit == Int.max, lastBigUnit != Int.max {
                group += digit * (lastBigUnit / 10)  // "三万五" = 35000
            } else {
                group += digit
            }
        }
        return total + group
    }

    /// The numeral at the start of `text` and its length in unicode scalars, if `text` starts with one.
    static func prefix(of text: Substring) -> (value: Int, length: Int)? {
        var length = 0
        for scalar in text.unicodeScalars {
            guard digitValue(scalar) != nil || smallUnitValue(scalar) != nil || bigUnitValue(scalar) != nil else { break }
            length += 1
        }
        guard length > 0 else { return nil }
        let numeral = String(String.UnicodeScalarView(text.unicodeScalars.prefix(length)))
        guard let value = value(of: numeral) else { return nil }
        return (value, length)
    }

    static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "〇", "零", "○": return 0
        case "一", "壹": return 1
        case "二", "两", "贰", "貳", "兩": return 2
        case "三", "叁", "參": return 3
        case "四", "肆": return 4
        case "五", "伍": return 5
        case "六", "陆", "陸": return 6
        case "七", "柒": return 7
        case "八", "捌": return 8
        case "九", "玖": return 9
        default: return nil
        }
    }

    private static func smallUnitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "十", "拾": return 10
        case "百", "佰": return 100
        case "千", "仟": return 1000
        default: return nil
        }
    }

    private static func bigUnitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "万", "萬": return 10_000
        case "亿", "億": return 100_000_000
        default: return nil
        }
    }
}
