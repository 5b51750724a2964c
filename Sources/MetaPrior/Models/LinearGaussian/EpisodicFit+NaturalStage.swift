// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// What the natural-coordinate stage of an episodic fit did (`EpisodicFit.naturalStage`).
public struct EpisodicNaturalStage: Sendable {
    /// Newton steps taken.
    public let steps: Int
    /// Mean log predictive density per query point at its end.
    public let logPredictive: Double
    /// The Newton decrement in natural coordinates at its end.
    public let decrement: Double
    /// How it ended.
    public let ending: FitStage.Ending
    /// f, the directions along which the prior it wrote is flat.
    public let flatDirections: Int
    /// The dimension of the prior's support: rank of Σ on the complement (eigenvalues above
    /// 1e-8 of the largest) plus f.
    public let rank: Int
}

extension EpisodicFit {
    /// Relative eigenvalue of Q (to its largest) at or below which a direction is written as
    /// flat. Converged noise-free fits measured 2.4e-10 and 0 (issue 11); a proper direction
    /// at 1e-8 would have a variance 1e8 times the others', which the factor-form posterior
    /// cannot carry (the 1055.55-instead-of-2.9565 failure), so it is written flat.
    static let flatTolerance = 1e-8
    /// Newton steps allowed the natural stage (each costs one Hessian pass over the episodes).
    static let naturalSteps = 100

    /// Newton in natural coordinates (`naturalNewton`) from where the (μ, L) stage stopped
    /// without converging, and the prior it reaches as the prior file holds it.
    ///
    /// Converged when the natural-coordinate Newton decrement is ≤ `options.tolerance` with no
    /// ascent direction of the Hessian (which, at Q singular, is the KKT sign: more precision
    /// along the flat direction lowers the objective), and — when the subspace has r < d
    /// dimensions — the (μ, L) stage's boundary test found no gain above the tolerance outside
    /// it (`boundaryGain`). Returns nil when it ends below the (μ, L) value (it starts there).
    static func naturalStage(_ objective: EpisodicObjective, theta: [Double], value: Double, boundaryGain: Double?,
                             iterations: Int, startValue: Double, options: EpisodicFitOptions) throws
        -> (stage: EpisodicNaturalStage, prior: GaussianPrior, flat: FlatDirections?)? {
        guard objective.structure == .full else { return nil }
        let out = try naturalNewton(objective, theta: theta, tolerance: options.tolerance, maximumSteps: naturalSteps,
                                    deadline: options.deadline) { step, stepValue in
            options.progress?(FitProgress(phase: "episodic natural newton", iteration: iterations + step, logLikelihood: stepValue,
                                          change: stepValue - startValue))
        }
        let reached = try out.objective.evaluate(out.newton.theta, gradient: false).value / objective.statistics.queryPoints
        guard reached >= value else { return nil }
        let (prior, flat) = try out.objective.flatPrior(out.newton.theta, flatTolerance: flatTolerance)
        let boundaryHolds = objective.columns == objective.statistics.dimension || (boundaryGain ?? .infinity) <= options.tolerance
        let ending: FitStage.Ending = out.newton.converged ? (boundaryHolds ? .converged : .stalled)
            : out.newton.timedOut ? .timeLimit : out.newton.steps >= naturalSteps ? .iterationLimit : .stalled
        let stage = EpisodicNaturalStage(steps: out.newton.steps, logPredictive: reached, decrement: out.newton.decrement,
                                         ending: ending, flatDirections: flat?.count ?? 0,
                                         rank: numericalRank(prior.covariance) + (flat?.count ?? 0))
        return (stage, prior, flat)
    }
}
