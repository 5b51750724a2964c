// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The slope of the profiled evidence ℓ*(s) = max_θ ℓ(θ; s) in the scale of a learned basis,
/// from one converged fit, and the secant steps in log s that use it.
///
/// Why: by the envelope theorem dℓ*/ds = ∂ℓ/∂s at θ*(s) — the slope of ℓ with the fitted θ
/// held fixed — so a central difference of ℓ(θ*; s) over s·e^(±h) gives dℓ*/d log s for the
/// price of two statistics passes and two evaluations, no fits. That is the first-order
/// condition of the joint maximum over (θ, s) that the search's capped fits cannot give, and a
/// step to its zero replaces a climb in fixed 2 % steps: on the harmonic family the evidence
/// falls by 700–8,700 nats within 2 % of the peak period, so each climbing fit there was
/// spent only to be rejected.
extension BasisSelection {
    /// The half-width h in log s of the central differences: the truncation error is
    /// O(h²·ℓ‴), and rounding (ℓ summed over tasks to ~1e-11 relative) costs ~1e-11·|ℓ|/h in
    /// the slope, well below the tolerance at any ℓ a fit can hold.
    static let slopeStep = 1e-4

    /// The predicted gain of a Newton step in log s, ½ g²/|ℓ*″| per observation, at or below which
    /// the scale counts as converged: 1e-9 (4e-5 nats on 40,000 observations, a likelihood
    /// ratio no test could see). Not the factor's 1e-12: each step's ℓ* is a converged fit,
    /// accurate only to about its own decrement (≤ 1e-12 per observation), so a step promising
    /// less than ~100 times that cannot be told from the fits' error and is rejected (on 60
    /// sinusoid tasks, rbf:8, 1e-12 spent the 12 fits and stopped at 5e-12).
    static let scaleDecrementTolerance = 1e-9

    /// Most full fits of the refinement (kept steps and halved ones) after the one at the
    /// search's point.
    static let scaleStepLimit = 12
    /// The same where the fit at the search's point did not converge: the slope of a stalled
    /// fit is not ℓ*'s, so steps only climb while they gain, as many as the 2 % climb this
    /// replaced used to take (on sinusoid-line, 1,000 tasks, rbf:20, where the fits stall,
    /// 12 more fits gained 210 nats over that climb's 4, at 374 s CPU against its 80 s, the
    /// two measured on different days).
    static let stalledStepLimit = 3

    /// Longest step in log s (×1.1): a secant from a 2 % step is only trusted that far; a
    /// mode farther away is reached by further steps.
    static let largestScaleStep = log(1.1)

    /// ℓ at `outcome`'s fitted factor on `statistics` (those of the map at another scale; μ and
    /// σ² profiled again, as in every fit).
    static func logLikelihood(of outcome: Outcome, on statistics: TaskStatistics, options: PriorFitOptions) throws -> Double {
        let bounded = bounded(options, statistics)
        // The whole d×d factor (zero columns past the rank are harmless: M̃ = I + ΛᵀAΛ).
        let likelihood = ProfiledLikelihood(statistics: statistics, structure: options.structure,
                                            columns: statistics.dimension, noiseFloor: bounded.noiseFloor)
        return try likelihood.evaluate(likelihood.parameters(ofFactor: relativeFactor(outcome.fit)), gradient: false).logLikelihood
    }

    /// dℓ*/d log s at `outcome`, the fit at `scale`, and ∂²ℓ/∂(log s)² with θ held there.
    struct ScaleSlope {
        /// dℓ*/d log s (the envelope theorem: exact at a converged fit, up to the difference's error).
        var slope: Double
        /// ∂²ℓ/∂(log s)² at fixed θ. ℓ*″ = ℓ_ss − ℓ_sθ ℓ_θθ⁻¹ ℓ_θs ≥ ℓ_ss, so where it is
        /// negative −g/ℓ_ss is no longer than the Newton step: a safe first step. It can be far
        /// shorter (the features move under a fixed Λ: on 60 sinusoid tasks, rbf:8, it was
        /// −4·10⁵ where ℓ*″ is of order −10²), so later steps use the secant of the slopes.
        var fixedCurvature: Double
    }

    /// The slope and fixed-θ curvature of ℓ in log s at `outcome`, the fit at `scale`.
    static func scaleSlope(_ outcome: Outcome, basis: LearnableBasis, scale: Double, dataset: MetaDataset,
                           options: PriorFitOptions) throws -> ScaleSlope {
        let h = slopeStep
        let up = try logLikelihood(of: outcome, on: features(basis, scale: scale * exp(h), dataset: dataset).statistics, options: options)
        let down = try logLikelihood(of: outcome, on: features(basis, scale: scale * exp(-h), dataset: dataset).statistics, options: options)
        // Evaluated as the other two are (not the fit's own ℓ, which is at the factor of its
        // rank), so rounding cancels in the curvature; the outcome's statistics are at `scale`.
        let centre = try logLikelihood(of: outcome, on: outcome.statistics, options: options)
        return ScaleSlope(slope: (up - down) / (2 * h), fixedCurvature: (up - 2 * centre + down) / (h * h))
    }

