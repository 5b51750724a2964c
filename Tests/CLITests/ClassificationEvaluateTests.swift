// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import MetaPrior
import Testing

/// `evaluate --ways` (issue 15): Model A against its baselines, and bad inputs refused.
@Suite("CLI: evaluate --ways (classification)")
struct ClassificationEvaluateTests {
    /// A class_gaussian prior fitted on 100 simulated tasks (seed 3) and 200 held-out tasks
    /// (seed 7), both 5 classes × 10 points, d = 2.
    static func directory() throws -> URL {
        let dir = try makeTemporaryDirectory()
        for (name, tasks, seed) in [("train.csv", "100", "3"), ("test.csv", "200", "7")] {
            let run = try runCLI(["simulate", "gaussian-classes", "--tasks", tasks, "--points", "10", "--seed", seed, "--output", name], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let fit = try runCLI(["fit", "--data", "train.csv", "--task", "task", "--target", "label", "--model", "class_gaussian",
                              "--psi", "isotropic", "--output", "prior.json"], in: dir, timeout: 300)
        #expect(fit.status == 0, "\(fit.stderr)")
        return dir
    }

    static let evaluate = ["evaluate", "--prior", "prior.json", "--ways", "5", "--shots", "5", "--query", "5", "--seed", "1"]

    /// On data whose classes share one covariance (the simulator's Σ = I), Model A's
    /// predictive is close to Bayes-optimal, while the nearest-mean softmax has no learned
    /// scale: Model A's NLL must be lower by more than 2 √(SE_A² + SE_B²) (conservative:
    /// the paired difference's SE is smaller, the episodes being shared).
    @Test func modelABeatsNearestMeanOnNLL() throws {
        let dir = try Self.directory()
        let run = try runCLI(Self.evaluate + ["--data", "test.csv", "--episodes", "1000"], in: dir, timeout: 300)
        #expect(run.status == 0, "\(run.stderr)")
        func figures(_ method: String) throws -> [Double] {
            let line = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix(method + " ") })
            return line.split(separator: " ").compactMap { Double($0) }
        }
        let a = try figures("class_gaussian"), b = try figures("nearest_mean"), c = try figures("logistic")
        #expect(a.count == 8 && b.count == 8 && c.count == 8, "\(run.stdout)")
        guard a.count == 8, b.count == 8 else { return }
        #expect(b[2] - a[2] > 2 * (a[3] * a[3] + b[3] * b[3]).squareRoot(), "\(run.stdout)")
        #expect(run.stdout.contains("SE over 200 clusters"))
    }

    /// Each bad input is one error naming the problem, never a crash.
    @Test(arguments: [
        ("fewer than K + Q points in a class", ["--data", "test.csv", "--shots", "8"], "no task is large enough"),
        ("a label column with one class", ["--data", "oneclass.csv"], "no task is large enough"),
        ("N above the number of classes", ["--data", "test.csv", "--ways", "6"], "6 ways"),
        ("a non-numeric feature", ["--data", "text.csv"], "not a number"),
        ("a regression prior", ["--data", "test.csv", "--prior", "sin.json"], "class_gaussian or softmax prior"),
        ("the meta-train tasks", ["--data", "train.csv"], "were used to fit"),
    ])
    func badInputs(name: String, arguments: [String], message: String) throws {
        let dir = try Self.directory()
        let rows = try String(contentsOf: dir.appendingPathComponent("test.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let one = [rows[0]] + rows.dropFirst().filter { $0.hasSuffix(",0") }
        try (one.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("oneclass.csv"), atomically: true, encoding: .utf8)
        var text = rows
        var cells = text[4].split(separator: ",").map(String.init)
        cells[1] = "abc"
        text[4] = cells.joined(separator: ",")
        try (text.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("text.csv"), atomically: true, encoding: .utf8)
        _ = try runCLI(["simulate", "sinusoid", "--tasks", "20", "--points", "10", "--seed", "1", "--output", "sin.csv"], in: dir)
        _ = try runCLI(["fit", "--data", "sin.csv", "--output", "sin.json"], in: dir)
        var args = Self.evaluate + ["--episodes", "10"]
        if let i = arguments.firstIndex(of: "--prior") {
            args[args.firstIndex(of: "prior.json")!] = arguments[i + 1]
            args += arguments[..<i] + arguments[(i + 2)...]
        } else {
            args += arguments
        }
        let run = try runCLI(args, in: dir, timeout: 120)
        #expect(run.status != 0 && !run.signalled, "\(name): \(run.stderr)")
        #expect(run.stderr.contains(message), "\(name): \(run.stderr)")
    }
}
