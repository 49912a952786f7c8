import Foundation
import Kite

/// A `POST /documents` body: JSON Lines (`application/x-ndjson`), or JSON (`application/json`: one object, or an
/// array of objects), read into documents exactly as `kite index` reads a `.jsonl` file (``Ingestion``: the same
/// keys, ids, periods and passages).
///
/// JSON is turned into JSON Lines without decoding it: outside strings a raw line break is only whitespace, so a
/// pretty-printed object becomes one line with its bytes (and numbers' literal text) kept; an array is cut at its
/// top-level commas.
enum DocumentBody {
    /// The media types taken, for the 415 message.
    static let mediaTypes = "application/json (an object or an array of objects) or application/x-ndjson (JSON Lines)"

    /// The documents of `bytes` sent as `contentType`; every problem at once, else nothing.
    static func documents(_ bytes: [UInt8], contentType: String?) throws(APIError) -> [Document] {
        let media = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let lines: [UInt8]
        switch media {
        case "application/x-ndjson", "application/jsonl", "application/json-lines", "application/jsonlines":
            lines = bytes
        case "application/json":
            lines = try jsonLines(bytes)
        default:
            throw APIError(.unsupportedMediaType, "send documents as \(mediaTypes), not \(contentType ?? "no Content-Type")")
        }
        var documents: [Document] = []
        var problems: [String] = []
        Ingestion().forEachDocument(inJSONLines: lines, name: "body", { documents.append($0) },
                                    onError: { problems.append($0.description) })
        guard problems.isEmpty else {
            throw APIError(.badRequest, "\(problems.count) document(s) could not be read; nothing was added",
                           details: Array(problems.prefix(20)))
        }
        guard !documents.isEmpty else { throw APIError(.badRequest, "the body holds no document") }
        return documents
    }

    /// JSON text → JSON Lines: an object on one line, or an array's elements one per line.
    static func jsonLines(_ bytes: [UInt8]) throws(APIError) -> [UInt8] {
        var flat = bytes.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }
        guard let first = flat.firstIndex(where: { !isSpace($0) }) else { throw APIError(.badRequest, "empty body") }
        guard flat[first] == UInt8(ascii: "[") else { return flat }
        // Cut the array at depth-1 commas (outside strings) and drop its brackets.
        var depth = 0, inString = false, escaped = false
        var closed = false
        for i in first..<flat.count {
            let b = flat[i]
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth == 1 { flat[i] = 0x20 }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { flat[i] = 0x20; closed = true }
            case UInt8(ascii: ",") where depth == 1: flat[i] = 0x0A
            default:
                if depth == 0 && !isSpace(b) && closed {
                    throw APIError(.badRequest, "unexpected text after the array at byte \(i)")
                }
            }
            if depth < 0 { throw APIError(.badRequest, "unbalanced brackets at byte \(i)") }
        }
        guard closed, depth == 0, !inString else { throw APIError(.badRequest, "the JSON array is not closed") }
        return flat
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
}
