// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `fit --objective episodic` and `evaluate` through the command line.
@Suite("CLI: episodic fit and evaluate")
struct EvaluateCommandTests {
    /// A directory with linear-gaussian tasks (60 × 12 points), a marginal prior and an
    /// episodic prior (K = 3) fitted on the train part of a 0.7/0/0.3 split.
    static func fitted() throws -> URL {
        let dir = try makeTemporaryDirectory()
        let simulate = try runCLI(["simulate", "linear-gaussian", "--tasks", "60", "--points", "12", "--seed", "3",
                                   "--output", "tasks.csv", "--quiet"], in: dir)
        #expect(simulate.status == 0, "\(simulate.stderr)")
        for (name, extra) in [("marginal.json", [String]()),
                              ("episodic.json", ["--objective", "episodic", "--shots", "3", "--query", "5", "--episodes", "200"])] {
            let fit = try runCLI(["fit", "--data", "tasks.csv", "--split", "0.7,0,0.3", "--seed", "5", "--max-iterations", "100",
                                  "--output", name, "--quiet"] + extra, in: dir)
            #expect(fit.status == 0, "\(fit.stderr)")
        }
        return dir
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    @Test func episodicPriorRecordsItsTrainingConditions() throws {
        let dir = try Self.fitted()
        let training = try #require(try Self.json(dir.appendingPathComponent("episodic.json"))["training"] as? [String: Any])
        #expect(training["objective"] as? String == "episodic")
        #expect(training["shots"] as? String == "3")
        #expect(training["query"] as? String == "5")
        #expect(training["seed"] as? Int == 5)
        #expect(training["episodes"] as? Int == 200)
        #expect(training["split"] as? String == "fractions 0.7,0,0.3")
        #expect(training["partition"] as? String == "train")
        #expect((training["training_task_digests"] as? [String])?.count == 42)
        let start = try #require(training["start_log_predictive"] as? Double)
        let end = try #require(training["log_predictive"] as? Double)
        #expect(end >= start)
    }

    /// Evaluate on the prior's own file reuses its split (the 18 test tasks), prints the
    /// table, writes JSON and CSV, and the same seed gives the same bytes.
    @Test func evaluateWritesTableJSONAndCSV() throws {
        let dir = try Self.fitted()
        let arguments = ["evaluate", "--prior", "marginal.json", "--prior", "episodic.json", "--data", "tasks.csv",
                         "--shots", "3", "--query", "5", "--episodes", "100", "--seed", "2"]
        let run = try runCLI(arguments + ["--output", "report.json"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        for name in ["marginal prior", "episodic prior (K=3)", "independent", "pooled", "cover 95%"] {
            #expect(run.stdout.contains(name), "\(run.stdout)")
        }
        #expect(run.stdout.contains("from 18 tasks"), "\(run.stdout)")
        let report = try Self.json(dir.appendingPathComponent("report.json"))
        #expect(report["format"] as? String == "metaprior-evaluation")
        #expect(report["shots"] as? Int == 3)
        let methods = try #require(report["methods"] as? [[String: Any]])
        #expect(methods.map { $0["name"] as? String } == ["marginal prior", "episodic prior (K=3)", "independent", "pooled"])
        for key in ["mse", "mse_se", "nll", "nll_se", "joint_nll", "coverage_50", "coverage_90", "coverage_95_se"] {
            #expect(methods[0][key] as? Double != nil, "missing \(key)")
        }
        let paired = try #require(methods[1]["versus_first"] as? [String: Any])
        #expect(paired["against"] as? String == "marginal prior")
        #expect(paired["nll_difference_se"] as? Double != nil)
        #expect(methods[0]["versus_first"] == nil)
        #expect(run.stdout.contains("ΔNLL vs first"))
        let again = try runCLI(arguments + ["--output", "again.json"], in: dir)
        #expect(again.status == 0)
        let first = try String(contentsOf: dir.appendingPathComponent("report.json"), encoding: .utf8)
        let second = try String(contentsOf: dir.appendingPathComponent("again.json"), encoding: .utf8)
        #expect(first.replacingOccurrences(of: "report.json", with: "again.json") == second)
        let csv = try runCLI(arguments + ["--output", "report.csv", "--episodes-output", "episodes.csv", "--quiet"], in: dir)
        let perEpisode = try String(contentsOf: dir.appendingPathComponent("episodes.csv"), encoding: .utf8).split(separator: "\n")
        #expect(perEpisode.first == "episode,task,method,mse,nll,joint_nll,coverage_50,coverage_90,coverage_95")
        #expect(perEpisode.count == 1 + 100 * 4)
        #expect(csv.status == 0 && csv.stderr.isEmpty, "\(csv.stderr)")
        let lines = try String(contentsOf: dir.appendingPathComponent("report.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first?.hasPrefix("method,mse,mse_se,nll,nll_se,joint_nll,joint_nll_se,coverage_50,coverage_50_se") == true)
        #expect(lines.count == 5)
    }

    /// A support size outside the episodic prior's K warns (and `adapt` warns too); the
    /// training tasks are scored only when allowed, with a warning.
    @Test func warnsOnMismatchAndAllowsTrainingTasksWhenTold() throws {
        let dir = try Self.fitted()
        let run = try runCLI(["evaluate", "--prior", "episodic.json", "--data", "tasks.csv", "--shots", "6", "--episodes", "20"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("warning: episodic.json: the support size K = 6 is outside what this prior was meta-trained for (episodic, K = 3)"), "\(run.stderr)")
        let train = try runCLI(["evaluate", "--prior", "marginal.json", "--data", "tasks.csv", "--shots", "3", "--query", "5", "--episodes", "20",
                                "--partition", "train", "--allow-training-tasks"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("42 of the 42 tasks to score"), "\(train.stderr)")
        let rows = try String(contentsOf: dir.appendingPathComponent("tasks.csv"), encoding: .utf8).split(separator: "\n")
        let one = ([rows[0]] + rows.filter { $0.hasPrefix("0,") }.prefix(5)).joined(separator: "\n") + "\n"
        try one.write(to: dir.appendingPathComponent("one.csv"), atomically: true, encoding: .utf8)
        let adapt = try runCLI(["adapt", "--prior", "episodic.json", "--data", "one.csv", "--task-id", "0", "--draws", "5",
                                "--output", "draws.csv"], in: dir)
        #expect(adapt.status == 0, "\(adapt.stderr)")
        #expect(adapt.stderr.contains("warning: episodic.json: the support size K = 5 is outside"), "\(adapt.stderr)")
    }

    struct Bad: CustomStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var expected: String
        var description: String { name }
    }

    static let bad: [Bad] = [
        Bad(name: "unknown prior", arguments: ["--prior", "nope.json", "--shots", "3"], expected: "nope.json: no such file"),
        Bad(name: "no prior", arguments: ["--shots", "3"], expected: "give at least one --prior file"),
        Bad(name: "shots too large", arguments: ["--prior", "marginal.json", "--shots", "11", "--query", "5"],
            expected: "no task is large enough for K + Q = 16 rows"),
        Bad(name: "strict mismatch", arguments: ["--prior", "episodic.json", "--shots", "5", "--strict"],
            expected: "episodic.json: column 'training.shots': the support size K = 5 is outside what this prior was meta-trained for (episodic, K = 3); train and test conditions do not match (--strict)"),
        Bad(name: "training tasks", arguments: ["--prior", "marginal.json", "--shots", "3", "--query", "5", "--partition", "train"],
            expected: "were used to fit marginal.json; score held-out tasks (--split, --test-tasks) or pass --allow-training-tasks"),
        Bad(name: "training tasks, whole file", arguments: ["--prior", "marginal.json", "--shots", "3", "--query", "5", "--split", "1,0,0", "--partition", "train"],
            expected: "42 of the 60 tasks to score"),
        Bad(name: "negative shots", arguments: ["--prior", "marginal.json", "--shots=-1"], expected: "--shots must be 0 or more"),
        Bad(name: "bad partition", arguments: ["--prior", "marginal.json", "--shots", "3", "--partition", "dev"],
            expected: "--partition must be train, validation or test, not 'dev'"),
        Bad(name: "marginal prior needs --shots", arguments: ["--prior", "marginal.json"], expected: "give --shots K"),
        Bad(name: "corrupt prior", arguments: ["--prior", "tasks.csv", "--shots", "3"], expected: "tasks.csv: not a metaprior prior file"),
    ]

    @Test(arguments: bad)
    func badInputFailsWithOneClearLineAndWritesNothing(bad: Bad) throws {
        let dir = try Self.fitted()
        let result = try runCLI(["evaluate", "--data", "tasks.csv", "--episodes", "10"] + bad.arguments + ["--output", "out.json"], in: dir)
        #expect(result.status != 0)
        #expect(result.stderr.contains(bad.expected), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.json").path))
    }

    static let badFit: [Bad] = [
        Bad(name: "episodic without shots", arguments: ["--objective", "episodic"], expected: "--objective episodic needs --shots K"),
        Bad(name: "shots without episodic", arguments: ["--shots", "3"], expected: "--shots and --batch-episodes need --objective episodic"),
        Bad(name: "bad shot range", arguments: ["--objective", "episodic", "--shots", "5-2"], expected: "needs 0 ≤ K_min ≤ K_max"),
        Bad(name: "unknown objective", arguments: ["--objective", "maml"], expected: "--objective must be marginal or episodic, not 'maml'"),
        Bad(name: "shots too large", arguments: ["--objective", "episodic", "--shots", "10", "--query", "5"],
            expected: "no task is large enough for K + Q = 15 rows"),
    ]

    @Test(arguments: badFit)
    func badFitInput(bad: Bad) throws {
        let dir = try makeTemporaryDirectory()
        let simulate = try runCLI(["simulate", "linear-gaussian", "--tasks", "10", "--points", "12", "--seed", "3",
                                   "--output", "tasks.csv", "--quiet"], in: dir)
        #expect(simulate.status == 0)
        let result = try runCLI(["fit", "--data", "tasks.csv", "--output", "out.json"] + bad.arguments, in: dir)
        #expect(result.status != 0)
        #expect(result.stderr.contains(bad.expected), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.json").path))
    }

    /// A shot range is recorded as such, and evaluate at any K inside it does not warn.
    @Test func shotRange() throws {
        let dir = try makeTemporaryDirectory()
        _ = try runCLI(["simulate", "linear-gaussian", "--tasks", "40", "--points", "12", "--seed", "3", "--output", "tasks.csv", "--quiet"], in: dir)
        let fit = try runCLI(["fit", "--data", "tasks.csv", "--split", "0.5,0,0.5", "--objective", "episodic", "--shots", "1-4",
                              "--query", "4", "--episodes", "100", "--batch-episodes", "50", "--max-iterations", "40",
                              "--output", "range.json", "--quiet"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        let training = try #require(try Self.json(dir.appendingPathComponent("range.json"))["training"] as? [String: Any])
        #expect(training["shots"] as? String == "1-4")
        #expect(training["batch_episodes"] as? Int == 50)
        for k in ["1", "4"] {
            let run = try runCLI(["evaluate", "--prior", "range.json", "--data", "tasks.csv", "--shots", k, "--episodes", "20"], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(!run.stderr.contains("warning"), "\(run.stderr)")
        }
    }
}
