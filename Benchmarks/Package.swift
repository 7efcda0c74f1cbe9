// swift-tools-version: 6.3
// Benchmarks live in their own package so the test build stays lean. Run them with scripts/bench.
import PackageDescription

let package = Package(
    name: "StakelineBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // `stakeline` is a symlink to the repository root, so the package identity does not
        // depend on the name of the folder the repository was cloned into.
        .package(path: "stakeline"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .executableTarget(
            name: "AccountingBenchmarks",
            dependencies: [
                .product(name: "Accounting", package: "stakeline"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "AccountingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "ConsensusBenchmarks",
            dependencies: [
                .product(name: "Accounting", package: "stakeline"),
                .product(name: "Contracts", package: "stakeline"),
                .product(name: "Domains", package: "stakeline"),
                .product(name: "ServiceKit", package: "stakeline"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "ConsensusBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "ContractsBenchmarks",
            dependencies: [
                .product(name: "Contracts", package: "stakeline"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "ContractsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "BusBench",
            dependencies: [
                .product(name: "Bus", package: "stakeline"),
                .product(name: "Contracts", package: "stakeline"),
                .product(name: "ServiceKit", package: "stakeline"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "BusBench"),
    ]
)
