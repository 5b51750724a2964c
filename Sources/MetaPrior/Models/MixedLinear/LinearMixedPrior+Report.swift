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
        let table = MixedModelSummaryTable(taskSpecific: names, shared: shared.columnNames)
        lines += table.varianceLines(gaussian.covariance, residual: gaussian.noiseVariance)
        lines += table.sharedLines(beta: beta, standardErrors: betaStandardErrors, statistic: "t value")
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
