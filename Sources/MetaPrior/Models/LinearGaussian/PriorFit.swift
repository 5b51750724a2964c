// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Empirical Bayes: maximises Σ_i w_i log p(D_i | θ) over θ = (μ, Σ, σ²).
///
/// 1. EM (monotone, robust from a crude start).
/// 2. For the full structure, Σ̃ = Σ/σ² = ΛΛᵀ with Λ of size d×r, lower-trapezoidal
///    (`ProfiledLikelihood`). The starting rank r counts the directions of EM's Σ̃ that carry
///    a per-task signal-to-noise ratio of at least 1e-2 (the boundary test below brings back
///    any other direction that matters).
/// 3. At each rank, GSL's BFGS2 on the profiled likelihood in the dimensionless factor Λ̂
///    (``FitCriterion``), then Newton steps with a Hessian from differences of the analytic
///    gradient while the parameter count is moderate (at most 100), truncated Newton steps
///    in relative coordinates beyond (finished by dense ones up to 300 parameters).
/// 4. The boundary condition (``FitCriterion/boundaryExcess``): if some direction outside
///    Σ's range would still raise ℓ beyond the tolerance, a column along it is added and the
///    rank optimised again.
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

        // 1. EM from Λ = I (lme4's start), projected onto the structure.
        var em = try ExpectationMaximisation(statistics: statistics, structure: structure)
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
        if emIterations > 0 { stages.append(PriorFitPhase(name: "em", rank: d, iterations: emIterations, logLikelihood: emLikelihood)) }

        // 2. The starting factor.
        var likelihood: ProfiledLikelihood
        var theta: [Double]
        let startFactor = try em.relativeFactor()
        if structure == .full {
            let (columns, lambda) = try startingFactor(startFactor, statistics)
            likelihood = ProfiledLikelihood(statistics: statistics, structure: .full, columns: columns, noiseFloor: options.noiseFloor)
            theta = likelihood.parameters(ofFactor: lambda)
        } else {
            likelihood = ProfiledLikelihood(statistics: statistics, structure: structure, noiseFloor: options.noiseFloor)
            theta = structure.parameters(ofFactor: startFactor, dimension: d)
        }

        // 3–4. Optimise at a rank; drop the directions that vanish; grow the rank while the
        //      boundary condition fails. Each change of rank is followed by an optimisation, and
        //      a rank is never revisited (so the loop ends within 2d rounds).
        var iterations = 0
        var timedOut = false
        var visited: Set<Int> = [likelihood.columns]
        var decrement: Double?
        while true {
            let optimised = try optimise(likelihood, start: theta, options: options, iterationsSoFar: iterations, stages: &stages)
            theta = optimised.theta
            iterations = optimised.iterations
            decrement = optimised.decrement
            if optimised.timedOut { timedOut = true; break }
            guard structure == .full, iterations < options.maximumIterations else { break }
            let current = try likelihood.evaluate(theta)
            let criterion = try likelihood.criterion(current).with(newtonDecrement: decrement)
            let stationary = criterion.isStationary(tolerance: options.gradientTolerance, decrementTolerance: options.decrementTolerance)
            if stationary && criterion.boundaryExcess <= options.boundaryTolerance { break }
            // Not stationary: the optimiser crawled, typically because a direction of Σ̃ is
            // vanishing (ℓ is flat along it). Drop the directions with a per-task
            // signal-to-noise ratio below 1e-2 (the starting rank's threshold); the rank below
            // is then optimised and checked in turn.
            if !stationary, let shrunk = try shrink(likelihood, theta: theta, threshold: shrinkThreshold),
               !visited.contains(shrunk.likelihood.columns) {
                visited.insert(shrunk.likelihood.columns)
                likelihood = shrunk.likelihood
                theta = shrunk.theta
                continue
            }
            // Stationary but a direction outside the range would raise ℓ: grow the rank.
            guard stationary, likelihood.columns < d else { break }
            let top = try likelihood.boundaryDirection(current)
            guard !visited.contains(likelihood.columns + 1),
                  let grown = try grow(likelihood, from: current, along: top) else { break }
            visited.insert(grown.likelihood.columns)
            likelihood = grown.likelihood
            theta = grown.theta
        }

        // 5. Boundaries.
        let boundary = try settleBoundary(likelihood, theta: theta)
        let final = boundary.evaluation
        // The decrement was measured at the optimiser's point; it still describes the final
        // one only if settling the boundary left the rank alone.
        let criterion = try likelihood.criterion(final).with(newtonDecrement: boundary.rank == final.columns ? decrement : nil)
        let converged = !timedOut
            && criterion.holds(stationarityTolerance: options.gradientTolerance, decrementTolerance: options.decrementTolerance,
                               boundaryTolerance: options.boundaryTolerance)
        let gradientNorm = final.gradient.reduce(0) { Swift.max($0, abs($1)) }
        // Σ = σ² Λ Λᵀ, with Λ padded to d×d by zero columns.
        let r = final.columns
        var padded = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<r { padded[i * d + j] = final.factor[i * r + j] } }
        let factor = final.noiseVariance.squareRoot() * (try Matrix(rows: d, columns: d, elements: padded))
        let prior = try GaussianPrior(mean: final.mean, factor: factor, noiseVariance: final.noiseVariance)
        return PriorFitResult(prior: prior, logMarginalLikelihood: final.logLikelihood,
                              emIterations: emIterations, quasiNewtonIterations: iterations,
                              gradientNorm: gradientNorm, converged: converged, criterion: criterion,
                              phases: stages, timedOut: timedOut,
                              flooredComponents: boundary.floored, singular: boundary.rank < d,
                              rank: boundary.rank, noiseFloored: final.noiseFloored,
                              tasks: statistics.taskCount, observations: statistics.counts.reduce(0, +))
    }

    /// BFGS (GSL's BFGS2) on −ℓ/N in the dimensionless parameters θ̂ = scale ⊙ θ (so the
    /// gradient's largest entry is ``FitCriterion/stationarity``), restarted when its line
    /// search stalls (near a flat optimum a fresh Hessian approximation often goes on), then
    /// Newton steps. Keeps the best point evaluated; stops at the deadline.
    static func optimise(_ likelihood: ProfiledLikelihood, start: [Double], options: PriorFitOptions, iterationsSoFar: Int,
                         stages: inout [PriorFitPhase]) throws -> (theta: [Double], iterations: Int, timedOut: Bool, decrement: Double?) {
        let scale = likelihood.parameterScales()
        let observations = likelihood.statistics.weightedObservations
        let tolerance = options.gradientTolerance
        var best = (theta: start, value: try likelihood.evaluate(start).logLikelihood, stationarity: Double.infinity)
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
        // After a change of rank the truncated steps go on at once: the point is already near
        // the optimum of the new rank, where BFGS gains little.
        // (A fit that only ranks scales has BFGS alone: 100 iterations per rank.)
        let perRank = newton || options.rankingOnly ? 100 : (iterationsSoFar == 0 ? 25 : 0)
        let share = options.rankingOnly ? perRank : Swift.min(perRank, Swift.max(1, (options.maximumIterations - iterationsSoFar) / 2))
        let budget = Swift.min(options.maximumIterations, iterationsSoFar + share)
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
        if iterations > iterationsSoFar {
            stages.append(PriorFitPhase(name: "bfgs", rank: likelihood.columns, iterations: iterations - iterationsSoFar, logLikelihood: best.value))
        }
        var theta = best.theta
        var decrement: Double?
        if !timedOut && newton {
            let polished = try newtonPolish(likelihood, start: theta, scale: scale, options: options)
            theta = polished.theta
            iterations += polished.steps
            timedOut = polished.timedOut
            decrement = polished.decrement
            if polished.steps > 0 {
                stages.append(PriorFitPhase(name: "newton", rank: likelihood.columns, iterations: polished.steps, logLikelihood: polished.logLikelihood))
            }
        }
        if !timedOut && !newton && !options.rankingOnly && iterations < options.maximumIterations {
            let polished = try truncatedNewton(likelihood, start: theta, scale: scale, options: options,
                                               maximumSteps: options.maximumIterations - iterations)
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
            if !timedOut, start.count <= densePolishLimit,
               try likelihood.criterion(likelihood.evaluate(theta)).stationarity > tolerance {
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

    /// Largest parameter count for Newton steps: each Hessian costs 2k gradient evaluations,
    /// which at k = 100 is about what 150 BFGS iterations cost.
    static let newtonParameterLimit = 100

    /// Largest parameter count for dense Newton steps after truncated ones: a dense Hessian
    /// costs 2k gradients, about a second at k = 300 for 1000 tasks in d = 21 (half a minute
    /// at k = 600 in d = 33, where the harmonic fourier:16 fit then took many minutes).
    static let densePolishLimit = 300

    /// Sets negligible variance to exactly zero (lme4's isSingular rule, made scale-free):
    /// a direction of Σ̃ whose per-point signal-to-noise ratio κ (an eigenvalue of Λ̂Λ̂ᵀ) is
    /// below 1e-8 is removed, and a feature j with Σ̃_jj·D_jj < 1e-8 gets zero between-task
    /// variance (its row of Λ is zeroed: a floored component). Each is kept only if ℓ does
    /// not drop beyond round-off (1e-9 relative).
    static func settleBoundary(_ likelihood: ProfiledLikelihood, theta: [Double]) throws
        -> (evaluation: ProfiledLikelihood.Evaluation, rank: Int, floored: [Int]) {
        let d = likelihood.statistics.dimension
        let scales = likelihood.featureScales
        let threshold = 1e-8
        let start = try likelihood.evaluate(theta)
        let r = start.columns
        var lambda = start.factor
        var floored: [Int] = []
        var rank = r
        switch likelihood.structure {
        case .diagonal, .isotropic:
            var zeroed: [Int] = []
            for j in 0..<d where lambda[j * d + j] * lambda[j * d + j] * scales[j] * scales[j] < threshold { zeroed.append(j) }
            // One shared variance (isotropic) is on its boundary only when it vanishes for all.
            if likelihood.structure == .isotropic && zeroed.count < d { zeroed = [] }
            for j in zeroed { lambda[j * d + j] = 0 }
            floored = zeroed
            rank = d - zeroed.count
        case .full:
            var whitened = Matrix(rows: d, columns: d)
            for i in 0..<d { for j in 0..<d {
                var s = 0.0
                for k in 0..<r { s += lambda[i * r + k] * lambda[j * r + k] }
                whitened[i, j] = scales[i] * s * scales[j]
            } }
            let eigen = try SymmetricEigen(symmetrized(whitened))
            let kept = (0..<d).filter { eigen.values[$0] >= threshold }
            floored = (0..<d).filter { whitened[$0, $0] < threshold }
            rank = Swift.min(kept.count, r)
            if rank < r || !floored.isEmpty {
                // Rebuild Λ from the kept eigen-directions, then zero the floored rows.
                var rebuilt = [Double](repeating: 0, count: d * r)
                for (c, k) in kept.suffix(rank).reversed().enumerated() {
                    let root = eigen.values[k].squareRoot()
                    for i in 0..<d { rebuilt[i * r + c] = eigen.vectors[i, k] * root / scales[i] }
                }
                for j in floored { for c in 0..<r { rebuilt[j * r + c] = 0 } }
                lambda = trapezoidal(rebuilt, rows: d, columns: r)
                rank = Swift.min(rank, d - floored.count)
            }
        }
        guard lambda != start.factor else { return (start, rank, floored) }
        let candidate = try likelihood.evaluate(likelihood.parameters(ofFactor: lambda))
        if candidate.logLikelihood >= start.logLikelihood - 1e-9 * abs(start.logLikelihood) {
            return (candidate, rank, floored)
        }
        return (start, likelihood.structure == .full ? r : d, [])
    }
}
