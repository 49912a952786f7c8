#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A top-level value of a JSON Lines object, as ``JSONLinesReader`` decodes it.
///
/// `null` members are left out of the object altogether, so there is no case for them.
public enum JSONLValue: Hashable, Sendable {
    /// A string, with every escape decoded.
    case string(String)
    /// A number, kept as its literal JSON text (e.g. `"-1.5e3"`), so that no precision is lost.
    case number(String)
    /// `true` or `false`.
    case bool(Bool)
    /// A nested array or object, as its raw JSON text; only produced when the reader keeps nested values.
    case raw(String)

    /// The text of a string, or the literal of a number; `nil` for booleans and nested values.
    public var scalarText: String? {
        switch self {
        case .string(let text), .number(let text): return text
        case .bool, .raw: return nil
        }
    }
}

/// One `"key": value` member of a JSON Lines object.
public struct JSONLMember: Hashable, Sendable {
    /// The decoded key.
    public var key: String
    /// The decoded value.
    public var value: JSONLValue

    /// Creates a member.
    public init(key: String, value: JSONLValue) {
        self.key = key
        self.value = value
    }
}

/// The top-level members of one line of a JSON Lines file, in the order they appear.
public struct JSONLObject: Hashable, Sendable {
    /// The 1-based line number of the object in its input.
    public var line: Int
    /// The members in input order; `null` members are left out, and a repeated key appears as often as written.
    public var members: [JSONLMember]

    /// Creates an object.
    public init(line: Int, members: [JSONLMember]) {
        self.line = line
        self.members = members
    }

    /// The value of `key` (its last occurrence, as most JSON parsers do), or `nil` if absent or `null`.
    public subscript(key: String) -> JSONLValue? {
        members.last(where: { $0.key == key })?.value
    }

    /// The keys, in input order.
    public var keys: [String] { members.map(\.key) }
}

/// A fast, forgiving reader of JSON Lines: one JSON object per line, decoded straight from UTF-8 bytes.
///
/// The reader is a sequence of per-line results: a malformed line yields `.failure` with its line number and the
/// reader carries on with the next line, so the caller chooses whether to stop, skip or collect errors. Blank
/// (whitespace-only) lines are skipped; a UTF-8 byte-order mark at the start and `\r` before `\n` are accepted.
///
/// Only the top level is decoded: strings (all escapes, including `\uD83D\uDE00` surrogate pairs), numbers (as their
/// literal text) and booleans; `null` members are dropped; nested arrays and objects are validated and skipped, or
/// kept as raw JSON text (``NestedValues/raw``). Everything is checked strictly against RFC 8259: invalid escapes,
/// unpaired surrogates, unescaped control characters, invalid UTF-8, bad numbers and trailing garbage are errors.
///
/// ```swift
/// for result in try JSONLinesReader(contentsOfFile: "laws.jsonl") {
///     switch result {
///     case .success(let object): print(object["title"] ?? .string("?"))
///     case .failure(let error): print(error) // laws.jsonl:12:5: invalid escape sequence
///     }
/// }
/// ```
public struct JSONLinesReader: Sequence, IteratorProtocol, Sendable {
    /// What the reader does with top-level members whose value is an array or an object.
    public enum NestedValues: Hashable, Sendable {
        /// Validate and drop them.
        case skip
        /// Keep them as ``JSONLValue/raw(_:)`` with their JSON text.
        case raw
    }

    /// How deeply arrays and objects may nest inside a line (the line's own object is depth 1).
    public static let maximumDepth = 512

    /// The file the bytes came from, reported in errors.
    public let path: String?
    /// What happens to nested arrays and objects.
    public let nestedValues: NestedValues
    /// The number of lines consumed so far (including blank and malformed ones).
    public private(set) var linesRead = 0

    private let bytes: [UInt8]
    private var offset = 0
    private var scratch: [UInt8] = []

