// swift-tools-version:6.0
// metaprior — probabilistic meta-learning on the GNU Scientific Library.
// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import PackageDescription

// scripts/test sets METAPRIOR_STRICT=1: our own targets then build with warnings as errors
// (dependencies are not affected). Off by default, so that a newer compiler's new warnings
// never stop a user's build.
let strict: [SwiftSetting] = Context.environment["METAPRIOR_STRICT"] == "1" ? [.unsafeFlags(["-warnings-as-errors"])] : []

// BLAS: OpenBLAS where `pkg-config --exists openblas` succeeds (Debian: `apt-get install
// libopenblas-dev`; scripts/install-deps offers it), GSL's reference CBLAS otherwise. The
// per-task products at d ≳ 6 run several times faster on OpenBLAS (Benchmarks/README.md).
// METAPRIOR_BLAS=gsl forces the fallback (that is also how the fallback build is tested).
// Both variants build the same module, CGSL; the OpenBLAS one also links OpenBLAS and points
// the per-task kernels' BLAS wrappers at it (Sources/CGSL/shim.h says why GSL itself keeps
// its own CBLAS).
func pkgConfigFinds(_ name: String) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["pkg-config", "--exists", name]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}
let useOpenBLAS = Context.environment["METAPRIOR_BLAS"] != "gsl" && pkgConfigFinds("openblas")
let cgsl: Target = useOpenBLAS
    ? .systemLibrary(name: "CGSL", path: "Sources/CGSLOpenBLAS", pkgConfig: "openblas",
                     providers: [.apt(["libopenblas-dev"])])
    : .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"]), .brew(["gsl"])])

let package = Package(
    name: "metaprior",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "metaprior", targets: ["MetaPriorCLI"]),
        .library(name: "MetaPrior", targets: ["MetaPrior"]),
        .library(name: "GSL", targets: ["GSL"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SHA-256 digests of data and prior files (comparable with `sha256sum`).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        // `swift package generate-documentation` (scripts/docs); not linked into any target.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The C library itself: a module map and one shim header, nothing else.
        cgsl,
        // The only code that imports CGSL: safe storage, linear algebra, random streams,
        // distributions, optimisation and quadrature, with one error funnel.
        .target(name: "GSL", dependencies: ["CGSL"], swiftSettings: strict),
        // The toolkit: data, episodes, features, models, export, evaluation.
        .target(name: "MetaPrior", dependencies: ["GSL", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        // The `metaprior` command: argument parsing and files only.
        .executableTarget(
            name: "MetaPriorCLI",
            dependencies: [
                "MetaPrior",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "GSLTests", dependencies: ["GSL"], swiftSettings: strict),
        .testTarget(name: "MetaPriorTests", dependencies: ["MetaPrior", "GSL"], swiftSettings: strict),
        // Runs the built `metaprior` binary as a user would; depends on it so it is built.
        .testTarget(name: "CLITests", dependencies: ["MetaPriorCLI", "MetaPrior"], swiftSettings: strict),
    ],
    // Swift 5 mode: the parallel loops hand non-Sendable closures to Dispatch on purpose
    // (each chunk writes only its own slot; see DeterministicParallel).
    swiftLanguageModes: [.v5]
)
