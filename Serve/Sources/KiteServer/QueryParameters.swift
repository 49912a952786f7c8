import Foundation

/// A request's URL query, read strictly: each parameter once, only the ones a route knows (an unknown or repeated
/// one is a 400 naming it, not silently ignored: `lmit=5` would otherwise return 10 hits), `+` as a space and
/// percent-escapes decoded as UTF-8.
struct QueryParameters {
    private var values: [String: String] = [:]

    /// Reads `query` (the part after `?`, if any) for a route that takes `allowed`.
    init(_ query: String?, allowed: Set<String>) throws(APIError) {
        guard let query, !query.isEmpty else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decode(parts[0])
            let value = try parts.count > 1 ? Self.decode(parts[1]) : ""
            guard allowed.contains(key) else {
                throw APIError(.badRequest, "unknown parameter \(key.debugDescription); this route takes "
                    + allowed.sorted().joined(separator: ", "))
            }
            guard values.updateValue(value, forKey: key) == nil else {
                throw APIError(.badRequest, "parameter \(key) given more than once")
            }
        }
    }

    private static func decode(_ part: Substring) throws(APIError) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        guard let decoded = spaced.removingPercentEncoding else {
            throw APIError(.badRequest, "malformed percent-escape in \(String(part).debugDescription)")
        }
        return decoded
    }

    /// The value of `key`, nil if absent; an empty value counts as absent.
    subscript(key: String) -> String? {
        values[key].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The integer value of `key` within `range`, or `fallback` when absent.
    func integer(_ key: String, in range: ClosedRange<Int>, default fallback: Int) throws(APIError) -> Int {
        guard let text = self[key] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(.badRequest, "\(key) must be an integer from \(range.lowerBound) to \(range.upperBound), not \(text.debugDescription)")
        }
        return value
    }

    /// The value of `key` as one of `T`'s cases (by raw value), or `fallback` when absent.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default fallback: T) throws(APIError) -> T
    where T.RawValue == String {
        guard let text = self[key] else { return fallback }
        guard let value = T(rawValue: text) else {
            throw APIError(.badRequest, "\(key) must be one of " + T.allCases.map(\.rawValue).joined(separator: ", ")
                + ", not \(text.debugDescription)")
        }
        return value
    }
}
