// swift-tools-version:6.1
// Coverage-guided fuzzing of the parsers that take untrusted bytes (issue 15): libFuzzer targets under
// AddressSanitizer, a package of its own so that nothing here is built by the root package or by Benchmarks/.
//
//     bash Benchmarks/fuzz/run.sh [seconds per target] [target …]
//
// Each target is an executable whose `main` is libFuzzer's (hence `-parse-as-library`); run.sh builds them with
// `swift build --sanitize fuzzer --sanitize address`, which instruments Kite too.
import Foundation
import PackageDescription

// A path dependency's identity is the last component of its path, i.e. whatever the clone of the root package is
// called (`main`, `kite`, …). Derive it so that the product reference works in any checkout.
let rootIdentity = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let kite = Target.Dependency.product(name: "Kite", package: rootIdentity)
let fuzzTargets = ["FuzzJSONLines", "FuzzQuery", "FuzzReport", "FuzzSegment"]

let package = Package(
    name: "KiteFuzz",
    dependencies: [.package(path: "../..")],
    targets: [
        // What the targets share: failing loudly, seed files, a CRC-32 for fixing up mutated files.
        .target(name: "FuzzSupport", dependencies: [kite]),
    ] + fuzzTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: [kite, "FuzzSupport"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
