// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import MetaPrior
import Testing

/// `fit --objective episodic --ways N --shots K` for the class families (issue 15, "conditions
/// match"): N and K recorded in the prior file and validated when read, and the warnings of
/// `evaluate --ways`, `predict` and `adapt` when the test N or K differs.
@Suite("CLI: class families fitted at the test N and K")
struct ClassEpisodicFitTests {
    /// 60 meta-train tasks and 40 test tasks of `simulate gaussian-classes` (5 classes × 8
    /// points, d = 2), and a class_gaussian prior fitted on 5-way 1-shot episodes.
    static func directory() throws -> URL {
        let dir = try makeTemporaryDirectory()
        for (name, tasks, seed) in [("train.csv", "60", "3"), ("test.csv", "40", "7")] {
            let run = try runCLI(["simulate", "gaussian-classes", "--tasks", tasks, "--points", "8", "--seed", seed, "--class-dof", "6",
                                  "--output", name], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let fit = try runCLI(["fit", "--data", "train.csv", "--task", "task", "--target", "label", "--model", "class_gaussian",
                              "--psi", "isotropic", "--objective", "episodic", "--ways", "5", "--shots", "1", "--query", "3",
                              "--episodes", "100", "--seed", "4", "--output", "episodic.json"], in: dir, timeout: 300)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("stage 2, episodic objective (mean log probability of the query labels per query point; 5-way 1-shot"), "\(fit.stderr)")
        return dir
    }

    static func training(_ url: URL) throws -> [String: Any] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try #require(json["training"] as? [String: Any])
    }

    @Test func recordsTheEpisodesAndAMarginalFitRecordsNone() throws {
        let dir = try Self.directory()
        let training = try Self.training(dir.appendingPathComponent("episodic.json"))
        #expect(training["objective"] as? String == "episodic")
        #expect(training["ways"] as? Int == 5 && training["shots"] as? String == "1" && training["query"] as? String == "3")
        #expect(training["episodes"] as? Int == 100 && training["seed"] as? Int == 4)
        #expect((training["stages"] as? [[String: Any]])?.count == 2)
        let marginal = try runCLI(["fit", "--data", "train.csv", "--task", "task", "--target", "label", "--model", "class_gaussian",
                                   "--psi", "isotropic", "--output", "marginal.json"], in: dir, timeout: 300)
        #expect(marginal.status == 0, "\(marginal.stderr)")
        let plain = try Self.training(dir.appendingPathComponent("marginal.json"))
        #expect(plain["ways"] == nil && plain["shots"] == nil && plain["objective"] as? String == "marginal")
        // The ML-II fit is the start: the episodic fit's training objective is not below it.
        let start = try #require(training["start_log_predictive"] as? Double), end = try #require(training["log_predictive"] as? Double)
        #expect(end >= start)
    }

