// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Per-task shrinkage of a fitted conjugate hierarchy: each meta-train task's raw estimate
/// (y_i, y_i/n_i or y_i/t_i), its posterior mean and central interval (under θ̂, or mixed
/// over the hyper-posterior with full Bayes), and the shrinkage factor
///
///     (raw − posterior mean) / (raw − prior mean),
///
/// the fraction of the way from the raw estimate to the prior mean E[φ] (μ̂, α̂/(α̂+β̂), α̂/β̂;
/// under full Bayes the posterior mean of a new task's φ) that the posterior mean has moved.
/// Under θ̂ for the normal–normal it is s_i²/(s_i² + τ̂²) exactly; NaN when raw = prior mean.
public struct ConjugateShrinkage: Sendable {
    /// One task's row.
    public struct Row: Sendable, Equatable {
        /// Task id.
        public var task: String
        /// The raw estimate.
        public var raw: Double
        /// Posterior mean, sd and interval.
        public var posterior: IntervalSummary
        /// The shrinkage factor.
        public var factor: Double
    }

    /// The rows, in task order.
    public let rows: [Row]
    /// The interval's level.
    public let level: Double

    /// The shrinkage of `tasks` under `prior` (full Bayes when the prior holds a hyper-posterior).
    public init(prior: ConjugatePrior, tasks: ConjugateTasks, level: Double) throws {
        let priorMean = try prior.posterior(inputs: Matrix(rows: 0, columns: 1), targets: [], fullBayes: prior.fullBayes != nil).mixture.mean
        var rows: [Row] = []
        // The meta-train tasks' own posteriors: once per distinct (y, scale) pair.
        let own = try prior.fullBayes.flatMap { $0.tasks == tasks ? try $0.taskSummaries(level: level) : nil }
        for i in 0..<tasks.count {
            let summary: IntervalSummary
            if let own {
                summary = own[i]
            } else if let full = prior.fullBayes {
                summary = try full.newTaskPosterior(response: tasks.responses[i], scale: tasks.scales[i]).summary(level: level)
            } else {
                summary = ConjugateMixture(weights: [1], components: [try tasks.conditional(i, prior.estimate)]).summary(level: level)
            }
            let raw = tasks.rawEstimate(i)
            rows.append(Row(task: tasks.ids[i], raw: raw, posterior: summary, factor: raw == priorMean ? .nan : (raw - summary.mean) / (raw - priorMean)))
        }
        self.rows = rows
        self.level = level
    }

    /// The table for a person: one line per task.
    public var table: String {
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let gap = String(repeating: " ", count: Swift.max(width - text.count, 0))
            return left ? text + gap : gap + text
        }
        let percent = String(format: "%g", level * 100)
        var lines = [pad("task", 12, left: true) + pad("raw", 12) + pad("post. mean", 12) + pad("\(percent)% interval", 26) + pad("shrinkage", 11)]
        for row in rows {
            let interval = String(format: "[%.4g, %.4g]", row.posterior.lower, row.posterior.upper)
            lines.append(pad(String(row.task.prefix(12)), 12, left: true) + pad(String(format: "%.5g", row.raw), 12)
                         + pad(String(format: "%.5g", row.posterior.mean), 12) + pad(interval, 26) + pad(String(format: "%.4f", row.factor), 11))
        }
        return lines.joined(separator: "\n")
    }

    /// The CSV: task,raw,mean,sd,lower,upper,shrinkage (full precision; the task quoted when needed).
    public var csv: String {
        var out = "task,raw,mean,sd,lower,upper,shrinkage\n"
        for row in rows {
            let task = row.task.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + row.task.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : row.task
            out += "\(task),\(row.raw),\(row.posterior.mean),\(row.posterior.standardDeviation),\(row.posterior.lower),\(row.posterior.upper),\(row.factor)\n"
        }
        return out
    }
}

extension ConjugateHyperprior {
    /// Parses `uniform-tau`, `half-cauchy:SCALE`, `concentration-power:P` or
    /// `gamma:A1:B1:A2:B2` (α ~ Gamma(A1, rate B1), β ~ Gamma(A2, rate B2); `exp:L` for α is
    /// written `gamma:1:L:…`).
    /// - Throws: ``InputError`` (column `--hyperprior`) for anything else.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let forms: [String: Form] = ["uniform-tau": .uniformTau, "half-cauchy": .halfCauchyTau, "concentration-power": .concentrationPower, "gamma": .gammaPriors]
        guard let form = forms[parts[0]] else {
            throw InputError(column: "--hyperprior", kind: .invalidValue, "\(InputError.quoted(text)) is not a hyperprior: use uniform-tau, half-cauchy:SCALE, concentration-power:P or gamma:A1:B1:A2:B2")
        }
        var numbers: [Double] = []
        for part in parts.dropFirst() {
            guard let x = Double(part) else { throw InputError(column: "--hyperprior", kind: .badNumber, "\(InputError.quoted(part)) is not a number") }
            numbers.append(x)
        }
        try self.init(form: form, parameters: numbers)
    }
}
