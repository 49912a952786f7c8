// swift-tools-version:6.1
// `kite serve`: Kite's HTTP API and search page, a package of its own beside the root (as Benchmarks/ is), so that a
// package depending on the `Kite` library never resolves or builds Hummingbird and swift-nio. The root's `kite serve`
// runs the `kite-serve` executable built here (README.md, "Serving").
//
//     swift build -c release --package-path Serve      # then: kite serve, or Serve/.build/release/kite-serve
import Foundation
import PackageDescription

// A path dependency's identity is the last component of its path, i.e. whatever the clone of the root package is
// called (`main`, `kite`, …). Derive it so that the product reference works in any checkout.
let rootIdentity = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "KiteServe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kite-serve", targets: ["KiteServe"]),
        .library(name: "KiteServer", targets: ["KiteServer"]),
    ],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The routes, the reader/writer state and the page; no argument parsing, no process set-up.
        .target(
            name: "KiteServer",
            dependencies: [
                .product(name: "Kite", package: rootIdentity),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [
                .embedInCode("Page/index.html"),
                .embedInCode("Page/app.js"),
                .embedInCode("Page/style.css"),
                .embedInCode("openapi.json"),
            ]
        ),
        .executableTarget(
            name: "KiteServe",
            dependencies: ["KiteServer", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "KiteServerTests",
            dependencies: ["KiteServer", .product(name: "Logging", package: "swift-log")]
        ),
    ]
)
