import ArgumentParser
import Foundation

/// A runtime failure: one line on standard error and exit status 2.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    static func runtime(_ message: String) -> CLIError { CLIError(description: message) }
}