    /// Hand-edited training keys: each an InputError naming the key, never a trap or a
    /// silently dropped condition.
    @Test func hostileTrainingKeysAreRefused() throws {
        let dir = try Self.directory()
        let data = try Data(contentsOf: dir.appendingPathComponent("episodic.json"))
        let edits: [(String, Any?, String)] = [
            ("ways", 1, "training.ways"), ("ways", 0, "training.ways"), ("ways", -5, "training.ways"), ("ways", 200_000, "training.ways"),
            ("shots", "banana", "training.shots"), ("shots", "1-3", "training.shots"), ("shots", nil, "training.shots"),
            ("query", "0", "training.query"), ("query", "many", "training.query"), ("episodes", 0, "training.episodes"),
            ("objective", "marginal", "training.ways"),
        ]
        for (key, value, column) in edits {
            var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            var training = try #require(json["training"] as? [String: Any])
            training[key] = value
            json["training"] = training
            let edited = try JSONSerialization.data(withJSONObject: json)
            let error = try #require(throws: InputError.self, "\(key) = \(String(describing: value))") {
                _ = try PriorFile.decode(edited, file: "edited.json")
            }
            #expect(error.column == column, "\(key) = \(String(describing: value)): \(error)")
        }
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var training = try #require(json["training"] as? [String: Any])
        training["ways"] = "five"
        json["training"] = training
        #expect(throws: InputError.self) { _ = try PriorFile.decode(try JSONSerialization.data(withJSONObject: json), file: "edited.json") }
    }

    /// A test N or K other than the recorded one is a warning (an error with `evaluate
    /// --strict`), in the regression side's words; the recorded conditions draw none.
    @Test func mismatchedConditionsWarn() throws {
        let dir = try Self.directory()
        let base = ["evaluate", "--prior", "episodic.json", "--data", "test.csv", "--query", "2", "--episodes", "50", "--no-baselines"]
        let same = try runCLI(base + ["--ways", "5", "--shots", "1"], in: dir, timeout: 300)
        #expect(same.status == 0 && !same.stderr.contains("warning"), "\(same.stderr)")
        let ways = try runCLI(base + ["--ways", "3", "--shots", "1"], in: dir, timeout: 300)
        #expect(ways.status == 0 && ways.stderr.contains("warning: episodic.json: the episode has N = 3 classes, but this prior was meta-trained on 5-way 1-shot episodes; train and test conditions do not match"), "\(ways.stderr)")
        let shots = try runCLI(base + ["--ways", "5", "--shots", "4"], in: dir, timeout: 300)
        #expect(shots.status == 0 && shots.stderr.contains("the support size K = 4 per class is outside what this prior was meta-trained for (episodic, K = 1)"), "\(shots.stderr)")
        let strict = try runCLI(base + ["--ways", "5", "--shots", "4", "--strict"], in: dir, timeout: 300)
        #expect(strict.status != 0 && !strict.signalled && strict.stderr.contains("(--strict)"), "\(strict.stderr)")

        // predict and adapt: a 2-class support set of 3 points per class.
        let rows = try String(contentsOf: dir.appendingPathComponent("test.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let first = rows.dropFirst().prefix(16)
        let support = [rows[0]] + first.filter { $0.hasSuffix(",0") }.prefix(3) + first.filter { $0.hasSuffix(",1") }.prefix(3)
        try (support.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("support.csv"), atomically: true, encoding: .utf8)
        try "x1,x2\n0,0\n".write(to: dir.appendingPathComponent("query.csv"), atomically: true, encoding: .utf8)
        let predict = try runCLI(["predict", "--prior", "episodic.json", "--support", "support.csv", "--query", "query.csv", "--target", "label",
                                  "--output", "p.csv"], in: dir)
        #expect(predict.status == 0 && predict.stderr.contains("warning: episodic.json: the episode has N = 2 classes"), "\(predict.stderr)")
    }

    /// softmax fits V by EM on the N-way K-shot episodes and records them; a regression family
    /// refuses --ways.
    @Test func softmaxRecordsItsEpisodesAndRegressionRefusesWays() throws {
        let dir = try makeTemporaryDirectory()
        let simulate = try runCLI(["simulate", "gaussian-classes", "--tasks", "30", "--points", "6", "--seed", "2", "--output", "c.csv"], in: dir)
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let fit = try runCLI(["fit", "--data", "c.csv", "--task", "task", "--target", "label", "--model", "softmax", "--objective", "episodic",
                              "--ways", "3", "--shots", "2", "--query", "2", "--episodes", "40", "--output", "s.json"], in: dir, timeout: 300)
        #expect(fit.status == 0 && fit.stderr.contains("in 40 episodes (3-way 2-shot, Q = 2 per class, seed 1)"), "\(fit.stderr)")
        let training = try Self.training(dir.appendingPathComponent("s.json"))
        #expect(training["ways"] as? Int == 3 && training["shots"] as? String == "2")
        _ = try runCLI(["simulate", "sinusoid", "--tasks", "10", "--points", "10", "--seed", "1", "--output", "sin.csv"], in: dir)
        let refused = try runCLI(["fit", "--data", "sin.csv", "--objective", "episodic", "--ways", "3", "--shots", "2"], in: dir)
        #expect(refused.status != 0 && refused.stderr.contains("--ways is not available for the linear_gaussian model"), "\(refused.stderr)")
        let marginal = try runCLI(["fit", "--data", "c.csv", "--target", "label", "--model", "softmax", "--ways", "3"], in: dir)
        #expect(marginal.status != 0 && marginal.stderr.contains("--ways needs --objective episodic"), "\(marginal.stderr)")
    }
}
