// SPDX-License-Identifier: GPL-3.0-or-later
// Over 300 lines by the optimiser's stage loop (`optimise`), one sequence of EM, Newton-first, BFGS and Newton steps that reads best whole; split it with the next change here.
import Foundation
import GSL

/// Empirical Bayes: maximises Σ_i w_i log p(D_i | θ) over θ = (μ, Σ, σ²).
///
/// 1. EM (monotone, robust from a crude start).
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
        //    the fit's is (so that its Σ/σ² starts the bounded fit at the right scale).
        var em = try ExpectationMaximisation(statistics: statistics, structure: structure)
        em.noiseFloor = options.noiseFloor
        var previous = -Double.infinity
        var emIterations = 0
        var emLikelihood = -Double.infinity
        for iteration in 1...Swift.max(1, options.emIterations) where options.emIterations > 0 && !options.expired {
            let ll = try em.step()
            emIterations = iteration
            emLikelihood = ll
            options.progress?(FitProgress(phase: "em", iteration: iteration, logLikelihood: ll, change: ll - previous))
            if abs(ll - previous) <= 1e-6 * abs(ll) { break }
            previous = ll
        }
        // With descriptors EM (no B step yet) only starts Σ; its ℓ is of another model.
        if emIterations > 0 && statistics.descriptors == nil { stages.append(PriorFitPhase(name: "em", rank: d, iterations: emIterations, logLikelihood: emLikelihood)) }
        // 2. The starting factor.
        var likelihood: ProfiledLikelihood
        var theta: [Double]
        let startFactor = try em.relativeFactor()
        if structure == .full {
            let (columns, lambda) = try startingFactor(startFactor, statistics, largest: options.startingRank)
            likelihood = ProfiledLikelihood(statistics: statistics, structure: .full, columns: columns, noiseFloor: options.noiseFloor)
            theta = likelihood.parameters(ofFactor: lambda)
        } else {
            likelihood = ProfiledLikelihood(statistics: statistics, structure: structure, noiseFloor: options.noiseFloor)
            theta = structure.parameters(ofFactor: startFactor, dimension: d)
        }

        // 3–4. Optimise at a rank in rounds; between rounds grow the rank while the best
        //      rank-one growth gains more than `growthTolerance` per task, and drop vanishing
        //      directions where the optimiser crawls. The loop ends: each growth raises ℓ by
        //      more than the tolerance, a drop never goes to a rank visited before, BFGS
        //      rounds alternate at most three times, and the iterations and gradient
        //      evaluations are bounded.
        var iterations = 0
        var timedOut = false
        var visited: Set<Int> = [likelihood.columns]
        var decrement: Double?
        var gradientEvaluations = 0
        let taskWeight = statistics.weights.reduce(0, +)
        var fallback = false
        var alternations = 0
        while true {
            let optimised = try optimise(likelihood, start: theta, options: options, iterationsSoFar: iterations, stages: &stages,
                                         quasiNewtonOnly: fallback)
            theta = optimised.theta
            iterations = optimised.iterations
            decrement = optimised.decrement
            if optimised.timedOut { timedOut = true; break }
            // (The gradient budget binds only where the rank is chosen by gain while the
            // optimiser crawls, below: elsewhere the rounds are as before.)
            let gainRules = !options.rankingOnly && likelihood.parameterCount > newtonParameterLimit
                && likelihood.parameterCount <= densePolishLimit
            guard structure == .full, iterations < options.maximumIterations,
                  !gainRules || gradientEvaluations + likelihood.gradientEvaluations < gradientBudgetPerIteration * options.maximumIterations
            else { break }
            let current = try likelihood.evaluate(theta)
            let criterion = try likelihood.criterion(current).with(newtonDecrement: decrement)
            let stationary = criterion.isStationary(tolerance: options.gradientTolerance, decrementTolerance: options.decrementTolerance)
            // A fit that only ranks scales (100 iterations, and a search runs about 20 fits),
            // one with dense Newton steps (at most `newtonParameterLimit` parameters: they
            // converge there, and BFGS rounds or early growths only disturb them) and one past
            // `densePolishLimit` parameters (100 BFGS iterations and a round of truncated steps
            // per rank) change rank where they are not stationary only by dropping the
            // directions with a per-task signal-to-noise ratio below 1e-2 (the starting rank's
            // threshold), as before the rank was chosen by gain.
            if !gainRules, !stationary {
                guard let shrunk = try shrink(likelihood, theta: theta, threshold: shrinkThreshold),
                      !visited.contains(shrunk.likelihood.columns) else { break }
                visited.insert(shrunk.likelihood.columns)
                gradientEvaluations += likelihood.gradientEvaluations
                likelihood = shrunk.likelihood
                theta = shrunk.theta
                continue
            }
            // The boundary condition: the slope test, or else the best rank-one growth along
            // the failing direction gains at most the tolerance. A growth that gains more is
            // taken whether or not the rank is stationary yet.
            var meets = criterion.boundaryExcess <= options.boundaryTolerance || likelihood.columns == d
            if !meets {
                let growth = try bestGrowth(likelihood, from: current, along: try likelihood.boundaryDirection(current))
                if let growth, growth.gain > options.growthTolerance * taskWeight {
                    visited.insert(growth.likelihood.columns)
                    gradientEvaluations += likelihood.gradientEvaluations
                    likelihood = growth.likelihood
                    theta = growth.theta
                    fallback = false
                    continue
                }
                meets = true
            }
            if stationary && meets { break }
            // Not stationary: the optimiser crawled, typically because directions of Σ̃ are
            // vanishing (ℓ is flat along them, or rises only as they shrink). Drop the weakest
            // directions while that costs at most the rank tolerance in ℓ; the rank below is
            // then optimised and checked in turn (never one visited before, so drops cannot
            // cycle).
            if let shrunk = try cheapestShrink(likelihood, at: current, tolerance: options.growthTolerance * taskWeight),
               !visited.contains(shrunk.likelihood.columns) {
                visited.insert(shrunk.likelihood.columns)
                gradientEvaluations += likelihood.gradientEvaluations
                likelihood = shrunk.likelihood
                theta = shrunk.theta
                fallback = false
                continue
            }
            // Not stationary and no rank to drop to: Newton steps crawl here (ℓ flat along
            // many directions at once, as at the noise floor with a rich basis), each costing
            // many gradients. A round of 50 BFGS iterations follows, about one gradient each,
            // then Newton steps again from the better point (they converge where BFGS's line
            // search stalls); at most three such alternations.
            if fallback { alternations += 1 }
            guard alternations < 3 else { break }
            fallback.toggle()
        }
        gradientEvaluations += likelihood.gradientEvaluations

        // 5. Boundaries.
        let boundary = try settleBoundary(likelihood, theta: theta)
        let final = boundary.evaluation
        // The decrement was measured at the optimiser's point; it still describes the final
        // one only if settling the boundary left the rank alone.
        var criterion = try likelihood.criterion(final).with(newtonDecrement: boundary.rank == final.columns ? decrement : nil)
        // The finite boundary condition, measured at the final point where the slope fails.
        if structure == .full, criterion.boundaryExcess > options.boundaryTolerance, final.columns < d, !timedOut {
            let growth = try bestGrowth(likelihood, from: final, along: try likelihood.boundaryDirection(final))
            criterion.growthGain = (growth?.gain ?? 0) / taskWeight
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
                              emIterations: emIterations, quasiNewtonIterations: iterations,
                              gradientNorm: gradientNorm, converged: converged, criterion: criterion,
                              phases: stages, timedOut: timedOut,
                              flooredComponents: boundary.floored, singular: boundary.rank < d,
                              rank: boundary.rank, noiseFloored: final.noiseFloored, gradientEvaluations: gradientEvaluations,
                              tasks: statistics.taskCount, observations: statistics.counts.reduce(0, +))
        if let design = statistics.descriptors { result.descriptorFit = try DescriptorFit(evaluation: final, design: design, weights: statistics.weights) }
        return result
    }

    /// BFGS (GSL's BFGS2) on −ℓ/N in the dimensionless parameters θ̂ = scale ⊙ θ (so the
    /// gradient's largest entry is ``FitCriterion/stationarity``), restarted when its line
    /// search stalls (near a flat optimum a fresh Hessian approximation often goes on), then
    /// Newton steps. Keeps the best point evaluated; stops at the deadline.
    static func optimise(_ likelihood: ProfiledLikelihood, start: [Double], options: PriorFitOptions, iterationsSoFar: Int,
                         stages: inout [PriorFitPhase], quasiNewtonOnly: Bool = false)
        throws -> (theta: [Double], iterations: Int, timedOut: Bool, decrement: Double?) {
        let scale = likelihood.parameterScales()
        let observations = likelihood.statistics.weightedObservations
        let tolerance = options.gradientTolerance
        var iterations = iterationsSoFar
        var timedOut = false
        // Stall rule: when ℓ rises by less than 1e-6 (log-likelihood units, far below any
        // statistical meaning) over 50 iterations, the search is crawling along a flat ridge;
        // stop there and let the Newton steps finish (or report the fit not converged).
        var history: [Double] = []
        var stalled = false
        var lastValue = -Double.infinity
        // With Newton steps to follow (dense, or truncated past `newtonParameterLimit`), BFGS
        // only has to get near the optimum: at most 100 iterations per rank before dense Newton
        // steps, 25 before truncated ones (in relative coordinates one truncated step gains
        // more than a hundred BFGS iterations there), and at most half of the iterations left,
        // so that the Newton steps always have the other half.
        let newton = start.count <= newtonParameterLimit
        // Newton steps first where the Hessian is exact (PriorFit+NewtonPolish.swift). Where
        // they do not meet the criterion, BFGS runs as it did before them: from the same start,
        // with the same number of its own iterations. Starting BFGS from Newton's point instead
        // left the demo's sinusoid fit stalled at rank 6 (BoundaryFitTests.demoSinusoidFitConverges).
        var newtonSteps = 0
        if newton, !quasiNewtonOnly, !options.rankingOnly,
           let first = try newtonFirst(likelihood, start: start, scale: scale, options: options, iterationsSoFar: iterationsSoFar, stages: &stages) {
            if first.done { return (first.theta, first.iterations, first.timedOut, first.decrement) }
            newtonSteps = first.iterations - iterationsSoFar
            iterations = first.iterations
        }
        var best: (theta: [Double], value: Double, stationarity: Double) = (start, try likelihood.evaluate(start).logLikelihood, .infinity)
        // After a change of rank the truncated steps go on at once: the point is already near
        // the optimum of the new rank, where BFGS gains little.
        // (A fit that only ranks scales has BFGS alone: 100 iterations per rank.)
        // (Ranking only, or past `densePolishLimit`: 100 per rank, as before ranks were chosen
        // by gain; `quasiNewtonOnly`: 50, and no Newton steps.)
        let alone = options.rankingOnly || start.count > densePolishLimit
        let perRank = newton || alone ? 100 : (iterationsSoFar == 0 ? 25 : 0)
        let share = quasiNewtonOnly ? 50
            : alone ? perRank : Swift.min(perRank, Swift.max(1, (options.maximumIterations - iterationsSoFar) / 2))
        let budget = Swift.min(options.maximumIterations, iterationsSoFar + newtonSteps + share)
        for _ in 0..<5 where iterations < budget && !stalled && !timedOut {
            let before = iterations
            let u0 = zip(best.theta, scale).map { $0 * $1 }
            let result = try minimizeBFGS(start: u0, initialStep: 0.1, lineSearchTolerance: 0.1,
                                          gradientTolerance: 0,
                                          maxIterations: budget - iterations,
                                          shouldStop: { iteration, value in
                let ll = -value * observations
                options.progress?(FitProgress(phase: "bfgs", iteration: before + iteration, logLikelihood: ll,
                                              change: ll - (history.last ?? ll)))
                history.append(ll)
                stalled = history.count > 50 && ll - history[history.count - 51] < 1e-6
                timedOut = options.expired
                return stalled || timedOut || best.stationarity <= tolerance
            }) { u, gradient in
                let theta = zip(u, scale).map { $0 / $1 }
                let evaluation = try likelihood.evaluate(theta)
                var stationarity = 0.0
                for i in gradient.indices {
                    gradient[i] = -evaluation.gradient[i] / scale[i] / observations
                    stationarity = Swift.max(stationarity, abs(gradient[i]))
                }
                if evaluation.logLikelihood > best.value || (evaluation.logLikelihood == best.value && stationarity < best.stationarity) {
                    best = (theta, evaluation.logLikelihood, stationarity)
                }
                return -evaluation.logLikelihood / observations
            }
            iterations += Swift.max(result.iterations, 1)
            if best.stationarity <= tolerance || best.value - lastValue <= 1e-12 * abs(best.value) { break }
            lastValue = best.value
        }
        if iterations > iterationsSoFar + newtonSteps {
            stages.append(PriorFitPhase(name: "bfgs", rank: likelihood.columns, iterations: iterations - iterationsSoFar - newtonSteps, logLikelihood: best.value))
        }
        var theta = best.theta
        var decrement: Double?
        if !timedOut && newton && !quasiNewtonOnly {
            let polished = try newtonPolish(likelihood, start: theta, scale: scale, options: options)
            theta = polished.theta
            iterations += polished.steps
            timedOut = polished.timedOut
            decrement = polished.decrement
            if polished.steps > 0 {
                stages.append(PriorFitPhase(name: "newton", rank: likelihood.columns, iterations: polished.steps, logLikelihood: polished.logLikelihood))
            }
        }
        if !timedOut && !newton && !options.rankingOnly && !quasiNewtonOnly && iterations < options.maximumIterations {
            let polished = try truncatedNewton(likelihood, start: theta, scale: scale, options: options,
                                               maximumSteps: Swift.min(truncatedStepsPerRound, options.maximumIterations - iterations))
            theta = polished.theta
            iterations += polished.steps
            timedOut = polished.timedOut
            if polished.steps > 0 {
                stages.append(PriorFitPhase(name: "newton-cg", rank: likelihood.columns, iterations: polished.steps, logLikelihood: polished.logLikelihood))
            }
            // Where the gradient has stopped at the precision ℓ is computed to (see
            // ``FitCriterion``) and the parameters are few enough for a dense Hessian, dense
            // Newton steps finish the fit and measure the Newton decrement, which truncated
            // steps cannot certify.
            let stationarity = try likelihood.criterion(likelihood.evaluate(theta)).stationarity
            if !timedOut, start.count <= densePolishLimit, stationarity > tolerance, stationarity <= denseFinishLimit(parameters: start.count) {
                let dense = try newtonPolish(likelihood, start: theta, scale: scale, options: options,
                                             maximumSteps: Swift.max(0, Swift.min(5, options.maximumIterations - iterations)))
                theta = dense.theta
                iterations += dense.steps
                timedOut = dense.timedOut
                decrement = dense.decrement
                if dense.steps > 0 { stages.append(PriorFitPhase(name: "newton", rank: likelihood.columns, iterations: dense.steps, logLikelihood: dense.logLikelihood)) }
            }
        }
        return (theta, iterations, timedOut, decrement)
    }
}
