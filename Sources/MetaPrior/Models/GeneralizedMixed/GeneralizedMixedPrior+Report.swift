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
        let width = Swift.max(12, (names + shared.columnNames).map(\.count).max() ?? 0)
        func pad(_ text: String, _ n: Int) -> String { text.padding(toLength: Swift.max(n, text.count), withPad: " ", startingAt: 0) }
        let sigma = covariance
        let sd = (0..<names.count).map { Swift.max(sigma[$0, $0], 0).squareRoot() }
        lines.append("    " + pad("term", width) + "  " + pad("variance", 14) + "  " + pad("sd", 12) + (names.count > 1 ? "  correlation" : ""))
        for (j, name) in names.enumerated() {
            let correlations = (0..<j).map { k in sd[j] > 0 && sd[k] > 0 ? significant(sigma[j, k] / (sd[j] * sd[k]), 4) : "NaN" }
            lines.append("    " + pad(name, width) + "  " + pad(significant(sigma[j, j], 7), 14) + "  "
                         + pad(significant(sd[j], 7), 12) + (correlations.isEmpty ? "" : "  " + correlations.joined(separator: " ")))
        }
        if !shared.columnNames.isEmpty {
            lines.append("  shared (fixed effects), at their estimates in every task:")
            lines.append("    " + pad("term", width) + "  " + pad("estimate", 14) + "  " + pad("std. error", 12) + "  z value")
            for (j, name) in shared.columnNames.enumerated() {
                let se = betaStandardErrors[j]
                lines.append("    " + pad(name, width) + "  " + pad(significant(beta[j], 8), 14) + "  " + pad(significant(se, 6), 12)
                             + "  " + (se > 0 ? significant(beta[j] / se, 4) : "NaN"))
            }
        }
        if isSingular {
            lines.append("  note: boundary (singular) fit, as lme4's isSingular() says: a diagonal entry of Λ (theta) is below 1e-4 — some task-specific terms have no between-task variance, or are perfectly correlated")
        }
        return lines
    }
}
