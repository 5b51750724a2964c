// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension LinearMixedPrior {
    /// The headline, then lme4's `summary()` layout: the task-specific variances, standard
    /// deviations and correlations (`VarCorr`), the residual, and the shared estimates with
    /// their standard errors and t values.
    public func reportLines() -> [String] {
        let names = taskSpecific.columnNames
        var lines = ["fitted a linear mixed model by \(reml ? "REML" : "maximum likelihood"): \(formula)"]
        lines.append("  task-specific (random effects, by \(formula.group ?? "task")): \(counted(names.count, "term")), φ ~ N(ν, Σ)")
        let width = Swift.max(12, (names + shared.columnNames).map(\.count).max() ?? 0)
        func pad(_ text: String, _ n: Int) -> String { text.padding(toLength: Swift.max(n, text.count), withPad: " ", startingAt: 0) }
        let sd = gaussian.standardDeviations
        lines.append("    " + pad("term", width) + "  " + pad("variance", 14) + "  " + pad("sd", 12) + (names.count > 1 ? "  correlation" : ""))
        for (j, name) in names.enumerated() {
            let correlations = (0..<j).map { k in
                sd[j] > 0 && sd[k] > 0 ? significant(gaussian.covariance[j, k] / (sd[j] * sd[k]), 4) : "NaN"
            }
            lines.append("    " + pad(name, width) + "  " + pad(significant(gaussian.covariance[j, j], 7), 14) + "  "
                         + pad(significant(sd[j], 7), 12) + (correlations.isEmpty ? "" : "  " + correlations.joined(separator: " ")))
        }
        lines.append("    " + pad("residual", width) + "  " + pad(significant(gaussian.noiseVariance, 7), 14) + "  "
                     + significant(gaussian.noiseVariance.squareRoot(), 7))
        if !shared.columnNames.isEmpty {
            lines.append("  shared (fixed effects), at their estimates in every task:")
            lines.append("    " + pad("term", width) + "  " + pad("estimate", 14) + "  " + pad("std. error", 12) + "  t value")
            for (j, name) in shared.columnNames.enumerated() {
                let se = betaStandardErrors[j]
                lines.append("    " + pad(name, width) + "  " + pad(significant(beta[j], 8), 14) + "  " + pad(significant(se, 6), 12)
                             + "  " + (se > 0 ? significant(beta[j] / se, 4) : "NaN"))
            }
        }
        if isSingular {
            lines.append("  note: boundary (singular) fit, as lme4's isSingular() says: Σ is singular — some task-specific terms have no between-task variance, or are perfectly correlated")
        }
        return lines
    }

    /// Whether Σ is singular, as lme4's `isSingular` (default tolerance 1e-4 on the relative
    /// factor Λ, Σ = σ²ΛΛᵀ) judges it: the smallest eigenvalue of Σ/σ² is below (1e-4)².
    public var isSingular: Bool {
        guard let eigen = try? SymmetricEigen(gaussian.covariance) else { return true }
        return (eigen.values.first ?? 0) / gaussian.noiseVariance < 1e-8
    }
}
