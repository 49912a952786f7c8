/// Why a line or file of input could not be turned into documents.
///
/// A per-line error (a malformed JSON line, say) does not end ingestion by itself: readers report it for that line
/// and carry on with the next one, and the caller decides whether to stop, skip or collect.
public struct IngestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        /// The line is not a JSON object (it does not start with `{`).
        case notAnObject
        /// The line ends inside a value, or before the object is closed.
        case unexpectedEndOfLine
        /// A byte that JSON does not allow at this place (the byte).
        case unexpectedByte(UInt8)
        /// Something other than whitespace follows the object on its line.
        case trailingCharacters
        /// A string is not closed before the end of the line.
        case unterminatedString
        /// A string holds an unescaped control character (U+0000–U+001F).
        case controlCharacterInString
        /// A backslash escape that JSON does not define, or a malformed `\uXXXX`.
        case invalidEscape
        /// A `\uXXXX` surrogate that is not half of a high–low pair.
        case loneSurrogate
        /// The line is not valid UTF-8.
        case invalidUTF8
        /// A number that does not follow JSON's number grammar.
        case invalidNumber
        /// A bare word other than `true`, `false` or `null`.
        case invalidLiteral
        /// Arrays and objects nested deeper than the reader allows.
        case nestingTooDeep
        /// The file could not be read (the system's message).
        case unreadableFile(String)
        /// A report has no period: none was given, and neither its title nor its file name carries one.
        case missingPeriod
        /// A JSON line has no id (none of the mapping's id keys holds a non-blank value): a line number would
        /// collide with real ids and change when lines move.
        case missingID(keys: [String])
        /// A document id given again in one run (the later document replaces the earlier).
        case duplicateID(String)

        /// A short English phrase for the reason, e.g. "invalid escape sequence".
        public var description: String {
            switch self {
            case .notAnObject: return "not a JSON object"
            case .unexpectedEndOfLine: return "unexpected end of line"
            case .unexpectedByte(let byte):
                if byte >= 0x21 && byte < 0x7F {
                    return "unexpected character '\(Character(Unicode.Scalar(byte)))'"
                }
                return "unexpected byte 0x\(String(byte, radix: 16, uppercase: true))"
            case .trailingCharacters: return "trailing characters after the object"
            case .unterminatedString: return "unterminated string"
            case .controlCharacterInString: return "unescaped control character in string"
            case .invalidEscape: return "invalid escape sequence"
            case .loneSurrogate: return "unpaired UTF-16 surrogate in \\u escape"
            case .invalidUTF8: return "invalid UTF-8"
            case .invalidNumber: return "invalid number"
            case .invalidLiteral: return "invalid literal"
            case .nestingTooDeep: return "nesting too deep"
            case .unreadableFile(let message): return "cannot read file: \(message)"
            case .missingPeriod: return "no period given, and none found in the title or file name"
            case .missingID(let keys): return "no id (none of \(keys.joined(separator: ", ")) has a value)"
            case .duplicateID(let id): return "id \(id.debugDescription) given again; the later document replaces the earlier"
            }
        }
    }

    /// The file the input came from, if known.
    public var path: String?
    /// The 1-based line number; 0 when the error concerns the whole file.
    public var line: Int
    /// The 1-based byte column in the line where the problem was found, if known.
    public var column: Int?
    /// What went wrong.
    public var reason: Reason

    /// Creates an error.
    public init(path: String? = nil, line: Int, column: Int? = nil, reason: Reason) {
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `path:line:column: reason`, leaving out what is unknown.
    public var description: String {
        var location = path ?? "<input>"
        if line > 0 { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): \(reason)"
    }
}

/// Why reading a file of documents stopped: the file could not be used as a whole (``input(_:)``: unreadable, not
/// UTF-8, a report without a period), or the caller's closure threw (``body(_:)``, its error as thrown).
///
/// Per-line problems are not failures: they go to the reader's `onError` and reading goes on.
public enum IngestionFailure<BodyError: Error>: Error, CustomStringConvertible {
    /// The input as a whole could not be read.
    case input(IngestError)
    /// The closure given the documents threw.
    case body(BodyError)

    public var description: String {
        switch self {
        case .input(let error): return error.description
        case .body(let error): return "\(error)"
        }
    }
}
