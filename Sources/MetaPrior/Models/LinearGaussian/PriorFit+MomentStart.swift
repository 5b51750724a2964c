// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Newton steps from a method-of-moments estimate, before any EM (issue 17: 1,000,000 tasks,
/// d = 3, in under 2 s).
///
/// Why: even stopped early, EM spent 9 passes over the tasks getting near the optimum, and
/// Newton steps with the exact Hessian converge from much farther (from EM's own start, Σ = σ²I,
/// they needed 5 steps). A `MomentEstimate` costs one pass and is consistent, so a few steps
/// from it usually meet the whole criterion and EM never runs. Where they do not (a start
/// too far, a direction of Σ vanishing, a rank to grow, too few well-conditioned tasks for an
/// estimate), the steps are discarded and the fit runs exactly as without them — EM first,
/// then ``newtonFromEarlyEM(_:_:options:)`` and the rounds — at the cost of the discarded steps.
extension PriorFit {
    /// Newton steps from the `MomentEstimate` where the fit would start with exact-Hessian
    /// Newton steps (the conditions of ``newtonFromEarlyEM(_:_:options:)``), kept only if they
    /// meet the whole criterion (``newtonSteps(_:start:options:)``); `nil` where no estimate
    /// exists or the conditions do not hold.
    static func newtonFromMoments(_ statistics: TaskStatistics, options: PriorFitOptions) -> EarlyNewton? {
        guard options.startsFromMoments, options.stopsEMEarly, statistics.descriptors == nil, !options.rankingOnly,
              options.maximumIterations > 0, !options.expired, let estimate = MomentEstimate(statistics) else { return nil }
        // Any failure (a starting factor or an evaluation that throws) only means the steps are
        // not kept; the fit from EM then meets (or reports) it as before.
        do {
            let factor = try estimate.relativeFactor(structure: options.structure, noiseFloor: options.noiseFloor)
            let (likelihood, start) = try startingPoint(relativeFactor: factor, statistics, options: options)
            return try newtonSteps(likelihood, start: start, options: options)
        } catch {
            return nil
        }
    }
}
