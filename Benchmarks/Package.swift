// swift-tools-version:6.1
// Kite's benchmarks: a package of its own, so that the root package's `swift build` / `swift test` never
// resolve or build the benchmark dependency.
//
//     cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
//
// Benchmark suites live in Benchmarks/<Name>/ (the BenchmarkPlugin only picks up executable targets whose
// folder's parent is named `Benchmarks`). `kite-query-bench` is a plain executable used by compare/run.sh.
import Foundation
import PackageDescription

// A path dependency's identity is the last component of its path, i.e. whatever the clone of the root package is
// called (`main`, `kite`, …). Derive it so that the product reference works in any checkout.
let rootIdentity = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let benchmarkSuites = ["Analysis", "Indexing", "QueryLatency", "Merge"]

let package = Package(
    name: "KiteBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // ICU for the bare word-breaking floor (headers and libraries via pkg-config).
        .systemLibrary(
            name: "CICUFloorSystem",
            path: "Sources/CICUFloorSystem",
            pkgConfig: "icu-uc",
            providers: [.apt(["libicu-dev"])]
        ),
        // `icu_floor_count_words`: UTF-8 → UTF-16 + ICU `zh` word break, counting words (rule status ≥ 100).
        .target(name: "CICUFloor", dependencies: ["CICUFloorSystem"]),
        // Corpus loading, seeded sampling, index fixtures shared by the suites.
        .target(
            name: "KiteBenchSupport",
            dependencies: [
                .product(name: "Kite", package: rootIdentity), "CICUFloor",
                .product(name: "Benchmark", package: "benchmark"),
            ]
        ),
        // Per-query latency of a built index (used by compare/run.sh).
        .executableTarget(
            name: "kite-query-bench",
            dependencies: [.product(name: "Kite", package: rootIdentity)]
        ),
    ] + benchmarkSuites.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "KiteBenchSupport", "CICUFloor",
                .product(name: "Kite", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/\(name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    }
)
