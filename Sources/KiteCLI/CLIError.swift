import ArgumentParser
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A runtime failure: one line on standard error and exit status 2.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    static func runtime(_ message: String) -> CLIError { CLIError(description: message) }
}

/// One line that says what `error` is: its own description, or for a file system error from FoundationEssentials
/// (which has no `localizedDescription`) the path and the system's message (`/x: No such file or directory`; the
/// message alone when the path is `path`, which the caller names already).
func describe(_ error: any Error, of path: String? = nil) -> String {
    if let error = error as? CocoaError {
        let reason = (error.underlying as? POSIXError).map { systemMessage($0.code.rawValue) }
            ?? "file operation failed (error \(error.code.rawValue))"
        guard let file = error.filePath, file != path else { return reason }
        return "\(file): \(reason)"
    }
    if let error = error as? POSIXError { return systemMessage(error.code.rawValue) }
    return String(describing: error)
}

/// The C library's message for `errno` value `code`.
func systemMessage(_ code: Int32) -> String { strerror(code).map { String(cString: $0) } ?? "error \(code)" }
