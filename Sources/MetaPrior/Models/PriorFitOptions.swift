// SPDX-License-Identifier: GPL-3.0-or-later

/// How to fit the prior by empirical Bayes.
public struct PriorFitOptions: Sendable {
    /// Shape of Σ.
    public var structure: CovarianceStructure = .full
    /// Convergence: the largest |∂ℓ/∂θ| / N of the profiled log-likelihood per observation,
    /// with θ the entries of Λ = chol(Σ)/σ. 1e-8 puts ℓ within ~1e-10 relative of the optimum
    /// on well-conditioned problems.
    public var gradientTolerance: Double = 1e-8
    /// EM iterations before the quasi-Newton finish (EM is robust far from the optimum and
    /// crawls near it; BFGS is the other way round).
    public var emIterations: Int = 30
    /// Iterations of the quasi-Newton finish.
    public var maximumIterations: Int = 500
    /// Lower bound of the noise variance σ², or `nil` for none. Where the profiled σ̂² = r/N
    /// would fall below it, σ² is held at the bound and the likelihood maximised with it
    /// (ℓ = −N/2·log 2πσ² − ½Σ log|M̃| − r/(2σ²)). `fit` sets it to 10⁻⁶ × the variance of
    /// the target (`NoiseFloor`) so that a basis that interpolates every task still gives a
    /// prior that can be adapted.
    public var noiseFloor: Double?
    /// Called after every EM and BFGS iteration (for progress on a terminal).
    public var progress: (@Sendable (FitProgress) -> Void)?

    /// Options for a Σ of shape `structure`, with the default tolerance and iteration limits.
    public init(structure: CovarianceStructure = .full) {
        self.structure = structure
    }
}

/// One line of progress of a fit.
public struct FitProgress: Sendable {
    /// `em` or `bfgs` for the marginal fit, `episodic` (or `episodic batch r`) for the
    /// episodic one.
    public let phase: String
    /// Iterations so far, counted over all phases.
    public let iteration: Int
    /// The objective at this iteration: the log marginal likelihood Σ_i w_i log p(D_i | θ) for
    /// EM and BFGS, the mean log predictive density per query point for the episodic fit.
    public let logLikelihood: Double
    /// Change of the log-likelihood since the previous iteration.
    public let change: Double
}
