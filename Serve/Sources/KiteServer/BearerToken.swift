import Foundation
import Hummingbird

/// The token write requests carry (`Authorization: Bearer …`), compared in constant time.
struct BearerToken: Sendable {
    private let bytes: [UInt8]

    /// The token in `text` (a token file's contents, surrounding whitespace dropped); nil when empty.
    init?(_ text: String) {
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { return nil }
        bytes = Array(token.utf8)
    }

    /// Whether `given` is this token, taking the same time whatever prefix of it matches (no early exit, and the
    /// length compared last), so that response times do not reveal it a byte at a time.
    func matches(_ given: some Collection<UInt8>) -> Bool {
        var difference = UInt8(truncatingIfNeeded: given.count ^ bytes.count)
        difference |= given.count == bytes.count ? 0 : 1
        var i = 0
        for b in given {
            difference |= b ^ bytes[i % bytes.count]
            i += 1
        }
        return difference == 0
    }

    /// Throws 401 unless `request` carries this token.
    func authorize(_ request: Request) throws(APIError) {
        var challenge = APIError(.unauthorized, "this route needs Authorization: Bearer <the token of --token-file>")
        challenge.headers[.wwwAuthenticate] = "Bearer"
        guard let header = request.headers[.authorization] else { throw challenge }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw challenge }
        guard matches(parts[1].utf8) else {
            var wrong = APIError(.unauthorized, "wrong bearer token")
            wrong.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\""
            throw wrong
        }
    }
}
