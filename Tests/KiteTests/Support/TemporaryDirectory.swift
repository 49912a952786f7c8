import Foundation
@testable import Kite

/// A fresh temporary directory, removed when the returned object is released.
final class TemporaryDirectory {
    let path: String
    init() {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/kite-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ name: String) -> String { path + "/" + name }
}
