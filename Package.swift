// swift-tools-version: 6.1
// Stakeline: off-chain books for Ethereum staking. See DESIGN.md (in ../shared) and docs/ARCHITECTURE.md.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Stakeline",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Accounting", targets: ["Accounting"]),
        .library(name: "Contracts", targets: ["Contracts"]),
        .library(name: "Bus", targets: ["Bus"]),
        .library(name: "ServiceKit", targets: ["ServiceKit"]),
        .library(name: "Domains", targets: ["Domains"]),
        .executable(name: "stakeline", targets: ["StakelineGateway"]),
        .executable(name: "stakeline-bus", targets: ["StakelineBus"]),
        .executable(name: "stakeline-ledger", targets: ["StakelineLedger"]),
        .executable(name: "stakeline-rewards", targets: ["StakelineRewards"]),
        .executable(name: "stakeline-operators", targets: ["StakelineOperators"]),
        .executable(name: "stakeline-slashing", targets: ["StakelineSlashing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // MARK: Shared modules
        .systemLibrary(
            name: "CZeroMQ", path: "Shared/CZeroMQ", pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]),
        // Pure accounting core: standard library only (DESIGN.md §6).
        .target(name: "Accounting", path: "Shared/Accounting", swiftSettings: strict),
        // Message contracts and the JSON codec: standard library only.
        .target(name: "Contracts", path: "Shared/Contracts", swiftSettings: strict),
        .target(
            name: "Bus",
            dependencies: [
                "CZeroMQ", "Contracts",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Bus", swiftSettings: strict),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Bus", "Contracts",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/ServiceKit", swiftSettings: strict),

        // MARK: Processes
        .executableTarget(
            name: "StakelineBus", dependencies: ["Bus", "ServiceKit"], path: "Services/Bus",
            swiftSettings: strict),
        .target(
            name: "Domains", dependencies: ["ServiceKit", "Contracts", "Accounting"],
            path: "Shared/Domains", swiftSettings: strict),
        .executableTarget(
            name: "StakelineLedger", dependencies: ["Domains", "ServiceKit"],
            path: "Services/Ledger", swiftSettings: strict),
        .executableTarget(
            name: "StakelineRewards", dependencies: ["Domains", "ServiceKit"],
            path: "Services/Rewards", swiftSettings: strict),
        .executableTarget(
            name: "StakelineOperators", dependencies: ["Domains", "ServiceKit"],
            path: "Services/Operators", swiftSettings: strict),
        .executableTarget(
            name: "StakelineSlashing", dependencies: ["Domains", "ServiceKit"],
            path: "Services/Slashing", swiftSettings: strict),
        .executableTarget(
            name: "StakelineGateway",
            dependencies: [
                "Bus", "Contracts", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/Gateway", swiftSettings: strict),

        // MARK: Tests
        .testTarget(
            name: "AccountingTests",
            dependencies: ["Accounting", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        .testTarget(
            name: "ContractsTests",
            dependencies: ["Contracts", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        .testTarget(name: "BusTests", dependencies: ["Bus", "Contracts"], swiftSettings: strict),
        // The gateway CLI's pure helpers: parsing of arguments, formatting of amounts and epochs.
        .testTarget(name: "GatewayTests", dependencies: ["StakelineGateway", "Contracts"], swiftSettings: strict),
        .testTarget(
            name: "ServiceKitTests", dependencies: ["ServiceKit", "Bus", "Contracts", "JournalCrashProbe"],
            swiftSettings: strict),
        .testTarget(
            name: "DomainsTests", dependencies: ["Domains", "ServiceKit", "Contracts", "Accounting"],
            swiftSettings: strict),
        .testTarget(
            name: "IntegrationTests", dependencies: ["Bus", "Contracts", "ServiceKit"],
            swiftSettings: strict),
        // A child process for the kill -9 durability test of the journal.
        .executableTarget(
            name: "JournalCrashProbe", dependencies: ["ServiceKit"],
            path: "Tests/Support/JournalCrashProbe", swiftSettings: strict),
    ]
)
