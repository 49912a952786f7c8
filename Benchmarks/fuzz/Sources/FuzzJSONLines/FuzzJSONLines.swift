import Foundation
import FuzzSupport
import Kite

// The JSONL reader, differentially: the input (newlines removed) as one line, against Foundation's JSONSerialization.
// - Kite accepts ⇒ Foundation accepts it as one object with the same keys and, for keys that occur once, the same
//   strings, numbers and booleans (top-level `null` members are left out by Kite by design). Kite keeps numbers as
//   their literal text, so a number beyond a Double's range (which Foundation refuses) is not a disagreement.
// - Foundation accepts one object ⇒ Kite accepts it too, unless it has a trailing comma (`{"a":1,}`) or a NUL
//   byte (`{\0}`), which Foundation allows and RFC 8259 does not.
// - A rejected line's error names line 1 and a column inside the line.
// Then the input as a whole file, through `Ingestion` (mapping, passages): documents have ids, errors have lines.

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    writeSeedsIfAsked(
        try corpusLines("gov-work-reports-provincial-2026.jsonl", count: 30, maxBytes: 400)
            + corpusLines("gov-work-reports-national.jsonl", count: 10, maxBytes: 400)
            + [#"{"id":"a\u00e9\"\\/\n","n":-1.5e3,"b":true,"z":null,"arr":[1,{"a":[2]}],"s":"\ud83d\ude00"}"#,
               #"{"id": "x", "text": "统计 普查", "period": "2023Q3"}"#, #"{"id":1e400,"title":"\u0000"}"#, "{}", "  "]
                .map { Array($0.utf8) })
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    checkOneLine(input.filter { $0 != 0x0A })
    checkIngestion(input)
    return 0
}

func checkOneLine(_ line: [UInt8]) {
    let result = line.withUnsafeBytes { JSONLinesReader.decodeLine($0, number: 1, path: "f.jsonl") }
    let foundation = try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed]) as? [String: Any]
    let text = String(decoding: line, as: UTF8.self).debugDescription
    switch result {
    case nil:
        guard line.allSatisfy({ [0x20, 0x09, 0x0D].contains($0) }) else { fuzzFailure("a non-blank line read as blank: \(text)") }
    case .failure(let error):
        guard error.line == 1, let column = error.column, (1...(line.count + 1)).contains(column) else {
            fuzzFailure("error outside the line: \(error) for \(text)")
        }
        // Foundation accepts a comma before `}` or `]` and NUL bytes between tokens, which RFC 8259 does not allow;
        // Kite refuses both.
        if foundation != nil && !hasTrailingComma(line) && !line.contains(0) {
            fuzzFailure("Foundation accepts one object, Kite refuses (\(error)): \(text)")
        }
    case .success(let object):
        guard let dict = foundation else {
            // Kite keeps numbers as their literal text; Foundation refuses those beyond a Double's range. Any other
            // refusal is a disagreement.
            guard (try? JSONSerialization.jsonObject(with: Data(numbersZeroed(line)))) is [String: Any] else {
                fuzzFailure("Kite accepts what Foundation refuses: \(text)")
            }
            return
        }
        for member in object.members {
            guard let value = dict[member.key] else { fuzzFailure("key \(member.key.debugDescription) missing in Foundation's: \(text)") }
            // A key given twice: Foundation keeps the last value, Kite every non-null one (a null member is left out,
            // so `"b":true,"b":null` is one member for Kite and null for Foundation).
            guard object.members.filter({ $0.key == member.key }).count == 1, !(value is NSNull) else { continue }
            switch member.value {
            case .string(let s):
                guard value as? String == s else { fuzzFailure("\(member.key): \(s.debugDescription) vs \(value): \(text)") }
            case .number(let literal):
                // Foundation keeps at most 38 significant digits (Decimal); Kite the literal: compare as Doubles.
                guard let n = value as? NSNumber, let d = Double(literal),
                      d.isInfinite || abs(d - n.doubleValue) <= 1e-12 * max(abs(d), Double.leastNormalMagnitude) else {
                    fuzzFailure("\(member.key): number \(literal) vs \(value): \(text)")
                }
            case .bool(let b):
                guard (value as? NSNumber)?.boolValue == b else { fuzzFailure("\(member.key): \(b) vs \(value): \(text)") }
            case .raw:
                break
            }
        }
        let kept = Set(object.members.map(\.key))
        for (key, value) in dict where !kept.contains(key) && !(value is NSNull) && !(value is [Any]) && !(value is [String: Any]) {
            fuzzFailure("Foundation's key \(key.debugDescription) missing in Kite's: \(text)")
        }
    }
}

/// Whether a `,` outside strings is followed (after white space) by `}` or `]`.
func hasTrailingComma(_ line: [UInt8]) -> Bool {
    var inString = false, escaped = false, afterComma = false
    for b in line {
        if inString {
            if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
            continue
        }
        if [0x20, 0x09, 0x0D].contains(b) { continue }
        if afterComma && (b == UInt8(ascii: "}") || b == UInt8(ascii: "]")) { return true }
        afterComma = b == UInt8(ascii: ",")
        if b == UInt8(ascii: "\"") { inString = true }
    }
    return false
}

/// The line with every number outside strings replaced by `0` (the line is valid JSON: Kite accepted it).
func numbersZeroed(_ line: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var inString = false, escaped = false, inNumber = false
    for b in line {
        if inString {
            out.append(b)
            if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
            continue
        }
        let numeric = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || Array("-+.eE".utf8).contains(b)
        if inNumber && numeric { continue }
        inNumber = numeric && (b == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b))
        if inNumber { out.append(UInt8(ascii: "0")); continue }
        if b == UInt8(ascii: "\"") { inString = true }
        out.append(b)
    }
    return out
}

func checkIngestion(_ input: [UInt8]) {
    let lines = input.split(separator: 0x0A, omittingEmptySubsequences: false).count
    Ingestion(passageThreshold: 200).forEachDocument(inJSONLines: input, name: "f.jsonl", { document in
        if document.id.isEmpty { fuzzFailure("a document without an id") }
    }, onError: { error in
        guard (1...lines).contains(error.line) else { fuzzFailure("error line \(error.line) of \(lines): \(error)") }
    })
}
