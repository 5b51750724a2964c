// SPDX-License-Identifier: GPL-3.0-or-later

/// How to fit the prior by empirical Bayes.
///
/// Convergence is declared by the first-order (KKT) conditions of max ℓ over
/// Σ̃ = Σ/σ² ⪰ 0 (see ``FitCriterion``), both free of the units of x and y:
/// ``FitCriterion/stationarity`` ≤ ``gradientTolerance`` (or, where the gradient can shrink
/// no further, ``FitCriterion/newtonDecrement`` ≤ ``decrementTolerance``) and
/// ``FitCriterion/boundaryExcess`` ≤ ``boundaryTolerance``.
public struct PriorFitOptions: Sendable {
    /// Shape of Σ.
    public var structure: CovarianceStructure = .full
    /// Stationarity tolerance: the largest |∂ℓ/∂Λ̂| per observation, with Λ̂ the relative
    /// covariance factor in units of each feature's root mean square (see
    /// ``FitCriterion/stationarity``). At 1e-8 the remaining gain in ℓ is of the order of
    /// N·1e-16 — below round-off for any N a fit can hold.
    public var gradientTolerance: Double = 1e-8
    /// Boundary tolerance: how far the largest generalised eigenvalue of (E/σ̂², Σ wX) may
    /// exceed 1 (see ``FitCriterion/boundaryExcess``). While it is exceeded and Σ's rank is
    /// below d, the fit adds a column to the factor along that eigenvector and optimises
    /// again. 1e-3: adding variance along that direction then gains ℓ at a rate below 5e-4
    /// per unit of whitened variance; ℓ is within about T·(1e-3)²/4 of the maximum over the
    /// larger rank (T tasks), below 1e-3 log-likelihood units for T ≤ 4000.
    public var boundaryTolerance: Double = 1e-3
    /// Rank tolerance: where the boundary test fails, the largest gain in ℓ per task (Σ w)
    /// that the best rank-one growth of Σ̃ along the failing direction may still bring
    /// (``FitCriterion/growthGain``). While it is exceeded the fit adds that column and
    /// optimises again, so the rank is chosen by likelihood gain. 1e-3 nats per task: 1 nat
    /// for 1000 tasks, less than a likelihood-ratio test would ask of the d − r parameters
    /// the column adds (χ² at 5% for even one parameter is 1.9 nats).
    public var growthTolerance: Double = PriorFitOptions.defaultGrowthTolerance
    /// The default ``growthTolerance``.
    public static let defaultGrowthTolerance = 1e-3
    /// Stationarity where the gradient can shrink no further: the largest Newton decrement
    /// ½ gᵀ(−H)⁻¹g per observation (the gain in ℓ/N one more Newton step promises) that counts
    /// as converged (``FitCriterion/newtonDecrement``).
    public var decrementTolerance: Double = 1e-12
    /// EM iterations before the quasi-Newton finish (EM is robust far from the optimum and
    /// crawls near it; BFGS is the other way round).
    public var emIterations: Int = 30
    /// Iterations of the quasi-Newton finish, over all ranks tried.
    public var maximumIterations: Int = 500
    /// A time to stop by (the CLI's `--time-limit`): checked after every EM, BFGS and Newton
    /// iteration; when it has passed the fit stops at the best point reached so far and
    /// returns it with ``PriorFitResult/converged`` false and ``PriorFitResult/timedOut`` true.
    /// It never throws for lack of time.
    public var deadline: ContinuousClock.Instant?
    /// Lower bound of the noise variance σ², or `nil` for none. Where the profiled σ̂² = r/N
    /// would fall below it, σ² is held at the bound and the likelihood maximised with it
    /// (ℓ = −N/2·log 2πσ² − ½Σ log|M̃| − r/(2σ²)). `fit` sets it to 10⁻⁶ × the variance of
    /// the target (`NoiseFloor`) so that a basis that interpolates every task still gives a
    /// prior that can be adapted.
    public var noiseFloor: Double?
    /// A fit inside a scale search (`BasisSelection`), which only has to rank the scales:
    /// BFGS with up to 100 iterations per rank (the search caps the whole fit at
    /// `BasisSelection.searchIterations`), then dense Newton steps where there are at most
    /// `PriorFit.newtonParameterLimit` parameters, and no truncated Newton steps. Those converge
    /// where BFGS crawls but cost many gradients each, and a search runs about 20 fits.
    var rankingOnly = false
    /// Most columns of the starting factor (`nil`: as many as EM's directions above the
    /// signal-to-noise threshold). Tests start low to exercise the growth of the rank.
    var startingRank: Int?
    /// Whether EM stops early where Newton steps follow it (`PriorFit.newtonFromEarlyEM`).
    /// Tests turn it off to compare with the fit that runs EM to its own tolerance first.
    var stopsEMEarly = true
    /// Whether Newton steps from a method-of-moments estimate go before EM where
    /// `stopsEMEarly` holds (`PriorFit.newtonFromMoments`). Tests turn it off to compare with
    /// the fit that starts from EM.
    var startsFromMoments = true
    /// A relative factor Λ (d×d, row-major, ΛΛᵀ = Σ/σ²) to start from instead of the moment
    /// estimate and EM, or `nil`. A scale search's refinement (`BasisSelection`) starts each fit
    /// from the fit at the neighbouring scale, whose optimum moves little over 2 %.
    var warmStart: [Double]?
    /// Called after every EM and BFGS iteration (for progress on a terminal).
    public var progress: (@Sendable (FitProgress) -> Void)?

    /// Options for a Σ of shape `structure`, with the default tolerance and iteration limits.
    public init(structure: CovarianceStructure = .full) {
        self.structure = structure
    }

    /// Whether ``deadline`` has passed.
    var expired: Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }
}

/// One line of progress of a fit.
public struct FitProgress: Sendable {
    /// `em`, `bfgs` or `newton` for the marginal fit, `episodic` (or `episodic batch r`) for
    /// the episodic one.
    public let phase: String
    /// Iterations so far, counted over all phases.
    public let iteration: Int
    /// The objective at this iteration: the log marginal likelihood Σ_i w_i log p(D_i | θ) for
    /// EM and BFGS, the mean log predictive density per query point for the episodic fit.
    public let logLikelihood: Double
    /// Change of the log-likelihood since the previous iteration.
    public let change: Double
}
