// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `metaprior statistics` and `fit --statistics` end to end: the prior fitted from the
/// statistics is the prior fitted from the rows.
@Suite("CLI: statistics and fit --statistics")
struct StatisticsCLITests {
    /// The numbers of θ and ℓ in a prior file.
    static func theta(_ url: URL) throws -> (ll: Double, values: [Double], training: [String: Any]) {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let mean = try #require(json["mean"] as? [Double])
        let covariance = try #require(json["covariance"] as? [[Double]])
        let noise = try #require(json["noise_variance"] as? Double)
        return (try #require(json["log_marginal_likelihood"] as? Double), mean + covariance.flatMap { $0 } + [noise],
                try #require(json["training"] as? [String: Any]))
    }

    /// Expects the same ℓ and θ in two prior files of `dir` to 1e-12 relative (entries below
    /// 1e-3 compared absolutely at 1e-15); returns the second.
    @discardableResult
    static func expectSameFit(_ dir: URL, _ first: String, _ second: String) throws -> (ll: Double, values: [Double], training: [String: Any]) {
        let a = try theta(dir.appendingPathComponent(first))
        let b = try theta(dir.appendingPathComponent(second))
        #expect(abs(a.ll - b.ll) <= 1e-12 * abs(a.ll))
        #expect(a.values.count == b.values.count && zip(a.values, b.values).allSatisfy { abs($0 - $1) <= 1e-12 * Swift.max(abs($0), 1e-3) },
                "\(a.values) against \(b.values)")
        return b
    }

    static func run(_ arguments: [String], in dir: URL) throws {
        let result = try runCLI(arguments + ["--quiet"], in: dir)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
    }

    /// The same θ and ℓ to 1e-12 relative (issue 17's criterion: the fit reads the same
    /// numbers, which the file holds exactly), for a fixed basis and for an rbf basis fixed
    /// by --basis-from; the prior records the statistics file and its digest.
    @Test(arguments: [["--basis", "linear"], ["--basis", "poly:2"], ["--basis-from", "rbf.json"]])
    func fitFromStatisticsMatchesFitFromRows(basis: [String]) throws {
        let dir = try makeTemporaryDirectory()
        try Self.run(["simulate", "linear-gaussian", "--tasks", "40", "--points", "8", "--seed", "3", "--output", "d.csv"], in: dir)
        try Self.run(["fit", "--data", "d.csv", "--basis", "rbf:4", "--output", "rbf.json"], in: dir)
        let rowsArguments = basis[0] == "--basis" ? basis : ["--basis", "rbf:4"]
        try Self.run(["fit", "--data", "d.csv", "--output", "rows.json"] + rowsArguments, in: dir)
        try Self.run(["statistics", "--data", "d.csv", "--output", "s.csv"] + basis, in: dir)
        try Self.run(["fit", "--statistics", "s.csv", "--output", "stats.json"], in: dir)
        let a = try Self.theta(dir.appendingPathComponent("rows.json"))
        let b = try Self.theta(dir.appendingPathComponent("stats.json"))
        #expect(abs(a.ll - b.ll) <= 1e-12 * abs(a.ll))
        let scale = a.values.map(abs).max() ?? 1
        #expect(a.values.count == b.values.count && zip(a.values, b.values).allSatisfy { abs($0 - $1) <= 1e-12 * Swift.max(abs($0), 1e-3 * scale) },
                "\(a.values) against \(b.values)")
        let recorded = try #require(b.training["statistics"] as? [[String: String]])
        let result = try runCLI(["statistics", "--data", "d.csv", "--quiet"] + basis, in: dir)
        #expect(recorded.count == 1 && recorded[0]["file"] == "s.csv")
        #expect(recorded[0]["digest"]?.hasPrefix("sha256:") == true)
        // The same data give the same bytes (standard output and the file).
        #expect(result.stdout == (try String(contentsOf: dir.appendingPathComponent("s.csv"), encoding: .utf8)))
    }

    /// fit --streaming reduces the rows while reading; on contiguous tasks its statistics are
    /// the in-memory ones bit for bit, so θ and ℓ agree to 1e-12 relative.
    @Test func streamingFitMatchesFitFromRows() throws {
        let dir = try makeTemporaryDirectory()
        try Self.run(["simulate", "linear-gaussian", "--tasks", "50", "--points", "6", "--seed", "8", "--output", "d.csv"], in: dir)
        try Self.run(["fit", "--data", "d.csv", "--basis", "poly:2", "--output", "rows.json"], in: dir)
        try Self.run(["fit", "--data", "d.csv", "--basis", "poly:2", "--streaming", "--output", "stream.json"], in: dir)
        let b = try Self.expectSameFit(dir, "rows.json", "stream.json")
        #expect(b.training["data_file"] as? String == "d.csv")
    }

    /// Tasks split across two shard files: fit --statistics on both is the fit of all rows, to
    /// 1e-12 relative with --tolerance 1e-10 (the merged sums differ from the direct ones by
    /// rounding, so at the default tolerance the two fits stop at different points inside it;
    /// see SufficientStatisticsTests.fitFromMergedShardsIsTheFitFromRows).
    @Test func shardsMergeToTheWholeFit() throws {
        let dir = try makeTemporaryDirectory()
        try Self.run(["simulate", "linear-gaussian", "--tasks", "30", "--points", "8", "--seed", "5", "--output", "d.csv"], in: dir)
        let lines = try String(contentsOf: dir.appendingPathComponent("d.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        for s in 0..<2 {
            let rows = lines.dropFirst().enumerated().filter { $0.offset % 2 == s }.map(\.element)
            try ([lines[0]] + rows).joined(separator: "\n").appending("\n").write(to: dir.appendingPathComponent("d\(s).csv"), atomically: true, encoding: .utf8)
            try Self.run(["statistics", "--data", "d\(s).csv", "--output", "s\(s).csv"], in: dir)
        }
        try Self.run(["fit", "--data", "d.csv", "--tolerance", "1e-10", "--output", "rows.json"], in: dir)
        try Self.run(["fit", "--statistics", "s0.csv", "s1.csv", "--tolerance", "1e-10", "--output", "stats.json"], in: dir)
        let b = try Self.expectSameFit(dir, "rows.json", "stats.json")
        #expect((b.training["statistics"] as? [Any])?.count == 2)
    }

    /// `fit --help` says that --data or --statistics is required (DataOptions declares --data
    /// optional for every command, so the usage line of fit is written out).
    @Test func fitHelpSaysDataOrStatisticsIsRequired() throws {
        let result = try runCLI(["fit", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: metaprior fit (--data <file> | --statistics <file> ...)"))
        #expect(result.stdout.contains("Either --data (the rows) or --statistics"))
    }
}
