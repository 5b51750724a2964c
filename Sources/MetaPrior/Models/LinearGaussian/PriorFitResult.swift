// SPDX-License-Identifier: GPL-3.0-or-later

/// What a prior fit found and how it got there.
public struct PriorFitResult: Sendable {
    /// The fitted θ = (μ, Σ, σ²).
    public let prior: GaussianPrior
    /// Σ_i w_i log p(D_i | θ) at the fit.
    public let logMarginalLikelihood: Double
    /// EM iterations run.
    public let emIterations: Int
    /// Quasi-Newton (BFGS) iterations and Newton steps run, over all ranks tried.
    public let quasiNewtonIterations: Int
    /// Largest |∂ℓ/∂θ| at the fit (θ: the free entries of Λ, Σ = σ²ΛΛᵀ, in the units of the
    /// features; μ and σ² are profiled out, so their gradient is zero by construction). Not
    /// scale-free: convergence is judged by ``criterion``.
    public let gradientNorm: Double
    /// Whether the first-order conditions hold within the tolerances of ``PriorFitOptions``
    /// (``criterion``).
    public let converged: Bool
    /// The first-order (KKT) conditions at the fit, free of the units of x and y.
    public let criterion: FitCriterion
    /// The stages the fit went through, in order.
    public let phases: [PriorFitPhase]
    /// Whether the fit stopped because ``PriorFitOptions/deadline`` passed (it is then not
    /// converged, and holds the best point reached).
    public let timedOut: Bool
    /// Indices of parameters whose between-task variance was floored at exactly zero.
    public let flooredComponents: [Int]
    /// Whether Σ was set to a singular matrix on its boundary (a zero variance, or parameters
    /// perfectly correlated across tasks) — lme4's "boundary (singular) fit".
    public let singular: Bool
    /// Rank of Σ at the fit (d unless ``singular``).
    public let rank: Int
    /// Whether σ² was floored (every task fitted exactly).
    public let noiseFloored: Bool
    /// Evaluations of ℓ with its gradient after EM, over all ranks tried (BFGS, the
    /// Hessian–vector products of truncated Newton steps and the columns of dense Hessians
    /// included): the measure of work that iterations are not, since one Newton step can
    /// cost many gradients.
    public let gradientEvaluations: Int
    /// Number of tasks used.
    public let tasks: Int
    /// Number of observations used, Σ_i w_i n_i (weighted when tasks have weights).
    public let observations: Int

    /// B̂ and its standard errors when the prior mean was conditioned on task descriptors
    /// (``TaskStatistics/conditioned(on:)``); `nil` for one prior mean. ``prior``'s mean is
    /// then B̂ z̃̄, the prior mean at the average meta-train descriptor.
    public internal(set) var descriptorFit: DescriptorFit? = nil

    /// Total iterations.
    public var iterations: Int { emIterations + quasiNewtonIterations }
}

/// One phase of a marginal prior fit: EM, or the optimisation of the factor at one rank.
public struct PriorFitPhase: Sendable, Equatable {
    /// `moments` (the one-pass method-of-moments start, kept only when the Newton steps from it
    /// met the criterion: 0 iterations, ℓ at the estimate), `em`, `bfgs` (quasi-Newton at a
    /// fixed rank), `newton` (Newton steps at that rank), `newton-cg` (truncated Newton
    /// steps, by conjugate gradients, past 100 parameters) or `newton-precision` (Newton and
    /// flat-direction steps that count only gains beyond ℓ's measured round-off, before the
    /// check of ``FitCriterion/precision``).
    public let name: String
    /// Columns of the factor Λ (the largest rank of Σ) during the stage; d for EM.
    public let rank: Int
    /// Iterations (or steps) of the stage.
    public let iterations: Int
    /// ℓ at the end of the stage.
    public let logLikelihood: Double
}