    /// Creates a reader over the bytes of a JSON Lines document.
    public init(bytes: [UInt8], path: String? = nil, nestedValues: NestedValues = .skip) {
        self.bytes = bytes
        self.path = path
        self.nestedValues = nestedValues
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }
    }

    /// Creates a reader over a whole file, read into memory; throws ``IngestError/Reason/unreadableFile(_:)``.
    public init(contentsOfFile path: String, nestedValues: NestedValues = .skip) throws(IngestError) {
        self.init(bytes: try readFileBytes(atPath: path), path: path, nestedValues: nestedValues)
    }

    /// The next non-blank line, decoded or failed; `nil` at the end of the input.
    public mutating func next() -> Result<JSONLObject, IngestError>? {
        var scratch = self.scratch
        self.scratch = []
        defer { self.scratch = scratch }
        let count = bytes.count
        return bytes.withUnsafeBufferPointer { buffer -> Result<JSONLObject, IngestError>? in
            guard let base = buffer.baseAddress else { return nil }
            while offset < count {
                let start = offset
                var end = count
                if let newline = memchr(base + start, 0x0A, count - start) {
                    end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                    offset = end + 1
                } else {
                    offset = count
                }
                linesRead += 1
                let line = UnsafeBufferPointer(start: base + start, count: end - start)
                if let result = Self.decode(line, number: linesRead, path: path, nested: nestedValues, scratch: &scratch) {
                    return result
                }
            }
            return nil
        }
    }

    /// Decodes one line (without its `\n`); `nil` if the line is blank.
    ///
    /// This is the reader's per-line entry point, for callers that split lines themselves (e.g. over a mapped file).
    public static func decodeLine(
        _ line: UnsafeRawBufferPointer, number: Int, path: String? = nil, nestedValues: NestedValues = .skip
    ) -> Result<JSONLObject, IngestError>? {
        var scratch: [UInt8] = []
        return decode(line.bindMemory(to: UInt8.self), number: number, path: path, nested: nestedValues, scratch: &scratch)
    }

    private static func decode(
        _ line: UnsafeBufferPointer<UInt8>, number: Int, path: String?, nested: NestedValues, scratch: inout [UInt8]
    ) -> Result<JSONLObject, IngestError>? {
        guard let base = line.baseAddress else { return nil }
        var decoder = LineDecoder(base: base, end: line.count, nested: nested, scratch: scratch)
        scratch = []  // the decoder holds the only reference, so the buffer is reused without copying
        defer { scratch = decoder.scratch }
        do {
            guard let members = try decoder.decodeObjectLine() else { return nil }
            return .success(JSONLObject(line: number, members: members))
        } catch {
            return .failure(IngestError(path: path, line: number, column: error.offset + 1, reason: error.reason))
        }
    }
}

/// Where and why a line failed, as the decoder's typed error.
private struct LineFailure: Error {
    var offset: Int
    var reason: IngestError.Reason
}

private let quote: UInt8 = 0x22  // "
private let backslash: UInt8 = 0x5C  // \

/// A recursive-descent JSON decoder over one line's bytes.
private struct LineDecoder {
    let base: UnsafePointer<UInt8>
    /// One past the last byte of the line (a trailing `\r` already excluded).
    var end: Int
    let nested: JSONLinesReader.NestedValues
    /// Reused buffer for strings with escapes.
    var scratch: [UInt8]
    var pos = 0

    init(base: UnsafePointer<UInt8>, end: Int, nested: JSONLinesReader.NestedValues, scratch: [UInt8]) {
        self.base = base
        self.end = end
        self.nested = nested
        self.scratch = scratch
        if end > 0 && base[end - 1] == 0x0D { self.end = end - 1 }
    }

    private func fail(_ reason: IngestError.Reason, at offset: Int? = nil) -> LineFailure {
        LineFailure(offset: offset ?? pos, reason: reason)
    }

    /// The byte at the cursor, or a failure at the end of the line.
    private func peek() throws(LineFailure) -> UInt8 {
        guard pos < end else { throw fail(.unexpectedEndOfLine) }
        return base[pos]
    }