    /// Shortest first step in log s (0.1 %): ten times the difference's half-width, so the
    /// secant over it is not swamped by the slopes' own error.
    static let shortestFirstStep = 1e-3

    /// `fit` where it converged, as the start of a fit at a nearby scale; `nil` (start from
    /// EM) where it stalled or was capped: on sinusoid-line (1,000 tasks, rbf:20) fits started
    /// from stalled neighbours stalled lower, and the refinement ended at ℓ 151,257.66 where
    /// the same refinement with every fit from EM reached 151,545.29.
    static func warmStart(from fit: PriorFitResult?) -> PriorFitResult? {
        fit.flatMap { $0.converged ? $0 : nil }
    }

    /// The outcome of ``refineScale(_:from:scale:dataset:options:)``.
    struct Refinement {
        var outcome: Outcome
        var scale: Double
        /// Full fits run, the one at the starting scale included.
        var fits: Int
        /// dℓ*/d log s at the outcome.
        var slope: Double
        /// ½ g²/|ℓ*″| per observation at the outcome, ℓ*″ the secant of the slopes over the
        /// last step; `nil` before a step or where that secant is not negative.
        var decrement: Double?
        /// Whether the decrement met ``scaleDecrementTolerance``, or the slope per
        /// observation ``PriorFitOptions/gradientTolerance``, at a fit that converged.
        var converged: Bool
    }

    /// Secant (quasi-Newton) steps in log s on the slope from `start`, the full fit at
    /// `scale`; each step a full fit warm-started from the last, kept only where ℓ* rises
    /// (else halved, at most three times). The first step is −g/ℓ_ss (``ScaleSlope``), kept
    /// between 0.1 % and 2 %, and any step where the secant is not negative goes 2 % uphill
    /// (``climbStep``); the others are −g/ℓ*″ with the secant ℓ*″, at most ×1.1. Stops when
    /// the predicted gain ½ g²/|ℓ*″| per observation is at most ``scaleDecrementTolerance``, or
    /// the slope per observation at most the fit's ``PriorFitOptions/gradientTolerance``.
    static func refineScale(_ basis: LearnableBasis, from start: Outcome, scale: Double, dataset: MetaDataset,
                            options: PriorFitOptions) throws -> Refinement {
        var refinement = Refinement(outcome: start, scale: scale, fits: 1, slope: 0, decrement: nil, converged: false)
        let observations = start.statistics.weightedObservations
        let first = try scaleSlope(start, basis: basis, scale: scale, dataset: dataset, options: options)
        var slope = first.slope
        var secant: Double?
        for _ in 0...scaleStepLimit {
            refinement.slope = slope
            refinement.decrement = secant.map { 0.5 * slope * slope / abs($0) / observations }
            if abs(slope) / observations <= options.gradientTolerance || (refinement.decrement ?? .infinity) <= scaleDecrementTolerance {
                // A stalled fit's slope is not ℓ*'s: the scale is converged only with its fit.
                refinement.converged = refinement.outcome.fit.converged
                return refinement
            }
            if refinement.fits > (start.fit.converged ? scaleStepLimit : stalledStepLimit) { return refinement }
            var step: Double
            if let secant {
                step = Swift.max(-largestScaleStep, Swift.min(largestScaleStep, -slope / secant))
            } else {
                // First (or after a secant that was not negative): −g/ℓ_ss, between 0.1 % and 2 %.
                let safe = first.fixedCurvature < 0 && refinement.fits == 1 ? abs(slope / first.fixedCurvature) : climbStep
                step = (slope > 0 ? 1 : -1) * Swift.max(shortestFirstStep, Swift.min(climbStep, safe))
            }
            var accepted = false
            for _ in 0..<4 where !accepted {
                let next = refinement.scale * exp(step)
                if basis.scaleRange.contains(next) {
                    refinement.fits += 1
                    // A scale the data cannot support (collinear features) is not a candidate.
                    var candidate: Outcome?
                    do {
                        candidate = try evaluate(basis, scale: next, dataset: dataset, options: options,
                                                 warmStart: warmStart(from: refinement.outcome.fit))
                    } catch is InputError {}
                    if let candidate, candidate.fit.logMarginalLikelihood > refinement.outcome.fit.logMarginalLikelihood {
                        let nextSlope = try scaleSlope(candidate, basis: basis, scale: next, dataset: dataset, options: options).slope
                        let estimate = (nextSlope - slope) / step
                        secant = estimate < 0 ? estimate : nil
                        (refinement.outcome, refinement.scale, slope) = (candidate, next, nextSlope)
                        accepted = true
                    }
                }
                if !accepted { step /= 2 }
            }
            if !accepted { return refinement }
        }
        return refinement
    }
}
