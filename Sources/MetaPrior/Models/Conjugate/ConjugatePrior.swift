// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The fitted prior of a conjugate hierarchy: θ̂ by empirical Bayes (ML-II, or REML for the
/// normal–normal), and — with full Bayes — the hyper-posterior p(θ | y), rebuilt from the
/// meta-train tasks' summaries and the hyperprior that the prior file stores (the quadrature
/// is deterministic, so the same file gives the same hyper-posterior).
///
/// A new task's data are rows of (y, scale) in the prior's target and input columns,
/// aggregated as ``ConjugateTasks/aggregate(kind:responses:scales:responseColumn:scaleColumn:task:)``
/// does; with full Bayes its posterior mixes over the hyper-posterior, else it is the exact
/// conjugate posterior at θ̂.
public struct ConjugatePrior: TaskPrior {
    /// The hierarchy.
    public let kind: ConjugateKind
    /// The target column (estimate, successes or count).
    public let responseColumn: String
    /// The input column (standard error, trials or exposure).
    public let scaleColumn: String
    /// θ̂ = (μ̂, τ̂) or (α̂, β̂).
    public let estimate: (Double, Double)
    /// "ml", "reml" (normal–normal), "ml_ii" (the count hierarchies), or ``noEstimate`` (one
    /// task: full Bayes only, ``estimate`` is then the hyper-posterior's most probable grid node).
    public let criterion: String
    /// The criterion of a prior fitted to one task, which has no θ̂.
    public static let noEstimate = "none_one_task"
    /// Whether the ML-II fit ran to the no-overdispersion boundary (θ̂ is then where it stopped).
    public let noOverdispersion: Bool
    /// The hyperprior and hyper-posterior, with full Bayes; `nil` for empirical Bayes.
    public let fullBayes: ConjugateFullBayes?

    /// A prior from its parts.
    public init(kind: ConjugateKind, responseColumn: String, scaleColumn: String, estimate: (Double, Double), criterion: String,
                noOverdispersion: Bool, fullBayes: ConjugateFullBayes?) {
        self.kind = kind
        self.responseColumn = responseColumn
        self.scaleColumn = scaleColumn
        self.estimate = estimate
        self.criterion = criterion
        self.noOverdispersion = noOverdispersion
        self.fullBayes = fullBayes
    }

    /// The family's prior-file name.
    public var model: String { kind.rawValue }
    /// The scale column.
    public var inputs: [String] { [scaleColumn] }
    /// `phi`.
    public var parameterNames: [String] { ["phi"] }
    /// `none`: a conjugate task has no features.
    public var featureDescription: String { "none" }
    /// What φ is, and which prior the draws are under.
    public var sampleComments: [(String, String)] { sampleComments(hyper: fullBayes == nil ? .empiricalBayes : .fullBayes) }

    /// The posterior of a new task with rows (`targets`, scales in `inputs`); no rows gives
    /// the prior (under θ̂, or the predictive prior under full Bayes).
    public func posterior(inputs: Matrix, targets: [Double]) throws -> any TaskPosterior {
        try posterior(inputs: inputs, targets: targets, fullBayes: fullBayes != nil)
    }

    /// As ``posterior(inputs:targets:)``, choosing empirical Bayes (θ̂) or full Bayes (when the
    /// prior holds a hyper-posterior).
    public func posterior(inputs: Matrix, targets: [Double], fullBayes full: Bool) throws -> ConjugateTaskPosterior {
        var summary: (response: Double, scale: Double)?
        if !targets.isEmpty {
            summary = try ConjugateTasks.aggregate(kind: kind, responses: targets, scales: (0..<inputs.rows).map { inputs[$0, 0] },
                                                   responseColumn: responseColumn, scaleColumn: scaleColumn, task: "the new task")
        }
        if full, let fullBayes {
            return ConjugateTaskPosterior(kind: kind, mixture: try fullBayes.newTaskPosterior(response: summary?.response, scale: summary?.scale),
                                          observations: targets.count)
        }
        let none = kind == .normalNormal ? Double.infinity : 0
        let conditional = try ConjugateTasks.conditional(kind: kind, response: summary?.response ?? 0, scale: summary?.scale ?? none, estimate)
        return ConjugateTaskPosterior(kind: kind, mixture: ConjugateMixture(weights: [1], components: [conditional]), observations: targets.count)
    }

    /// θ̂, and the hyper-posterior's summary under full Bayes.
    public func reportLines() -> [String] {
        var lines = [criterion == Self.noEstimate
            ? "\(kind.rawValue): empirical Bayes cannot estimate \(kind.hyperNames.joined(separator: " and ")) from one task; full Bayes only"
            : "\(kind.rawValue): \(kind.hyperNames[0]) = \(formatted(estimate.0)), \(kind.hyperNames[1]) = \(formatted(estimate.1)) (empirical Bayes, \(criterion))"]
        if noOverdispersion {
            lines.append("no overdispersion: the marginal likelihood increases without bound as alpha + beta → ∞ (every task's rate equal); use the pooled rate, or full Bayes with a hyperprior")
        } else if kind == .normalNormal, estimate.1 == 0 {
            lines.append("tau = 0: no between-task variance (every task's effect estimated as mu)")
        }
        if let fullBayes {
            lines.append("full Bayes, hyperprior \(fullBayes.hyperprior.description); quadrature grids \(fullBayes.gridSizes.map(String.init).joined(separator: ", ")), \(fullBayes.converged ? "converged" : "NOT converged") (last change \(formatted(fullBayes.accuracy)) posterior sds)")
            for (name, s) in zip(kind.summaryNames, fullBayes.hyperSummary(level: 0.95)) {
                lines.append("  \(name): posterior mean \(formatted(s.mean)), sd \(formatted(s.standardDeviation)), 95% [\(formatted(s.lower)), \(formatted(s.upper))]")
            }
        }
        return lines
    }

    /// Same family, columns, θ̂ and hyper-posterior inputs.
    public func isEqual(to other: any TaskPrior) -> Bool {
        guard let other = other as? ConjugatePrior else { return false }
        return kind == other.kind && responseColumn == other.responseColumn && scaleColumn == other.scaleColumn
            && estimate == other.estimate && criterion == other.criterion && noOverdispersion == other.noOverdispersion
            && fullBayes?.tasks == other.fullBayes?.tasks && fullBayes?.hyperprior == other.fullBayes?.hyperprior
    }

    private func formatted(_ x: Double) -> String { String(format: "%.6g", x) }
}
