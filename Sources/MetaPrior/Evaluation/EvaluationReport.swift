// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The result of `metaprior evaluate`: the episodes' conditions, the priors compared, and
/// every method's scores; as an aligned table, JSON (snake_case) or CSV.
public struct EvaluationReport: Sendable {
    /// One prior file compared.
    public struct PriorEntry: Sendable {
        /// The prior file as the user named it.
        public var path: String
        /// SHA-256 (`sha256:<hex>`) of the prior file's bytes, so a report names the exact prior.
        public var digest: String?
        /// The objective it was meta-trained with (`marginal` or `episodic`).
        public var objective: String
        /// The support size K (`5`) or range (`1-10`) an episodic prior was trained for.
        public var shots: String?
        /// The query size Q an episodic prior was trained with.
        public var query: String?
        /// Its features, as ``TaskPrior/featureDescription`` gives them (`linear`, `rbf:10`).
        public var basis: String
        /// Whether its fit converged.
        public var converged: Bool

        /// The entry of a prior file as read (its digest is that of the bytes read).
        public init(_ prior: LoadedPrior) {
            self.path = prior.path
            self.digest = prior.digest
            self.objective = prior.file.training.objective.rawValue
            self.shots = prior.file.training.shots
            self.query = prior.file.training.query
            self.basis = prior.file.prior.featureDescription
            self.converged = prior.file.converged
        }
    }

    /// The command line that made the report, for provenance.
    public var command: String
    /// The evaluation data file as the user named it.
    public var dataFile: String
    /// SHA-256 (`sha256:<hex>`) of the evaluation data's bytes, when known.
    public var dataDigest: String?
    /// Support points K per episode.
    public var shots: Int
    /// Query points Q per episode.
    public var query: Int
    /// Number of episodes every method was scored on (the same episodes for all).
    public var episodes: Int
    /// Seed of the episodes: episode e draws from the random stream (seed, e).
    public var seed: UInt64
    /// Tasks large enough for K + Q points, from which the episodes were cut.
    public var tasks: Int
    /// Tasks left out for having fewer than K + Q points.
    public var skippedTasks: Int
    /// Which part of which split was scored (`test part of split 0.8,0.1,0.1, seed 7`), or
    /// `nil` when every task of the data was.
    public var split: String?
    /// The prior files compared, in the order given.
    public var priors: [PriorEntry]
    /// Mismatches between the test and the training conditions that did not stop the run.
    public var warnings: [String]
    /// Every method's scores: the priors, then the baselines.
    public var scores: [FewShotScore]

    /// A report from its parts, as ``EvaluationRun`` assembles it.
    public init(command: String, dataFile: String, dataDigest: String?, shots: Int, query: Int, episodes: Int, seed: UInt64,
                tasks: Int, skippedTasks: Int, split: String?, priors: [PriorEntry], warnings: [String], scores: [FewShotScore]) {
        self.command = command
        self.dataFile = dataFile
        self.dataDigest = dataDigest
        self.shots = shots
        self.query = query
        self.episodes = episodes
        self.seed = seed
        self.tasks = tasks
        self.skippedTasks = skippedTasks
        self.split = split
        self.priors = priors
        self.warnings = warnings
        self.scores = scores
    }

    static func percent(_ level: Double) -> Int { Int((level * 100).rounded()) }

