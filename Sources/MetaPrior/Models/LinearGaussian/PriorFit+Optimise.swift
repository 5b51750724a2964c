// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The optimiser of the marginal fit: rounds at a rank, the rank changed between them
/// (`optimiseRanks`), and one round (`optimise`: Newton steps first where the Hessian is exact,
/// BFGS where they do not meet the criterion, then Newton, dense or truncated, steps).
extension PriorFit {
    /// Steps 3–4 of ``fit(_:options:)``: optimises at a rank in rounds from `start`; between
    /// rounds grows the rank while the best rank-one growth gains more than `growthTolerance`
    /// per task, and drops vanishing directions where the optimiser crawls. The loop ends:
    /// each growth raises ℓ by more than the tolerance, a drop never goes to a rank visited
    /// before, BFGS rounds alternate at most three times, and the iterations and gradient
    /// evaluations are bounded. `gradientEvaluations` counts those of the likelihoods left
    /// behind, not of the one returned.
    static func optimiseRanks(_ initial: ProfiledLikelihood, start theta0: [Double], options: PriorFitOptions,
                              stages: inout [PriorFitPhase])
        throws -> (likelihood: ProfiledLikelihood, theta: [Double], iterations: Int, timedOut: Bool, decrement: Double?,
                   gradientEvaluations: Int) {
        var likelihood = initial
        var theta = theta0
        let statistics = likelihood.statistics
        let structure = options.structure
        let d = statistics.dimension
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
            // A fit that only ranks scales (at most `BasisSelection.searchIterations`, 30, and
            // a search runs about 20 fits), one with dense Newton steps (at most
            // `newtonParameterLimit` parameters: they converge there, and BFGS rounds or early
            // growths only disturb them) and one past
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
            // search stalls); at most three such alternations, and the last round is Newton's.
            // Ending on a BFGS round returned its point, the best ℓ it evaluated, which at the
            // noise floor is the Newton point's ℓ to round-off with a gradient 100 times larger:
            // the sinusoid-line rbf:20:1.01043 fit (1,000 tasks × 40 points) reported 7.2e-6
            // where its last Newton steps had reached 6.9e-8.
            if fallback {
                alternations += 1
                fallback = false
                continue
            }
            guard alternations < 3 else { break }
            fallback = true
        }

        return (likelihood, theta, iterations, timedOut, decrement, gradientEvaluations)
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
        // (A fit that only ranks scales has BFGS alone: 100 iterations per rank, within its
        // cap of `BasisSelection.searchIterations`, 30, in all.)
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
