// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Kite",
    products: [
        .library(name: "Kite", targets: ["Kite"]),
        .executable(name: "kite", targets: ["KiteCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation --target Kite` (a command plugin: nothing of it is linked).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The system's ICU (headers and libraries via pkg-config).
        .systemLibrary(
            name: "CICU",
            pkgConfig: "icu-uc icu-i18n",
            providers: [.apt(["libicu-dev"])]
        ),
        // Plain C wrappers over ICU's version-renamed C API, zlib and zstd; no logic lives here.
        .target(
            name: "CKite",
            dependencies: ["CICU"],
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("zstd")]
        ),
        .target(name: "Kite", dependencies: ["CKite"], exclude: ["Format/FORMAT.md"]),
        .executableTarget(
            name: "KiteCLI",
            dependencies: ["Kite", "CKite", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "KiteTests", dependencies: ["Kite", "KiteCLI"]),
    ]
)
