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
        // Corpus loading, seeded sampling, index fixtures, and the bare-ICU floor (Kite's `ICUBaseline`, the one
        // `kite bench` uses) shared by the suites.
        .target(
            name: "KiteBenchSupport",
            dependencies: [
                .product(name: "Kite", package: rootIdentity),
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
                "KiteBenchSupport",
                .product(name: "Kite", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/\(name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    }
)
