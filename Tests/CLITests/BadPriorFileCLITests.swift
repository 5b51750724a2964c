// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// A hand-edited or corrupted prior file through the built binary: `adapt` exits non-zero with
/// one line on stderr naming the file and the key, is not killed by a signal (no trap, no
/// segfault, no heap corruption), finishes within 5 s (no hang) and leaves no output file.
@Suite("CLI: corrupt prior files")
struct BadPriorFileCLITests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        /// `fit --basis` of the valid prior the edit starts from.
        var basis: String
        /// JSON key (a `basis.` prefix edits the basis object) and the value to put there
        /// (`nil` removes it), as JSON text.
        var edits: [(String, String?)]
        var key: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "poly degree 0", basis: "poly:2", edits: [("basis.degree", "0")], key: "basis.degree"),
        Case(name: "poly degree -1 and spec poly:-1", basis: "poly:2", edits: [("basis.degree", "-1"), ("basis.spec", "\"poly:-1\"")], key: "basis.spec"),
        Case(name: "fourier 0 harmonics", basis: "fourier:2", edits: [("basis.harmonics", "0")], key: "basis.harmonics"),
        Case(name: "fourier without origins", basis: "fourier:2", edits: [("basis.origins", nil)], key: "basis.origins"),
        Case(name: "fourier zero period", basis: "fourier:2", edits: [("basis.periods", "[0]")], key: "basis.periods"),
        Case(name: "rbf empty centre", basis: "rbf:3", edits: [("basis.centres", "[[], [1], [2]]")], key: "basis.centres"),
        Case(name: "rbf more centres than features", basis: "rbf:3", edits: [("basis.centres", "[[0], [1], [2], [3], [4], [5], [6]]")], key: "basis.centres"),
        Case(name: "rbf without centres", basis: "rbf:3", edits: [("basis.centres", nil)], key: "basis.centres"),
        Case(name: "rff short frequencies", basis: "rff:3:1.5:7", edits: [("basis.frequencies", "[[0.1]]")], key: "basis.frequencies"),
        Case(name: "linear with fewer features than inputs", basis: "linear", edits: [("basis.inputs", "[\"Days\", \"A\", \"B\"]")], key: "basis.features"),
        Case(name: "unknown spec", basis: "linear", edits: [("basis.spec", "\"foo:3\"")], key: "basis.spec"),
        Case(name: "noise variance 5e-324", basis: "linear", edits: [("noise_variance", "5e-324")], key: "noise_variance"),
        Case(name: "covariance entry 1e308", basis: "linear", edits: [("covariance", "[[1e308, 0], [0, 1e308]]")], key: "covariance"),
        Case(name: "mean entry 1e300", basis: "linear", edits: [("mean", "[1e300, 10]")], key: "mean"),
    ]

    @Test(arguments: cases)
    func adaptRefusesTheFileCleanly(_ c: Case) throws {
        let dir = try FitAdaptPredictTests.fitted()
        if c.basis != "linear" {
            let fit = try runCLI(["fit", "--data", "sleepstudy.csv", "--task", "Subject", "--target", "Reaction",
                                  "--basis", c.basis, "--output", "prior.json", "--quiet"], in: dir)
            try #require(fit.status == 0, "\(fit.stderr)")
        }
        let prior = try Data(contentsOf: dir.appendingPathComponent("prior.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: prior) as? [String: Any])
        for (key, text) in c.edits {
            let value = try text.map { try JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) }
            if key.hasPrefix("basis.") {
                var basis = try #require(json["basis"] as? [String: Any])
                basis[String(key.dropFirst(6))] = value
                json["basis"] = basis
            } else {
                json[key] = value
            }
        }
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("bad.json"))

        let result = try runCLI(["adapt", "--prior", "bad.json", "--data", "s308.csv", "--output", "out.csv"], in: dir, timeout: 5)
        #expect(result.status != 124, "adapt did not finish within 5 s")
        #expect(result.status != 0)
        #expect(!result.signalled, "killed by signal \(result.status)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr was: \(result.stderr)")
        #expect(result.stderr.contains("bad.json: column '\(c.key)': "), "stderr was: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.csv").path))
    }

    /// Data the fit used to fail on with GSL's words: constant targets now fit (Σ = 0, σ²
    /// floored, reported), and all-zero task weights name the weight column.
    @Test func fitOnConstantTargetsAndZeroWeights() throws {
        let dir = try makeTemporaryDirectory()
        var constant = "task,x,w,y\n"
        for t in 0..<6 { for i in 0..<5 { constant += "t\(t),\(i),0,3\n" } }
        try constant.write(to: dir.appendingPathComponent("c.csv"), atomically: true, encoding: .utf8)
        let fit = try runCLI(["fit", "--data", "c.csv", "--task", "task", "--target", "y", "--features", "x", "--output", "p.json"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("the noise variance was floored"), "\(fit.stderr)")
        let weighted = try runCLI(["fit", "--data", "c.csv", "--task", "task", "--target", "y", "--weights", "w", "--output", "q.json"], in: dir)
        #expect(weighted.status != 0)
        #expect(weighted.stderr.contains("c.csv: column 'w': every task's weight is 0"), "\(weighted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("q.json").path))
    }
}
