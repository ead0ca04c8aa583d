// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "xsplice",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "xsplice", targets: ["xsplice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Only Capstone's header: the library is loaded with dlopen when an
        // instruction is first decoded (OldCodeCheck/CapstoneLibrary.swift),
        // so pkg-config's `-lcapstone` must not reach the link.
        .systemLibrary(name: "CCapstone"),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "CShims"),
        .target(name: "Hash", dependencies: ["COpenSSL"]),
        .target(name: "ELF"),
        .target(name: "Payload", dependencies: ["ELF", "Hash"]),
        .target(name: "Diff", dependencies: ["ELF"]),
        .target(
            name: "Target", dependencies: ["ELF", "Hash", "CShims"],
            // Kill points inside remote calls (FaultPoint), only in builds for tests.
            swiftSettings: [.define("XSPLICE_FAULTS", .when(configuration: .debug))]
        ),
        .target(name: "Link", dependencies: ["Target", "Payload", "ELF", "Hash"]),
        .target(name: "OldCodeCheck", dependencies: ["Target", "Payload", "Hash", "CCapstone"]),
        .target(
            name: "Applier", dependencies: ["Link", "OldCodeCheck", "Target", "Payload", "Hash", "ELF"],
            // Crash-point hooks (XSPLICE_FAULT, XSPLICE_FAULT_TARGET) only in
            // builds for tests, never in the release binary.
            swiftSettings: [.define("XSPLICE_FAULTS", .when(configuration: .debug))]
        ),
        .target(name: "Fleet", dependencies: ["Applier", "OldCodeCheck", "Payload", "Target", "ELF", "Hash", "CShims"]),
        .executableTarget(
            name: "xsplice",
            dependencies: [
                "Applier", "Fleet", "Link", "OldCodeCheck", "Payload", "Target", "Hash", "ELF", "Diff",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["SourceStamp"]
        ),
        // `xsplice --version` names the commit the binary was built from.
        .plugin(name: "SourceStamp", capability: .buildTool()),
        // Helpers shared by the test targets: paths, the corpus, processes.
        .target(name: "TestSupport", dependencies: ["Applier"], path: "Tests/TestSupport"),
        .testTarget(
            name: "Unit",
            dependencies: [
                "Hash", "ELF", "Payload", "Target", "Link", "OldCodeCheck", "Applier", "Diff", "TestSupport", "CShims",
                "Fleet",
            ],
            exclude: ["FuzzCrashes"]
        ),
        .testTarget(
            name: "Property",
            dependencies: [
                "Hash", "ELF", "Payload", "Target", "OldCodeCheck", "Applier", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ]
)
