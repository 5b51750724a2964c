// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension PriorFit {
    /// Newton steps, each followed where −H is flat to its precision by the line search along
    /// those directions (``newtonPolish``), that count only gains beyond ℓ's measured round-off
    /// and go on until none is left; then the check of ``FitCriterion/precision``: the steps
    /// ended because nothing gained, and the gradient is within
    /// ``FitCriterion/roundOffMultiple`` times its round-off. A step is kept if it raises ℓ by
    /// more than that multiple of ℓ's round-off, or halves the gradient without lowering ℓ by
    /// more. Returns the point, the steps taken, and the precision where the check holds.
    ///
    /// Why: at the noise floor of a rich basis the gradient cannot reach 1e-8 per observation,
    /// nor the decrement 1e-12: ℓ is computed to about 3e-8 relative (±0.0043 nats at ℓ ≈
    /// 1.5e5, the sinusoid-line `rbf:20:1.01043` fit of 1,000 tasks × 40 points), and the
    /// gradient to 4.3e-8 per observation. Fits there stopped "stalled" however long they ran,
    /// with ℓ still rising along flat directions (on 100 such tasks by 6 nats after the stall).
    /// This climbs until no step gains beyond ℓ's precision and says, with the round-off
    /// measured, that the point is a maximum to that precision.
    static func polishToPrecision(_ likelihood: ProfiledLikelihood, theta: [Double], options: PriorFitOptions, maximumSteps: Int)
        throws -> (theta: [Double], steps: Int, precision: FitCriterion.Precision?) {
        let before = try roundOff(likelihood, at: theta)
        // Where the gradient is computed well enough for the tolerance, precision is not what
        // stops the fit, and the check could not pass: the optimiser's point stands (the
        // rbf:20 fit of 100,000 tasks: round-off 1e-14 per observation; a development build
        // that took these steps there gained 1 nat in ten of them, 70 s, and the fit, which
        // stops stalled at a stationarity of 7.7e-5, needs a better optimiser, not them).
        guard FitCriterion.roundOffMultiple * before.stationarity > options.gradientTolerance else { return (theta, 0, nil) }
        let gainBound = FitCriterion.roundOffMultiple * before.logLikelihood
        let polished = try newtonPolish(likelihood, start: theta, scale: likelihood.parameterScales(), options: options,
                                        maximumSteps: maximumSteps, precision: gainBound)
        // Each gradient-halving step may lose up to the bound, so several may add up to more:
        // then the start stands, uncertified (its gradient is what the steps set out to reduce).
        guard polishedPointStands(startLogLikelihood: polished.startLogLikelihood, logLikelihood: polished.logLikelihood,
                                  gainBound: gainBound) else { return (theta, 0, nil) }
        guard polished.exhausted, !polished.timedOut else { return (polished.theta, polished.steps, nil) }
        let after = polished.steps > 0 ? try roundOff(likelihood, at: polished.theta) : before
        let met = polished.stationarity <= FitCriterion.roundOffMultiple * after.stationarity
        return (polished.theta, polished.steps, met ? after : nil)
    }

    /// Whether the precision steps' point may replace their start: it is not below the start's
    /// ℓ by more than `gainBound` (4 × ℓ's round-off), the most one kept step may lose. Within
    /// that the two cannot be told apart by ℓ, and the steps' point has the smaller gradient.
    static func polishedPointStands(startLogLikelihood: Double, logLikelihood: Double, gainBound: Double) -> Bool {
        logLikelihood >= startLogLikelihood - gainBound
    }

    /// The round-off of ℓ (nats) and of ``FitCriterion/stationarity`` at θ: the largest change
    /// of each over three evaluations at θ with every parameter moved by 4 units in its last
    /// place, in three fixed sign patterns (so the result is reproducible). The move itself
    /// changes ℓ by gᵀδ and the gradient by Hδ, about 10⁻¹⁵ of their scales: what is measured is
    /// the arithmetic's error, which near a singular Σ̃ is 10⁷ times larger.
    static func roundOff(_ likelihood: ProfiledLikelihood, at theta: [Double]) throws -> FitCriterion.Precision {
        let scales = likelihood.parameterScales()
        let observations = likelihood.statistics.weightedObservations
        let base = try likelihood.evaluate(theta)
        var value = 0.0, stationarity = 0.0
        for pattern in 0..<3 {
            let moved = theta.enumerated().map { i, t in t + ((i + pattern) % 3 == 0 ? -4 : 4) * t.ulp }
            let e = try likelihood.evaluate(moved)
            value = Swift.max(value, abs(e.logLikelihood - base.logLikelihood))
            for i in theta.indices {
                stationarity = Swift.max(stationarity, abs(e.gradient[i] - base.gradient[i]) / scales[i] / observations)
            }
        }
        return FitCriterion.Precision(logLikelihood: value, stationarity: stationarity)
    }
}
