// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Empirical Bayes: maximises Σ_i w_i log p(D_i | θ) over θ = (μ, Σ, σ²).
///
/// 1. Where Newton steps with the exact Hessian follow, first a few of them from a one-pass
///    method-of-moments estimate (`MomentEstimate`), kept if they meet the whole criterion
///    (`newtonFromMoments`: then no EM runs). Otherwise EM (monotone, robust from a crude
///    start); where Newton steps with the exact Hessian follow, it stops at a looser tolerance and those steps are kept if they meet the
///    criterion at once (`newtonFromEarlyEM`), otherwise EM goes on and steps 2–4 follow.
/// 2. For the full structure, Σ̃ = Σ/σ² = ΛΛᵀ with Λ of size d×r, lower-trapezoidal
///    (`ProfiledLikelihood`). The starting rank r counts the directions of EM's Σ̃ that carry
///    a per-task signal-to-noise ratio of at least 1e-2.
/// 3. At each rank, GSL's BFGS2 on the profiled likelihood in the dimensionless factor Λ̂
///    (``FitCriterion``), then Newton steps with the exact Hessian (one pass over the tasks;
///    from differences of the analytic gradient with task descriptors) while the parameter
///    count is moderate (at most 100; there Newton steps go first, and BFGS runs only where
///    they do not reach the criterion), truncated Newton steps
///    in relative coordinates beyond (10 per round; up to 300 parameters finished by dense
///    ones near the optimum, and alternating with rounds of 50 BFGS iterations where they
///    crawl).
/// 4. The rank is chosen by likelihood gain (``PriorFitOptions/growthTolerance``): between
///    rounds, if the best rank-one growth along the direction of
///    ``FitCriterion/boundaryExcess`` gains more than the tolerance, the column is added; if
///    the optimiser crawls (100–300 parameters), the weakest directions are dropped while that
///    costs at most the tolerance (elsewhere those below the signal-to-noise threshold). The fit stops when the rank is stationary and no growth is worth a column.
/// Why a reduced rank: a flexible basis puts the optimum at or near a singular Σ, where ℓ is
/// flat in a full Cholesky factor and quasi-Newton crawls; with the vanishing directions
/// removed the optimum is interior and well-conditioned, and each task costs O(d²r), not O(d³).
/// Variance components that go to zero are set to exactly zero and reported; they are a
/// legitimate answer, not an error.
public enum PriorFit {
    /// Fits the prior to the statistics of the meta-train tasks.
    public static func fit(_ statistics: TaskStatistics, options: PriorFitOptions = PriorFitOptions()) throws -> PriorFitResult {
        let d = statistics.dimension
        guard statistics.taskCount > 0 else { throw InputError("no meta-train tasks to fit the prior to") }
        // Weights first: all-zero weights would otherwise report "0 observations".
        guard statistics.weights.allSatisfy({ $0 >= 0 && $0.isFinite }), statistics.weights.contains(where: { $0 > 0 }) else {
            throw InputError(column: "--weights", kind: .invalidValue, "task weights must be non-negative and not all zero")
        }
        let observations = statistics.weightedObservations
        guard observations > Double(d) else {
            throw InputError("\(Int(observations)) observations cannot determine \(d) prior means and a noise variance; give more data or fewer features")
        }
        let structure = options.structure
        var stages: [PriorFitPhase] = []

        // 1. EM from Λ = I (lme4's start), projected onto the structure, with σ² bounded as
        //    the fit's is (so that its Σ/σ² starts the bounded fit at the right scale). Where
        //    Newton steps follow it stops early (PriorFit+EarlyNewton.swift); they are kept if
        //    they meet the criterion at once, and otherwise EM goes on from where it stopped
        //    and the fit continues exactly as without them.
        //    First, where they would follow EM, Newton steps from a one-pass moment estimate
        //    (PriorFit+MomentStart.swift); kept, EM does not run at all.
        //    With a warm start (a neighbouring fit's factor) neither runs: the rounds start there.
        let warm = options.warmStart.flatMap { $0.count == d * d ? $0 : nil }
        let moments = warm == nil ? newtonFromMoments(statistics, options: options) : nil
        let fromMoments = moments?.kept ?? false
        // (EM's start is a pass over the tasks too: made only where it runs.)
        var em: ExpectationMaximisation?
        if !fromMoments && warm == nil {
            em = try ExpectationMaximisation(statistics: statistics, structure: structure)
            em!.noiseFloor = options.noiseFloor
        }
        var early = fromMoments ? moments : nil
        if em != nil { early = try newtonFromEarlyEM(&em!, statistics, options: options) }
        let kept = early?.kept ?? false
        if !kept, em != nil { try em!.iterate(tolerance: ExpectationMaximisation.fitTolerance, options: options) }
        // With descriptors EM (no B step yet) only starts Σ; its ℓ is of another model.
        if let em, em.iterations > 0 && statistics.descriptors == nil {
            stages.append(PriorFitPhase(name: "em", rank: d, iterations: em.iterations, logLikelihood: em.logLikelihood))
        }
        // 2–4. The starting factor from EM, then rounds at a rank (PriorFit+Optimise.swift).
        var likelihood: ProfiledLikelihood
        var theta: [Double]
        var iterations = 0
        var timedOut = false
        var decrement: Double?
        var gradientEvaluations = 0
        // Discarded steps from the moment estimate spent their evaluations too.
        if !fromMoments { gradientEvaluations = moments?.likelihood.gradientEvaluations ?? 0 }
        if let early, kept {
            (likelihood, theta, iterations, timedOut, decrement) = (early.likelihood, early.theta, early.steps, early.timedOut, early.decrement)
            if fromMoments {
                stages.append(PriorFitPhase(name: "moments", rank: d, iterations: 0, logLikelihood: early.startLogLikelihood))
            }
            stages.append(PriorFitPhase(name: "newton", rank: likelihood.columns, iterations: early.steps, logLikelihood: early.logLikelihood))
        } else {
            // The early attempt's evaluations were spent, though its steps are not kept.
            gradientEvaluations += early?.likelihood.gradientEvaluations ?? 0
            (likelihood, theta) = try warm.map { try startingPoint(relativeFactor: $0, statistics, options: options) }
                ?? startingPoint(em!, statistics, options: options)
            if warm != nil {
                stages.append(PriorFitPhase(name: "warm", rank: likelihood.columns, iterations: 0, logLikelihood: try likelihood.evaluate(theta, gradient: false).logLikelihood))
            }
            let rounds = try optimiseRanks(likelihood, start: theta, options: options, stages: &stages)
            (likelihood, theta, iterations, timedOut, decrement) = (rounds.likelihood, rounds.theta, rounds.iterations, rounds.timedOut, rounds.decrement)
            gradientEvaluations += rounds.gradientEvaluations
        }
        gradientEvaluations += likelihood.gradientEvaluations

        // 5. Boundaries. Where settling them removed directions, Newton steps at the rank left
        //    measure the decrement there (PriorFit+SettleBoundary.swift).
        var boundary = try settleBoundary(likelihood, theta: theta)
        if !timedOut, let settled = try polishSettled(likelihood, boundary, options: options,
                                                     maximumSteps: Swift.max(0, Swift.min(5, options.maximumIterations - iterations))) {
            gradientEvaluations += settled.likelihood.gradientEvaluations
            likelihood = settled.likelihood
            boundary.evaluation = settled.evaluation
            decrement = settled.decrement
            iterations += settled.steps
            if settled.steps > 0 {
                stages.append(PriorFitPhase(name: "newton", rank: boundary.rank, iterations: settled.steps, logLikelihood: settled.evaluation.logLikelihood))
            }
        }
        // 6. Where the point is not stationary by the gradient or the decrement, and the exact
        //    Hessian is at hand (no descriptors, at most `densePolishLimit` parameters, no
        //    direction settled to zero; not in a fit that only ranks scales): Newton and
        //    flat-direction steps that count only gains beyond ℓ's measured round-off, then the
        //    check at that precision (PriorFit+PrecisionPolish.swift).
        var precision: FitCriterion.Precision?
        if !timedOut, !options.rankingOnly, statistics.descriptors == nil, boundary.rank == boundary.evaluation.columns, boundary.floored.isEmpty,
           likelihood.columns == boundary.evaluation.columns, likelihood.parameterCount <= densePolishLimit,
           !(try likelihood.criterion(boundary.evaluation).with(newtonDecrement: decrement)
                .isStationary(tolerance: options.gradientTolerance, decrementTolerance: options.decrementTolerance)) {
            let polished = try polishToPrecision(likelihood, theta: likelihood.parameters(ofFactor: boundary.evaluation.factor),
                                                 options: options,
                                                 maximumSteps: Swift.max(0, Swift.min(precisionPolishSteps, options.maximumIterations - iterations)))
            if polished.steps > 0 {
                boundary.evaluation = try likelihood.evaluate(polished.theta)
                iterations += polished.steps
                stages.append(PriorFitPhase(name: "newton-precision", rank: boundary.rank, iterations: polished.steps,
                                            logLikelihood: boundary.evaluation.logLikelihood))
                decrement = nil
            }
            precision = polished.precision
            timedOut = options.expired
        }
        let final = boundary.evaluation
        // The decrement was measured at the optimiser's point; it still describes the final
        // one only if settling the boundary left the rank alone.
        var criterion = try likelihood.criterion(final).with(newtonDecrement: boundary.rank == final.columns ? decrement : nil)
        criterion.precision = precision
        // The finite boundary condition, measured at the final point where the slope fails.
        if structure == .full, criterion.boundaryExcess > options.boundaryTolerance, final.columns < d, !timedOut {
            let growth = try bestGrowth(likelihood, from: final, along: try likelihood.boundaryDirection(final))
            criterion.growthGain = (growth?.gain ?? 0) / statistics.weights.reduce(0, +)
        }
        let converged = !timedOut
            && criterion.holds(stationarityTolerance: options.gradientTolerance, decrementTolerance: options.decrementTolerance,
                               boundaryTolerance: options.boundaryTolerance, growthTolerance: options.growthTolerance)
        let gradientNorm = final.gradient.reduce(0) { Swift.max($0, abs($1)) }
        // Σ = σ² Λ Λᵀ, with Λ padded to d×d by zero columns.
        let r = final.columns
        var padded = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<r { padded[i * d + j] = final.factor[i * r + j] } }
        let factor = final.noiseVariance.squareRoot() * (try Matrix(rows: d, columns: d, elements: padded))
        let prior = try GaussianPrior(mean: final.mean, factor: factor, noiseVariance: final.noiseVariance)
        var result = PriorFitResult(prior: prior, logMarginalLikelihood: final.logLikelihood,
                              emIterations: em?.iterations ?? 0, quasiNewtonIterations: iterations,
                              gradientNorm: gradientNorm, converged: converged, criterion: criterion,
                              phases: stages, timedOut: timedOut,
                              flooredComponents: boundary.floored, singular: boundary.rank < d,
                              rank: boundary.rank, noiseFloored: final.noiseFloored, gradientEvaluations: gradientEvaluations,
                              tasks: statistics.taskCount, observations: statistics.counts.reduce(0, +))
        if let design = statistics.descriptors { result.descriptorFit = try DescriptorFit(evaluation: final, design: design, weights: statistics.weights) }
        return result
    }
}