    private mutating func skipWhitespace() {
        while pos < end {
            let b = base[pos]
            guard b == 0x20 || b == 0x09 || b == 0x0D else { return }
            pos += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws(LineFailure) {
        let b = try peek()
        guard b == byte else { throw fail(.unexpectedByte(b)) }
        pos += 1
    }

    /// The members of the line's object, or `nil` for a blank line.
    mutating func decodeObjectLine() throws(LineFailure) -> [JSONLMember]? {
        skipWhitespace()
        guard pos < end else { return nil }
        guard base[pos] == UInt8(ascii: "{") else { throw fail(.notAnObject) }
        pos += 1
        var members: [JSONLMember] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            pos += 1
        } else {
            while true {
                skipWhitespace()
                let b = try peek()
                guard b == quote else { throw fail(.unexpectedByte(b)) }
                let key = try decodeString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                if let value = try decodeTopLevelValue() {
                    members.append(JSONLMember(key: key, value: value))
                }
                skipWhitespace()
                let separator = try peek()
                pos += 1
                if separator == UInt8(ascii: "}") { break }
                guard separator == UInt8(ascii: ",") else { throw fail(.unexpectedByte(separator), at: pos - 1) }
            }
        }
        skipWhitespace()
        guard pos == end else { throw fail(.trailingCharacters) }
        return members
    }

    /// A member value; `nil` for `null` and for skipped nested values.
    private mutating func decodeTopLevelValue() throws(LineFailure) -> JSONLValue? {
        let b = try peek()
        switch b {
        case quote:
            return .string(try decodeString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = pos
            try skipNumber()
            return .number(asciiString(start, pos))
        case UInt8(ascii: "t"):
            try skipLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try skipLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try skipLiteral("null")
            return nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = pos
            try skipValue(depth: 2)
            guard nested == .raw else { return nil }
            // Validated by skipValue: structure is ASCII and every string in it is valid UTF-8.
            let raw = UnsafeBufferPointer(start: base + start, count: pos - start)
            return .raw(String(decoding: raw, as: UTF8.self))
        default:
            throw fail(.unexpectedByte(b))
        }
    }

    /// Validates and steps over any value, nested up to ``JSONLinesReader/maximumDepth``.
    private mutating func skipValue(depth: Int) throws(LineFailure) {
        let b = try peek()
        switch b {
        case quote:
            _ = try decodeString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try skipNumber()
        case UInt8(ascii: "t"): try skipLiteral("true")
        case UInt8(ascii: "f"): try skipLiteral("false")
        case UInt8(ascii: "n"): try skipLiteral("null")
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            guard depth <= JSONLinesReader.maximumDepth else { throw fail(.nestingTooDeep) }
            let isObject = b == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            pos += 1
            skipWhitespace()
            if try peek() == close {
                pos += 1
                return
            }
            while true {
                skipWhitespace()
                if isObject {
                    let k = try peek()
                    guard k == quote else { throw fail(.unexpectedByte(k)) }
                    _ = try decodeString()
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"))
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                let separator = try peek()
                pos += 1
                if separator == close { return }
                guard separator == UInt8(ascii: ",") else { throw fail(.unexpectedByte(separator), at: pos - 1) }
            }
        default:
            throw fail(.unexpectedByte(b))
        }
    }

    private mutating func skipLiteral(_ word: StaticString) throws(LineFailure) {
        let count = word.utf8CodeUnitCount
        let start = pos
        guard end - pos >= count else { throw fail(.invalidLiteral, at: start) }
        let expected = word.utf8Start
        for i in 0..<count where base[pos + i] != expected[i] {
            throw fail(.invalidLiteral, at: start)
        }
        pos += count
        // A literal must not run on into more letters ("truex").
        if pos < end, isLetterOrDigit(base[pos]) { throw fail(.invalidLiteral, at: start) }
    }

    /// Steps over `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func skipNumber() throws(LineFailure) {
        let start = pos
        if base[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < end, isDigit(base[pos]) else { throw fail(.invalidNumber, at: start) }
        if base[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while pos < end, isDigit(base[pos]) { pos += 1 }
        }
        if pos < end, base[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < end, isDigit(base[pos]) else { throw fail(.invalidNumber, at: start) }
            while pos < end, isDigit(base[pos]) { pos += 1 }
        }
        if pos < end, base[pos] == UInt8(ascii: "e") || base[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < end, base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < end, isDigit(base[pos]) else { throw fail(.invalidNumber, at: start) }
            while pos < end, isDigit(base[pos]) { pos += 1 }
        }
        if pos < end, isLetterOrDigit(base[pos]) || base[pos] == UInt8(ascii: ".") {
            throw fail(.invalidNumber, at: start)
        }
    }

    /// Decodes the string whose opening quote is at the cursor, leaving the cursor after its closing quote.
    private mutating func decodeString() throws(LineFailure) -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes, so the string is a slice of the line.
        pos = nextSpecialByte(from: pos)
        guard pos < end else { throw fail(.unterminatedString, at: start - 1) }
        switch base[pos] {
        case quote:
            let s = try validatedString(start, pos)
            pos += 1
            return s
        case backslash:
            return try decodeEscapedString(from: start)
        default:
            throw fail(.controlCharacterInString)
        }
    }

    /// The slow path, from the first backslash (at the cursor): unescape into `scratch`, then validate.
    private mutating func decodeEscapedString(from start: Int) throws(LineFailure) -> String {
        let stringStart = start - 1
        scratch.removeAll(keepingCapacity: true)
        appendRun(start, pos)
        try decodeEscape()
        while true {
            let runStart = pos
            pos = nextSpecialByte(from: pos)
            guard pos < end else { throw fail(.unterminatedString, at: stringStart) }
            appendRun(runStart, pos)
            switch base[pos] {
            case quote:
                pos += 1
                guard let s = String(validating: scratch, as: UTF8.self) else {
                    // Locate the bad byte in the input for the error's column.
                    throw fail(.invalidUTF8, at: firstInvalidUTF8(from: start, to: pos - 1) ?? stringStart)
                }
                return s
            case backslash:
                try decodeEscape()
            default:
                throw fail(.controlCharacterInString)
            }
        }
    }

    /// The offset of the first byte at or after `from` that ends a plain string run: `"`, `\\` or a control
    /// character (`end` if none). Eight bytes at a time, with the usual SWAR tests on a 64-bit word.
    @inline(__always)
    private func nextSpecialByte(from: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var i = from
        let raw = UnsafeRawPointer(base)
        while end - i >= 8 {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let quotes = word ^ (ones &* UInt64(quote))
            let backslashes = word ^ (ones &* UInt64(backslash))
            // A zero byte in `quotes`/`backslashes` marks a match; `word - 0x20…` flags bytes below 0x20.
            let hits = ((quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes | (word &- ones &* 0x20) & ~word)
                & highs
            if hits != 0 { break }
            i += 8
        }
        while i < end {
            let b = base[i]
            if b == quote || b == backslash || b < 0x20 { return i }
            i += 1
        }
        return end
    }

    private mutating func appendRun(_ from: Int, _ to: Int) {
        guard to > from else { return }
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + from, count: to - from))
    }

    /// Decodes the escape at the cursor (a backslash) into `scratch` and steps over it.
    private mutating func decodeEscape() throws(LineFailure) {
        let escapeStart = pos
        pos += 1
        guard pos < end else { throw fail(.unterminatedString, at: escapeStart) }
        let c = base[pos]
        pos += 1
        switch c {
        case quote: scratch.append(quote)
        case backslash: scratch.append(backslash)
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hex4(escapeStart)
            var scalar: UInt32
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed at once by an escaped low surrogate.
                guard end - pos >= 6, base[pos] == backslash, base[pos + 1] == UInt8(ascii: "u") else {
                    throw fail(.loneSurrogate, at: escapeStart)
                }
                let lowStart = pos
                pos += 2
                let low = try hex4(lowStart)
                guard (0xDC00...0xDFFF).contains(low) else { throw fail(.loneSurrogate, at: escapeStart) }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            case 0xDC00...0xDFFF:
                throw fail(.loneSurrogate, at: escapeStart)
            default:
                scalar = unit
            }
            appendUTF8(scalar)
        default:
            throw fail(.invalidEscape, at: escapeStart)
        }
    }