    /// The aligned table for a terminal.
    public func table() -> String {
        func g(_ v: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)g", v) }
        func pm(_ v: Double, _ se: Double) -> String { v.isFinite ? "\(g(v)) ± \(g(se, 2))" : "–" }
        let paired = scores.count > 1
        let binary = scores.contains { $0.accuracy != nil }
        let header = ["method", binary ? "Brier" : "MSE", binary ? "log loss" : "NLL", "joint NLL"] + FewShotEvaluation.levels.map { "cover \(Self.percent($0))%" }
            + (binary ? ["accuracy", "ECE"] : []) + (paired ? ["ΔMSE vs first", "ΔNLL vs first"] : [])
        var rows = [header]
        for s in scores {
            var row = [s.name, pm(s.mse, s.mseSE), pm(s.nll, s.nllSE), pm(s.jointNLL, s.jointNLLSE)]
                + zip(s.coverage, s.coverageSE).map { $0.0.isFinite ? String(format: "%.3f ± %.3f", $0.0, $0.1) : "–" }
            if binary {
                row += [s.accuracy.map { String(format: "%.3f ± %.3f", $0, s.accuracySE ?? .nan) } ?? "–", s.calibrationError.map { g($0) } ?? "–"]
            }
            if paired {
                if let v = s.versusFirst {
                    row += [pm(v.mse, v.mseSE), pm(v.nll, v.nllSE)]
                } else {
                    row += ["(reference)", "(reference)"]
                }
            }
            rows.append(row)
        }
        let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = ["few-shot evaluation: K = \(shots) support, Q = \(query) query points, \(counted(episodes, "episode")) (seed \(seed)) from \(counted(tasks, "task")) of \(dataFile)"
                     + (split.map { " (\($0))" } ?? "")]
        for (r, row) in rows.enumerated() {
            lines.append(row.enumerated().map { c, cell in
                c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  "))
            if r == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        lines.append("per query point, mean ± standard error over episodes (clustered by task); NLL from per-point predictive marginals, joint NLL = −log p(y_query | support) / Q"
                     + (scores.contains { !$0.jointNLL.isFinite } ? "; a binomial or poisson prior is adapted by its Laplace approximation, its NLL is −log p(y | support) of each count (the log loss for 0/1 targets, whose MSE is the Brier score) and it has no joint NLL" : "")
                     + (binary ? "; ECE: expected calibration error over 10 bins of P(y = 1)" : "")
                     + (paired ? "; Δ: paired difference from the first method on the same episodes (negative favours the row)" : ""))
        return lines.joined(separator: "\n") + "\n"
    }

    /// CSV, one row per method; for 0/1 targets also `accuracy`, `accuracy_se` and `ece`.
    public func csv() -> [UInt8] {
        let binary = scores.contains { $0.accuracy != nil }
        var writer = CSVWriter()
        writer.row(["method", "mse", "mse_se", "nll", "nll_se", "joint_nll", "joint_nll_se"]
                   + FewShotEvaluation.levels.flatMap { ["coverage_\(Self.percent($0))", "coverage_\(Self.percent($0))_se"] }
                   + ["mse_diff_vs_first", "mse_diff_vs_first_se", "nll_diff_vs_first", "nll_diff_vs_first_se",
                      "joint_nll_diff_vs_first", "joint_nll_diff_vs_first_se"]
                   + ["episodes", "query_points", "shots", "query", "seed", "description"]
                   + (binary ? ["accuracy", "accuracy_se", "ece"] : []))
        for s in scores {
            writer.field(s.name)
            for v in [s.mse, s.mseSE, s.nll, s.nllSE, s.jointNLL, s.jointNLLSE] { writer.field(v) }
            for (c, se) in zip(s.coverage, s.coverageSE) { writer.field(c); writer.field(se) }
            if let v = s.versusFirst {
                for x in [v.mse, v.mseSE, v.nll, v.nllSE, v.jointNLL, v.jointNLLSE] { writer.field(x) }
            } else {
                for _ in 0..<6 { writer.emptyField() }
            }
            writer.field(s.episodes); writer.field(s.queryPoints); writer.field(shots); writer.field(query)
            writer.field("\(seed)")
            writer.field(s.description)
            if binary { for v in [s.accuracy, s.accuracySE, s.calibrationError] { writer.field(v ?? .nan) } }
            writer.endRow()
        }
        return writer.bytes
    }

    /// Pretty JSON with sorted snake_case keys (the same run gives the same bytes).
    public func json() throws -> Data {
        var methods: [[String: Any]] = []
        for s in scores {
            var entry: [String: Any] = ["name": s.name, "description": s.description, "mse": s.mse, "mse_se": s.mseSE,
                                        "nll": s.nll, "nll_se": s.nllSE, "joint_nll": s.jointNLL, "joint_nll_se": s.jointNLLSE,
                                        "episodes": s.episodes, "query_points": s.queryPoints]
            for (l, level) in FewShotEvaluation.levels.enumerated() {
                entry["coverage_\(Self.percent(level))"] = s.coverage[l]
                entry["coverage_\(Self.percent(level))_se"] = s.coverageSE[l]
            }
            if let accuracy = s.accuracy {
                entry["accuracy"] = accuracy
                entry["accuracy_se"] = s.accuracySE ?? .nan
                entry["ece"] = s.calibrationError ?? .nan
            }
            if let v = s.versusFirst {
                entry["versus_first"] = ["against": v.against, "mse_difference": v.mse, "mse_difference_se": v.mseSE,
                                         "nll_difference": v.nll, "nll_difference_se": v.nllSE,
                                         "joint_nll_difference": v.jointNLL, "joint_nll_difference_se": v.jointNLLSE] as [String: Any]
            }
            methods.append(entry)
        }
        let priorEntries: [[String: Any]] = priors.map { p in
            ["file": p.path, "digest": p.digest ?? NSNull(), "objective": p.objective, "shots": p.shots ?? NSNull(),
             "query": p.query ?? NSNull(), "basis": p.basis, "converged": p.converged]
        }
        let root: [String: Any] = [
            "format": "metaprior-evaluation", "format_version": 1, "metaprior_version": MetaPriorVersion.string,
            "command": command, "data_file": dataFile, "data_digest": dataDigest ?? NSNull(),
            "shots": shots, "query": query, "episodes": episodes, "seed": seed, "tasks": tasks, "skipped_tasks": skippedTasks,
            "split": split ?? NSNull(), "priors": priorEntries, "warnings": warnings, "methods": methods,
            "levels": FewShotEvaluation.levels,
        ]
        var data = try JSONSerialization.data(withJSONObject: sanitized(root), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Per-episode values as CSV (one row per episode and method), for paired tests of your
    /// own: `episode, task, method, mse, nll, joint_nll, coverage_50, coverage_90, coverage_95`.
    public static func episodesCSV(_ result: FewShotResult, episodes: [Episode], dataset: MetaDataset) -> [UInt8] {
        var writer = CSVWriter()
        writer.row(["episode", dataset.taskColumn, "method", "mse", "nll", "joint_nll"]
                   + FewShotEvaluation.levels.map { "coverage_\(percent($0))" })
        for (e, episode) in episodes.enumerated() {
            for (m, score) in result.scores.enumerated() {
                writer.field(episode.index)
                writer.field(dataset.tasks[episode.task].id)
                writer.field(score.name)
                for k in result.perEpisode[m].indices { writer.field(result.perEpisode[m][k][e]) }
                writer.endRow()
            }
        }
        return writer.bytes
    }

    /// JSON has no NaN or infinity: those become null.
    private func sanitized(_ value: Any) -> Any {
        switch value {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let a as [Any]: return a.map(sanitized)
        case let o as [String: Any]: return o.mapValues(sanitized)
        default: return value
        }
    }
}
