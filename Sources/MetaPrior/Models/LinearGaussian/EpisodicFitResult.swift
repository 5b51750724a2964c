// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// What an episodic fit found.
public struct EpisodicFitResult: Sendable {
    /// θ at the episodic fit.
    public let prior: GaussianPrior
    /// The marginal fit it started from.
    public let start: GaussianPrior
    /// Mean log p(y_q | D_s, θ) per query point over the training episodes, at the start and
    /// at the fit (on the last batch when fitting by mini-batches).
    public let startLogPredictive: Double
    /// Mean log p(y_q | D_s, θ) per query point at the fit (see ``startLogPredictive``).
    public let logPredictive: Double
    /// Iterations in all: BFGS (over every mini-batch) and Newton steps.
    public let iterations: Int
    /// Whether the convergence criterion met its tolerance (by mini-batches: the gradient
    /// tolerance on the last batch).
    public let converged: Bool
    /// Largest |∂/∂u| of the mean log predictive density per query point at the fit, in the
    /// preconditioned coordinates u (``EpisodicFitOptions/gradientTolerance``).
    public let gradientNorm: Double
    /// The convergence criterion at the fit: on one fixed episode set the largest of the Newton
    /// decrement ½ gᵀ|H|⁻¹g at rank r, ``boundaryGain`` and ``asymptoteGain`` — the gains in
    /// mean log predictive density per query point a Newton step, more variance outside Σ's
    /// range, and a variance sent to infinity still promise (``EpisodicFitOptions/tolerance``);
    /// by mini-batches, ``gradientNorm``.
    /// `nil` when the fit stopped before it could be evaluated (time limit).
    public let criterion: Double?
    /// The boundary part of the criterion (one fixed episode set, full structure, r < d): the
    /// gain in mean log predictive density per query point that variance along the best
    /// direction outside Σ's range promises (`EpisodicFit.boundaryTest(_:theta:)`); `nil`
    /// when not evaluated (r = d, mini-batches, or Newton did not converge).
    public let boundaryGain: Double?
    /// The asymptote part of the criterion (one fixed episode set, full structure): the largest
    /// gain in mean log predictive density per query point that letting the variance along one
    /// eigen-direction v of Σ go to infinity (μ, σ² and the rest of Σ held) still offers,
    /// lim_{t→∞} f(Σ − λvvᵀ + t·vvᵀ) − f(Σ), from its closed form (0 when no direction gains;
    /// `nil` when not evaluated: other structures, mini-batches). A local criterion such as the
    /// Newton decrement cannot see this gain; a Newton optimum below the limit ends `stalled`.
    public let asymptoteGain: Double?
    /// How the fit ended.
    public let ending: FitStage.Ending
    /// Numerical rank of Σ at the fit: eigenvalues above 1e-8 of the largest.
    public let rank: Int
    /// Columns r of the factor L (d×r) the fit optimised: the largest rank Σ could have.
    public let columns: Int
    /// Episodes in the (last) training set.
    public let episodes: Int
    /// Query points over those episodes.
    public let queryPoints: Int
    /// The natural-coordinate stage, when the (μ, L) stage above did not converge on a fixed
    /// episode set (`EpisodicFit.naturalStage`); everything above describes the (μ, L) stage.
    public var natural: EpisodicNaturalStage?
    /// The proper part of the natural stage's prior (N(μ, Σ) on the complement of ``flat``).
    public var naturalPrior: GaussianPrior?
    /// The directions along which the natural stage's prior is flat, if any.
    public var flat: FlatDirections?

    /// The prior the fit ends with: the natural stage's when there is one.
    public var finalPrior: GaussianPrior { naturalPrior ?? prior }
    /// Whether the fit the user asked for converged (the natural stage's ending when there is one).
    public var finalConverged: Bool { natural.map { $0.ending == .converged } ?? converged }
    /// Mean log predictive density per query point at the final prior.
    public var finalLogPredictive: Double { natural?.logPredictive ?? logPredictive }
}
