// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Newton steps from a loosely converged EM (issue 17: 1,000,000 tasks, d = 3).
///
/// Why: EM converges linearly, and from its start (Σ = σ²I with the pooled σ²) it needs about
/// 16 passes over the tasks to change ℓ by less than 1e-6 relative, after which two Newton
/// steps finish the fit. Newton steps converge quadratically once inside their region of fast
/// convergence, which EM reaches long before: stopping EM at ``earlyEMTolerance`` and taking the
/// Newton steps from there reaches the same optimum in fewer passes. Where those steps do not
/// meet the whole criterion at once (a vanishing direction, a rank to grow, a start too far),
/// they are discarded, EM goes on from where it stopped to its own tolerance, and the fit
/// continues exactly as it would have without them: the hard cases (the demo's sinusoid fit,
/// the boundary fits) keep their results, at the cost of the discarded steps.
extension PriorFit {
    /// The relative change of ℓ at which EM stops when Newton steps follow it.
    static let earlyEMTolerance = 1e-3
    /// Most Newton steps from the early EM point; from inside the region of fast convergence
    /// a few suffice, and more would only spend passes on a case that falls back.
    static let earlyNewtonSteps = 8

    /// The outcome of Newton steps from the early EM point: `kept` when they met the criterion
    /// or the deadline passed during them (the fit then stops at their point, not converged).
    struct EarlyNewton {
        let likelihood: ProfiledLikelihood
        let theta: [Double]
        let steps: Int
        let logLikelihood: Double
        /// ℓ at the point the steps started from.
        let startLogLikelihood: Double
        let decrement: Double
        let timedOut: Bool
        let kept: Bool
    }

    /// The profiled likelihood and its parameters at EM's point.
    static func startingPoint(_ em: ExpectationMaximisation, _ statistics: TaskStatistics, options: PriorFitOptions) throws
        -> (likelihood: ProfiledLikelihood, theta: [Double]) {
        try startingPoint(relativeFactor: em.relativeFactor(), statistics, options: options)
    }

    /// The profiled likelihood and its parameters at a lower-triangular Λ (ΛΛᵀ = Σ/σ²): for
    /// the full structure the factor keeps the directions above the signal-to-noise threshold
    /// (`startingFactor`).
    static func startingPoint(relativeFactor startFactor: [Double], _ statistics: TaskStatistics, options: PriorFitOptions) throws
        -> (likelihood: ProfiledLikelihood, theta: [Double]) {
        guard options.structure == .full else {
            let likelihood = ProfiledLikelihood(statistics: statistics, structure: options.structure, noiseFloor: options.noiseFloor)
            return (likelihood, options.structure.parameters(ofFactor: startFactor, dimension: statistics.dimension))
        }
        let (columns, lambda) = try startingFactor(startFactor, statistics, largest: options.startingRank)
        let likelihood = ProfiledLikelihood(statistics: statistics, structure: .full, columns: columns, noiseFloor: options.noiseFloor)
        return (likelihood, likelihood.parameters(ofFactor: lambda))
    }

    /// Runs EM to ``earlyEMTolerance`` and Newton steps from its point where the round would
    /// start with them (exact Hessian: no task descriptors; at most `newtonParameterLimit`
    /// parameters; not a ranking fit); `nil` where it would not, or where EM has already met
    /// its own tolerance, stopped at its iteration limit or the deadline (then the fit goes on
    /// from the same point as before). Kept only if the point meets the criterion the rounds
    /// end on: stationary (gradient or Newton decrement), the boundary slope test (or full
    /// rank), and no uphill slope of σ² at its floor.
    static func newtonFromEarlyEM(_ em: inout ExpectationMaximisation, _ statistics: TaskStatistics, options: PriorFitOptions) throws
        -> EarlyNewton? {
        guard options.stopsEMEarly, statistics.descriptors == nil, !options.rankingOnly, options.maximumIterations > 0 else { return nil }
        try em.iterate(tolerance: earlyEMTolerance, options: options)
        guard !em.hasConverged(tolerance: ExpectationMaximisation.fitTolerance), em.iterations < options.emIterations, !options.expired
        else { return nil }
        // Any failure here (an evaluation that throws at the early point: on constant targets
        // Σ ΦᵀV⁻¹Φ is singular there) only means the steps are not kept; the fit from EM's
        // own tolerance then meets (or reports) it as before.
        do {
            let (likelihood, start) = try startingPoint(em, statistics, options: options)
            return try newtonSteps(likelihood, start: start, options: options)
        } catch {
            return nil
        }
    }

    /// At most ``earlyNewtonSteps`` Newton steps from `start`, kept only if their point meets
    /// the criterion the rounds end on: stationary (gradient or Newton decrement), the
    /// boundary slope test (or full rank), and no uphill slope of σ² at its floor; `nil` where
    /// there are too many parameters for the exact Hessian.
    static func newtonSteps(_ likelihood: ProfiledLikelihood, start: [Double], options: PriorFitOptions) throws -> EarlyNewton? {
        guard start.count <= newtonParameterLimit else { return nil }
        let polished = try newtonPolish(likelihood, start: start, scale: likelihood.parameterScales(), options: options,
                                        maximumSteps: Swift.min(earlyNewtonSteps, options.maximumIterations))
        var kept = polished.timedOut
        if !kept {
            let criterion = try likelihood.criterion(likelihood.evaluate(polished.theta)).with(newtonDecrement: polished.decrement)
            kept = criterion.isStationary(tolerance: options.gradientTolerance, decrementTolerance: options.decrementTolerance)
                && (options.structure != .full || criterion.boundaryExcess <= options.boundaryTolerance
                    || likelihood.columns == likelihood.statistics.dimension)
                && (criterion.noiseSlope ?? 0) <= 0
        }
        return EarlyNewton(likelihood: likelihood, theta: polished.theta, steps: polished.steps, logLikelihood: polished.logLikelihood,
                           startLogLikelihood: polished.startLogLikelihood, decrement: polished.decrement, timedOut: polished.timedOut, kept: kept)
    }
}
