import Foundation

/// Stops the run with a message libFuzzer records with the input: a broken invariant, not a thrown error.
public func fuzzFailure(_ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    FileHandle.standardError.write(Data("kite-fuzz: invariant broken (\(file):\(line)): \(message())\n".utf8))
    abort()
}

/// The repository's root (this file is Benchmarks/fuzz/Sources/FuzzSupport/FuzzSupport.swift).
public let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// Seeds are written by a target when `KITE_FUZZ_WRITE_SEEDS` names a directory: each input as a file, then exit.
/// run.sh calls every target so once before fuzzing, so that seed corpora come from the repository, not from a
/// checked-in copy.
public func writeSeedsIfAsked(_ seeds: @autoclosure () throws -> [[UInt8]]) {
    guard let dir = ProcessInfo.processInfo.environment["KITE_FUZZ_WRITE_SEEDS"] else { return }
    do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (k, seed) in try seeds().enumerated() {
            try Data(seed).write(to: URL(fileURLWithPath: dir + "/seed-\(k)"))
        }
    } catch {
        fuzzFailure("writing seeds to \(dir): \(error)")
    }
    exit(0)
}

/// CRC-32 (IEEE, as zlib's `crc32`), for giving a mutated file a valid footer so that decoding goes past the check.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<C: Collection<UInt8>>(_ bytes: C) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// Lines of the repository's corpus files, each at most `maxBytes` long (cut at a UTF-8 boundary is not needed:
/// broken sequences are inputs too).
public func corpusLines(_ file: String, count: Int, maxBytes: Int) throws -> [[UInt8]] {
    let text = try String(contentsOfFile: repositoryRoot + "/Corpus/" + file, encoding: .utf8)
    return text.split(separator: "\n").prefix(count).map { Array($0.utf8.prefix(maxBytes)) }
}
