// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// Task descriptors in the binomial family through the commands: simulate → fit (column form
/// and formula) → adapt / predict / evaluate, and the refusals.
@Suite("GLM descriptor commands")
struct GLMDescriptorCLITests {
    /// A directory with data.csv and descriptors.csv (`simulate logistic-tasks --descriptors 1`,
    /// 120 tasks of 10 points, seed 7) and prior.json fitted on them by the column form.
    static func fitted() throws -> URL {
        let dir = try makeTemporaryDirectory()
        let simulated = try runCLI(["simulate", "logistic-tasks", "--tasks", "120", "--points", "10", "--seed", "7", "--descriptors", "1",
                                    "--output", "data.csv", "--quiet"], in: dir)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        let fit = try runCLI(["fit", "--model", "binomial", "--data", "data.csv", "--descriptors", "descriptors.csv", "--output", "prior.json"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("shared coefficients β = B z̃, z̃ = (1, z1)"), "\(fit.stderr)")
        try "x,y\n0.5,1\n-1,0\n".write(to: dir.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func adaptPredictAndEvaluateTakeTheTasksDescriptor() throws {
        let dir = try Self.fitted()
        let base = ["adapt", "--prior", "prior.json", "--data", "new.csv", "--draws", "50", "--seed", "1"]
        let none = try runCLI(base + ["--output", "a.csv"], in: dir)
        #expect(none.status != 0 && none.stderr.contains("depends on the task descriptors z1") && none.stderr.contains("--no-descriptor"), "\(none.stderr)")
        let given = try runCLI(base + ["--descriptor", "z1=1", "--output", "a.csv"], in: dir)
        #expect(given.status == 0, "\(given.stderr)")
        let average = try runCLI(base + ["--no-descriptor", "--output", "c.csv"], in: dir)
        #expect(average.status == 0 && average.stderr.contains("warning: --no-descriptor"), "\(average.stderr)")
        let predict = try runCLI(["predict", "--prior", "prior.json", "--support", "new.csv", "--query", "new.csv", "--descriptor", "z1=-0.5",
                                  "--output", "p.csv"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        let evaluate = ["evaluate", "--prior", "prior.json", "--data", "data.csv", "--shots", "2", "--query", "3",
                        "--episodes", "20", "--seed", "1", "--allow-training-tasks"]
        let without = try runCLI(evaluate, in: dir)
        #expect(without.status != 0 && without.stderr.contains("the evaluation data have no z1"), "\(without.stderr)")
        let with = try runCLI(evaluate + ["--descriptors", "descriptors.csv"], in: dir)
        #expect(with.status == 0, "\(with.stderr)")
    }

    /// The formula form reads the same descriptors and fits the same model as the column form.
    @Test func formulaFormFitsTheSameModel() throws {
        let dir = try Self.fitted()
        let formula = try runCLI(["fit", "--model", "binomial", "--data", "data.csv", "--formula", "y ~ x + (x | task)",
                                  "--descriptors", "descriptors.csv", "--output", "f.json"], in: dir)
        #expect(formula.status == 0, "\(formula.stderr)")
        let a = try String(contentsOf: dir.appendingPathComponent("prior.json"), encoding: .utf8)
        let b = try String(contentsOf: dir.appendingPathComponent("f.json"), encoding: .utf8)
        func key(_ text: String, _ name: String) -> Substring? {
            guard let start = text.range(of: "\"\(name)\"") else { return nil }
            return text[start.lowerBound...].prefix { $0 != "]" }
        }
        #expect(key(a, "descriptor_names") == key(b, "descriptor_names") && key(a, "descriptor_names") != nil)
    }

    @Test func refusals() throws {
        let dir = try Self.fitted()
        try ("task,z\n" + (0..<120).map { "\($0),3\n" }.joined()).write(to: dir.appendingPathComponent("flat.csv"), atomically: true, encoding: .utf8)
        let constant = try runCLI(["fit", "--model", "binomial", "--data", "data.csv", "--descriptors", "flat.csv", "--output", "f.json"], in: dir)
        #expect(constant.status != 0 && constant.stderr.contains("constant across the tasks"), "\(constant.stderr)")
        try ("task,z1\n" + (0..<119).map { "\($0),\($0)\n" }.joined()).write(to: dir.appendingPathComponent("short.csv"), atomically: true, encoding: .utf8)
        let short = try runCLI(["fit", "--model", "binomial", "--data", "data.csv", "--descriptors", "short.csv", "--output", "f.json"], in: dir)
        #expect(short.status != 0 && short.stderr.contains("task '119' has no descriptor row"), "\(short.stderr)")
        let lmm = try runCLI(["fit", "--data", "data.csv", "--formula", "y ~ x + (x | task)", "--descriptors", "descriptors.csv", "--output", "l.json"], in: dir)
        #expect(lmm.status != 0 && lmm.stderr.contains("--descriptors"), "\(lmm.stderr)")
        // --one-hot is refused for what it is (it used to be refused as --descriptors, with advice
        // about descriptor columns the user never gave).
        for model in ["binomial", "linear_gaussian", "gaussian_mixture"] {
            let oneHot = try runCLI(["fit", "--model", model, "--data", "data.csv", "--one-hot", "--output", "o.json"], in: dir)
            #expect(oneHot.status != 0 && oneHot.stderr.contains("--one-hot is not available for fit: a one-hot task index sums to the intercept")
                    && !oneHot.stderr.contains("--descriptor-columns"), "\(model): \(oneHot.stderr)")
        }
    }
}
