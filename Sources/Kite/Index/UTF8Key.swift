#if canImport(Glibc)
import Glibc  // memcmp
#elseif canImport(Musl)
import Musl
#endif

/// Text as its UTF-8 bytes, as a dictionary key: hashed as one block and compared byte for byte. Ids are compared
/// so (as a segment's sorted id table is: "é" and "e\u{301}" are different ids), and a `String` key would be
/// normalized on every hash (with one per passage, that was most of a common word's search time).
struct UTF8Key: Hashable, Sendable {
    let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }
    init(_ text: String) { bytes = Array(text.utf8) }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether the key spells `other`.
    func spells(_ other: UnsafeRawBufferPointer) -> Bool {
        bytes.count == other.count && bytes.withUnsafeBytes { memcmp($0.baseAddress!, other.baseAddress!, other.count) == 0 }
    }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: UTF8Key, b: UTF8Key) -> Bool { a.bytes == b.bytes }
}
