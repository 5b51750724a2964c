// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `fit --formula`, then `adapt` and `predict` with a text (factor) input, from the command
/// line. The numbers are checked against lme4 in `LinearMixedFamilyTests`; here: the files,
/// the messages, and the options that cannot go together.
@Suite("CLI: fit --formula, adapt and predict")
struct FormulaCLITests {
    /// Eight children measured at four ages, as R's `write.csv` writes a data frame (row names
    /// first, text quoted); the distances are made up but not a perfect fit.
    static func growthFile(in dir: URL) throws {
        var lines = ["\"\",\"distance\",\"age\",\"Subject\",\"Sex\""]
        var row = 0
        for child in 0..<8 {
            let sex = child % 2 == 0 ? "Male" : "Female"
            for age in [8, 10, 12, 14] {
                row += 1
                let distance = 17 + (sex == "Male" ? 2 : 0) + 0.6 * Double(age) + 0.3 * Double(child % 3) + 0.05 * Double(child) * Double(age - 11)
                    + Double((row * 7) % 5) * 0.25
                lines.append("\"\(row)\",\(distance),\(age),\"C\(child)\",\"\(sex)\"")
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("growth.csv"), atomically: true, encoding: .utf8)
        let task = "distance,age,Sex\n21.5,8,Female\n23,10,Female\n24.5,12,Female\n"
        try task.write(to: dir.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        try "age,Sex\n14,Female\n16,Male\n".write(to: dir.appendingPathComponent("query.csv"), atomically: true, encoding: .utf8)
    }

    @Test func fitAdaptPredictWithAFactor() throws {
        let dir = try makeTemporaryDirectory()
        try Self.growthFile(in: dir)
        let fit = try runCLI(["fit", "--data", "growth.csv", "--formula", "distance ~ age + Sex + (1 | Subject)", "--reml", "--output", "p.json"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("fitted a linear mixed model by REML: distance ~ 1 + age + Sex + (1 | Subject)"), "\(fit.stderr)")
        #expect(fit.stderr.contains("SexMale") && fit.stderr.contains("read as a row index and ignored"), "\(fit.stderr)")
        let prior = try String(contentsOf: dir.appendingPathComponent("p.json"), encoding: .utf8)
        #expect(prior.contains("\"model\" : \"linear_mixed\"") && prior.contains("\"criterion\" : \"reml\""))

        let adapt = try runCLI(["adapt", "--prior", "p.json", "--data", "new.csv", "--draws", "10", "--output", "s.csv"], in: dir)
        #expect(adapt.status == 0, "\(adapt.stderr)")
        let samples = try String(contentsOf: dir.appendingPathComponent("s.csv"), encoding: .utf8)
        #expect(samples.contains("# parameters: phi.1 = (Intercept)\n"), "\(samples)")
        #expect(samples.contains("# shared: (Intercept) = ") && samples.contains("SexMale = "), "\(samples)")

        let predict = try runCLI(["predict", "--prior", "p.json", "--support", "new.csv", "--query", "query.csv", "--output", "-"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        let rows = predict.stdout.split(separator: "\n")
        #expect(rows.count == 3 && rows[1].hasPrefix("14.0,Female,") && rows[2].hasPrefix("16.0,Male,"), "\(predict.stdout)")

        // evaluate reads the factor through the prior's levels, and knows the training tasks.
        let evaluate = try runCLI(["evaluate", "--prior", "p.json", "--data", "growth.csv", "--shots", "2", "--query", "2", "--episodes", "20"], in: dir)
        #expect(evaluate.status != 0 && evaluate.stderr.contains("8 of the 8 tasks to score"), "\(evaluate.stderr)")
        let allowed = try runCLI(["evaluate", "--prior", "p.json", "--data", "growth.csv", "--shots", "2", "--query", "2", "--episodes", "20",
                                  "--allow-training-tasks"], in: dir)
        #expect(allowed.status == 0 && allowed.stdout.contains("marginal prior"), "\(allowed.stderr)")

        try "age,Sex\n14,Other\n".write(to: dir.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let unseen = try runCLI(["predict", "--prior", "p.json", "--support", "new.csv", "--query", "bad.csv", "--output", "-"], in: dir)
        #expect(unseen.status != 0 && unseen.stderr.contains("the level 'Other' of the factor 'Sex' was not in the meta-train data"), "\(unseen.stderr)")
    }

    @Test(arguments: [
        (["--formula", "distance ~ age + (1 | Subject)", "--target", "distance"], "--target cannot be used with --formula"),
        (["--formula", "distance ~ age + (1 | Subject)", "--model", "linear_gaussian"], "does not read a formula"),
        (["--reml"], "--reml needs --formula"),
        (["--formula", "distance ~ age + (1 | Subject) + (1 | Sex)"], "one grouping factor"),
        (["--formula", "distance ~ log(age) + (1 | Subject)"], "log(age)"),
        (["--formula", "distance ~ age + (1 | Subject)", "--basis", "rbf:3"], "--basis"),
    ])
    func optionsThatDoNotGoTogether(arguments: [String], message: String) throws {
        let dir = try makeTemporaryDirectory()
        try Self.growthFile(in: dir)
        let fit = try runCLI(["fit", "--data", "growth.csv", "--output", "p.json"] + arguments, in: dir)
        #expect(fit.status != 0 && fit.stderr.contains(message), "\(fit.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("p.json").path))
    }
}
