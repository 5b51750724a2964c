// SPDX-License-Identifier: GPL-3.0-or-later
import MetaPrior

/// The human-readable account of a fit, printed on standard error.
enum FitReport {
    static func text(file: PriorFile, result: PriorFitResult, output: String?) -> String {
        var lines: [String] = []
        lines.append("fitted a \(file.covarianceStructure.rawValue) Gaussian prior over \(file.features.count) task parameters (basis \(file.basis.spec))")
        lines.append("  from \(file.tasks) tasks, \(file.observations) observations; log marginal likelihood \(formatted(file.logMarginalLikelihood, 10))")
        lines.append("  \(file.converged ? "converged" : "NOT converged") after \(result.emIterations) EM + \(result.quasiNewtonIterations) quasi-Newton iterations (gradient \(formatted(file.gradientNorm, 2)))")
        let width = Swift.max(12, file.features.map(\.count).max() ?? 0)
        lines.append("  " + "feature".padding(toLength: width, withPad: " ", startingAt: 0) + "  prior mean     prior sd")
        for (j, name) in file.features.enumerated() {
            let sd = Swift.max(file.covariance[j][j], 0).squareRoot()
            lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
                         + "  " + formatted(file.mean[j], 7).padding(toLength: 13, withPad: " ", startingAt: 0)
                         + "  " + formatted(sd, 7))
        }
        lines.append("  noise sd \(formatted(file.noiseVariance.squareRoot(), 7)) (noise variance \(formatted(file.noiseVariance, 7)))")
        if !file.flooredFeatures.isEmpty {
            lines.append("  note: the between-task variance of \(file.flooredFeatures.joined(separator: ", ")) is on its boundary (0): those parameters are shared by all tasks")
        }
        if file.singular == true && file.flooredFeatures.count < file.features.count {
            lines.append("  note: boundary (singular) fit: Σ is singular — some task parameters are perfectly correlated across tasks, or have no between-task variance")
        }
        if result.noiseFloored {
            lines.append("  note: every task is fitted exactly; the noise variance was floored")
        }
        if !file.converged {
            lines.append("  warning: the fit did not reach the tolerance; try --max-iterations or a simpler basis")
        }
        if let output, output != "-" { lines.append("  prior written to \(output)") }
        return lines.joined(separator: "\n")
    }
}
