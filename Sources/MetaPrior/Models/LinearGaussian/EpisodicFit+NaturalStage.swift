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
    /// cannot carry (the 1055.55-instead-of-2.9565 failure), so it is written flat — where
    /// that costs the objective no more than the fit's tolerance (``flatteningCost``).
    static let flatTolerance = 1e-8
    /// What writing the directions at or below ``flatTolerance`` as flat costs the objective
    /// per query point, against its value `reached` at θ (+∞ where the flat prior is not
    /// defined on some episode's support).
    ///
    /// Why: the tolerance is relative to Q's largest eigenvalue, so a direction whose
    /// variance is finite but 1e8 times that of the prior's tightest direction falls under it.
    /// On 1,000 harmonic tasks in rbf:10 (K = 5, Q = 10, 1,000 episodes, seed 1) the fit ended
    /// at −1.416085 per query point with one such direction (the best proper prior along it
    /// has a variance of about 10³); written flat, the same prior scored −1.549 on the same
    /// episodes, and on held-out tasks its MSE at K = 5 was 1.98 against the marginal prior's
    /// 0.98 (README benchmark, 2026-12-02).
    static func flatteningCost(_ objective: EpisodicNaturalObjective, theta: [Double], reached: Double) throws -> Double {
        let flat = try objective.flattened(theta, flatTolerance: flatTolerance)
        guard let value = try? objective.evaluate(flat, gradient: false).value else { return .infinity }
        return reached - value / objective.statistics.queryPoints
    }

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
        // Directions are written flat only where that costs the objective no more than the
        // tolerance (`flatCost`); otherwise the prior is written as it is, proper.
        let flatCost = try flatteningCost(out.objective, theta: out.newton.theta, reached: reached)
        let (prior, flat) = try out.objective.flatPrior(out.newton.theta, flatTolerance: flatCost <= options.tolerance ? flatTolerance : 0)
        let boundaryHolds = objective.columns == objective.statistics.dimension || (boundaryGain ?? .infinity) <= options.tolerance
        let ending: FitStage.Ending = out.newton.converged ? (boundaryHolds ? .converged : .stalled)
            : out.newton.timedOut ? .timeLimit : out.newton.steps >= naturalSteps ? .iterationLimit : .stalled
        let stage = EpisodicNaturalStage(steps: out.newton.steps, logPredictive: reached, decrement: out.newton.decrement,
                                         ending: ending, flatDirections: flat?.count ?? 0,
                                         rank: numericalRank(prior.covariance) + (flat?.count ?? 0))
        return (stage, prior, flat)
    }
}
