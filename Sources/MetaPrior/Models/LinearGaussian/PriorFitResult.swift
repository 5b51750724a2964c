// SPDX-License-Identifier: GPL-3.0-or-later

/// What a prior fit found and how it got there.
public struct PriorFitResult: Sendable {
    /// The fitted θ = (μ, Σ, σ²).
    public let prior: GaussianPrior
    /// Σ_i w_i log p(D_i | θ) at the fit.
    public let logMarginalLikelihood: Double
    /// EM iterations run.
    public let emIterations: Int
    /// Quasi-Newton iterations run.
    public let quasiNewtonIterations: Int
    /// Largest |∂ℓ/∂θ| at the fit (θ: the free entries of Λ = chol(Σ)/σ; μ and σ² are
    /// profiled out, so their gradient is zero by construction).
    public let gradientNorm: Double
    /// Whether the gradient tolerance was met.
    public let converged: Bool
    /// Indices of parameters whose between-task variance was floored at exactly zero.
    public let flooredComponents: [Int]
    /// Whether Σ was set to a singular matrix on its boundary (a zero variance, or parameters
    /// perfectly correlated across tasks) — lme4's "boundary (singular) fit".
    public let singular: Bool
    /// Rank of Σ at the fit (d unless ``singular``).
    public let rank: Int
    /// Whether σ² was floored (every task fitted exactly).
    public let noiseFloored: Bool
    /// Number of tasks used.
    public let tasks: Int
    /// Number of observations used, Σ_i w_i n_i (weighted when tasks have weights).
    public let observations: Int

    /// Total iterations.
    public var iterations: Int { emIterations + quasiNewtonIterations }
}
