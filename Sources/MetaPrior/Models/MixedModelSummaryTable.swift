// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The two tables of lme4's `summary()` for a mixed model, shared by the linear and the
/// generalised families so that both print the same layout: `VarCorr` (variance, sd and
/// correlations of the task-specific terms) and the shared estimates with their standard
/// errors and t or z values.
struct MixedModelSummaryTable {
    /// The task-specific terms' names.
    var taskSpecific: [String]
    /// The shared terms' names.
    var shared: [String]

    /// Width of the term column: the longest name, at least 12.
    var width: Int { Swift.max(12, (taskSpecific + shared).map(\.count).max() ?? 0) }

    func pad(_ text: String, _ n: Int) -> String { text.padding(toLength: Swift.max(n, text.count), withPad: " ", startingAt: 0) }

    /// `VarCorr`: a header, then a line per task-specific term of Σ (and the residual variance
    /// σ² last, for a linear model).
    func varianceLines(_ sigma: Matrix, residual: Double? = nil) -> [String] {
        let sd = (0..<taskSpecific.count).map { Swift.max(sigma[$0, $0], 0).squareRoot() }
        var lines = ["    " + pad("term", width) + "  " + pad("variance", 14) + "  " + pad("sd", 12) + (taskSpecific.count > 1 ? "  correlation" : "")]
        for (j, name) in taskSpecific.enumerated() {
            let correlations = (0..<j).map { k in sd[j] > 0 && sd[k] > 0 ? significant(sigma[j, k] / (sd[j] * sd[k]), 4) : "NaN" }
            lines.append("    " + pad(name, width) + "  " + pad(significant(sigma[j, j], 7), 14) + "  "
                         + pad(significant(sd[j], 7), 12) + (correlations.isEmpty ? "" : "  " + correlations.joined(separator: " ")))
        }
        if let residual {
            lines.append("    " + pad("residual", width) + "  " + pad(significant(residual, 7), 14) + "  " + significant(residual.squareRoot(), 7))
        }
        return lines
    }

    /// The shared estimates β with their standard errors and `statistic` (`t value` or
    /// `z value`) = β / SE; empty when there are no shared terms.
    func sharedLines(beta: [Double], standardErrors: [Double], statistic: String) -> [String] {
        guard !shared.isEmpty else { return [] }
        var lines = ["  shared (fixed effects), at their estimates in every task:",
                     "    " + pad("term", width) + "  " + pad("estimate", 14) + "  " + pad("std. error", 12) + "  " + statistic]
        for (j, name) in shared.enumerated() {
            let se = standardErrors[j]
            lines.append("    " + pad(name, width) + "  " + pad(significant(beta[j], 8), 14) + "  " + pad(significant(se, 6), 12)
                         + "  " + (se > 0 ? significant(beta[j] / se, 4) : "NaN"))
        }
        return lines
    }
}
