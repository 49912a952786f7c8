import ArgumentParser
import Foundation

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
func writeOut(_ s: String) { FileHandle.standardOutput.write(Data(s.utf8)) }
/// Writes to standard error.
func writeErr(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

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
        let text = String(format: "\r%@ %@ %3.0f%%  %d docs  %.1f/%.1f MB  %.1f MB/s  ETA %.0fs ", label, bar, fraction * 100,
                          documents, Double(bytes) / 1_000_000, Double(totalBytes) / 1_000_000, mbps, eta)
        writeErr(text)
        shown = true
    }

    func clear() {
        guard enabled, shown else { return }
        writeErr("\r\u{1B}[K")
        shown = false
    }
}
