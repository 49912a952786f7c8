import ArgumentParser
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `--color auto|always|never`; auto means: the stream is a terminal and `NO_COLOR` is unset or empty
/// (https://no-color.org).
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    func enabled(for descriptor: Int32) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
            return !noColor && isatty(descriptor) == 1
        }
    }
}

/// One value as JSON with sorted keys and UTF-8 text as is, and a newline (the CLI's JSON and JSON lines).
func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}

/// Writes to standard output.
func writeOut(_ s: String) { _ = writeAll(STDOUT_FILENO, s) }
/// Writes to standard error.
func writeErr(_ s: String) { _ = writeAll(STDERR_FILENO, s) }

/// Writes all of `s` to `descriptor`, again after a partial write or an interrupted one; the `errno` of a failure,
/// or nil. (The CLI links FoundationEssentials only, which has no `FileHandle`: Foundation's libraries would add
/// about 7 MiB to every run's resident memory.)
@discardableResult
func writeAll(_ descriptor: Int32, _ s: String) -> Int32? {
    var s = s
    return s.withUTF8 { bytes -> Int32? in
        var done = 0
        while done < bytes.count {
            let n = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return nil
    }
}

/// All of standard input.
func readStandardInput() -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress!, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return bytes }
        bytes.append(contentsOf: chunk[..<n])
    }
}

/// `value` with `decimals` digits after the point, as C's `%.*f` writes it (`String(format:)` is Foundation's).
func fixed(_ value: Double, _ decimals: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 32)
    while true {
        let n = Int(withVaList([Int32(decimals), value]) { vsnprintf(&buffer, buffer.count, "%.*f", $0) })
        guard n >= 0 else { return "\(value)" }
        if n < buffer.count { return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        buffer = [CChar](repeating: 0, count: n + 1)
    }
}

/// `text` padded with spaces on the right to `width` characters, or cut to them.
func padded(_ text: String, to width: Int) -> String {
    text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
}

/// A progress bar on standard error, only when it is a terminal.
final class Progress {
    let totalBytes: Int
    let label: String
    let enabled = isatty(STDERR_FILENO) == 1
    let start = Date()
    private var last = Date.distantPast
    private var shown = false

    init(totalBytes: Int, label: String) {
        self.totalBytes = totalBytes
        self.label = label
    }

    func update(documents: Int, bytes: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(last) > 0.1 else { return }
        last = now
        let elapsed = now.timeIntervalSince(start)
        let fraction = totalBytes > 0 ? min(1, Double(bytes) / Double(totalBytes)) : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let mbps = Double(bytes) / 1_000_000 / max(elapsed, 1e-9)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let percent = fixed(fraction * 100, 0)
        let text = "\r\(label) \(bar) \(String(repeating: " ", count: max(0, 3 - percent.count)))\(percent)%  \(documents) docs  "
            + "\(fixed(Double(bytes) / 1_000_000, 1))/\(fixed(Double(totalBytes) / 1_000_000, 1)) MB  \(fixed(mbps, 1)) MB/s  "
            + "ETA \(fixed(eta, 0))s "
        writeErr(text)
        shown = true
    }

    func clear() {
        guard enabled, shown else { return }
        writeErr("\r\u{1B}[K")
        shown = false
    }
}