    /// Four hex digits at the cursor, as a UTF-16 code unit.
    private mutating func hex4(_ escapeStart: Int) throws(LineFailure) -> UInt32 {
        guard end - pos >= 4 else { throw fail(.invalidEscape, at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = base[pos]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw fail(.invalidEscape, at: escapeStart)
            }
            value = value << 4 | digit
            pos += 1
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    private func validatedString(_ from: Int, _ to: Int) throws(LineFailure) -> String {
        let slice = UnsafeBufferPointer(start: base + from, count: to - from)
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw fail(.invalidUTF8, at: firstInvalidUTF8(from: from, to: to) ?? from)
        }
        return s
    }

    private func asciiString(_ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: base + from, count: to - from), as: UTF8.self)
    }

    /// The offset of the first byte in `from..<to` that starts an invalid UTF-8 sequence (error path only).
    private func firstInvalidUTF8(from: Int, to: Int) -> Int? {
        let bytes = UnsafeRawBufferPointer(start: base, count: to)
        var i = from
        while i < to {
            guard let (_, length) = CorpusText.scalar(inUTF8: bytes, at: i) else { return i }
            i += length
        }
        return nil
    }
}

@inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

@inline(__always) private func isLetterOrDigit(_ b: UInt8) -> Bool {
    isDigit(b) || (b | 0x20) &- UInt8(ascii: "a") < 26
}

