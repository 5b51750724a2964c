// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension GeneralizedMixedPrior {
    /// The headline, then lme4's `summary()` layout for a GLMM: the task-specific variances,
    /// standard deviations and correlations (`VarCorr`), and the shared estimates with their
    /// standard errors and z values.
    public func reportLines() -> [String] {
        let names = taskSpecific.columnNames
        let how = quadraturePoints == 1 ? "the Laplace approximation (glmer's nAGQ = 1)"
            : "adaptive Gauss–Hermite quadrature with \(quadraturePoints) points per task (glmer's nAGQ = \(quadraturePoints))"
        var lines = ["fitted a generalised linear mixed model, \(family.rawValue) with the \(family == .binomial ? "logit" : "log") link, by \(how): \(formula)"]
        if let exposureColumn { lines.append("  offset: log(\(exposureColumn))") }
        lines.append("  task-specific (random effects, by \(formula.group ?? "task")): \(counted(names.count, "term")), φ ~ N(ν, Σ)")
        let table = MixedModelSummaryTable(taskSpecific: names, shared: shared.columnNames)
        lines += table.varianceLines(covariance)
        lines += table.sharedLines(beta: beta, standardErrors: betaStandardErrors, statistic: "z value")
        lines += descriptorReportLines()
        if isSingular {
            lines.append("  note: boundary (singular) fit, as lme4's isSingular() says: a diagonal entry of Λ (theta) is below 1e-4 — some task-specific terms have no between-task variance, or are perfectly correlated")
        }
        return lines
    }
}
