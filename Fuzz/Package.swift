// swift-tools-version:6.0
// libFuzzer targets of metaprior, kept out of the main build. Built by scripts/fuzz with
// `swift build -c release --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address`,
// which instruments every module (MetaPrior and GSL included) for coverage and AddressSanitizer
// (the -Xswiftc is needed: swiftc keeps only the last of SwiftPM's two -sanitize= flags); each
// executable's entry point is `LLVMFuzzerTestOneInput`, and libFuzzer supplies `main`.
// See Fuzz/README.md.
// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import PackageDescription

// The root package is `..`; SwiftPM names a path dependency after its folder, which differs
// between checkouts (metaprior, wt-fuzz, …), so the identity is read from the folder here.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()
let metaPrior = Target.Dependency.product(name: "MetaPrior", package: rootIdentity)
let gsl = Target.Dependency.product(name: "GSL", package: rootIdentity)

let package = Package(
    name: "metaprior-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        // What the targets share: fixed small data sets and tasks, temporary files.
        .target(name: "FuzzSupport", dependencies: [metaPrior, gsl]),
        // MetaDataset.parse(csv:name:options:) under four option sets.
        .executableTarget(name: "fuzz-csv", dependencies: ["FuzzSupport", metaPrior]),
        // PriorFile.decode, then posterior, summary, draws and predictive of a fixed task.
        .executableTarget(name: "fuzz-prior", dependencies: ["FuzzSupport", metaPrior, gsl]),
        // EpisodeSpec.read(json:), then a few episodes of fixed data sets.
        .executableTarget(name: "fuzz-episode-spec", dependencies: ["FuzzSupport", metaPrior]),
        // `adapt` and `predict` as the CLI runs them: prior JSON, NUL, task CSV.
        .executableTarget(name: "fuzz-adapt", dependencies: ["FuzzSupport", metaPrior]),
    ],
    swiftLanguageModes: [.v5]
)
