// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Empirical Bayes: maximises Σ_i w_i log p(D_i | θ) over θ = (μ, Σ, σ²).
///
/// EM first (monotone, robust from a crude start), then GSL's BFGS2 on the profiled
/// likelihood (`ProfiledLikelihood`) with its analytic gradient, which converges tightly
/// where EM crawls (small Σ). Variance components that go to zero are set to exactly zero and
/// reported; they are a legitimate answer, not an error.
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
        let likelihood = ProfiledLikelihood(statistics: statistics, structure: structure, noiseFloor: options.noiseFloor)

        // 1. EM from Λ = I (lme4's start), projected onto the structure.
        var em = try ExpectationMaximisation(statistics: statistics, structure: structure)
        var previous = -Double.infinity
        var emIterations = 0
        for iteration in 1...Swift.max(1, options.emIterations) where options.emIterations > 0 {
            let ll = try em.step()
            emIterations = iteration
            options.progress?(FitProgress(phase: "em", iteration: iteration, logLikelihood: ll, change: ll - previous))
            if abs(ll - previous) <= 1e-6 * abs(ll) { break }
            previous = ll
        }
        let startFactor = try em.relativeFactor()
        let start = structure.parameters(ofFactor: startFactor, dimension: d)

        // 2. Quasi-Newton on the profiled likelihood.
        let scale = preconditioner(startFactor, dimension: d, structure: structure)
        let (bestTheta, bfgsIteration) = try optimise(likelihood, start: start, scale: scale, observations: observations,
                                                      options: options, iterationsSoFar: 0)

        // 3. Boundaries (lme4's isSingular rule, made scale-free): a diagonal entry of Λ with
        //    |Λ_jj|·rms(f_j) < 1e-4 is set to exactly zero, which makes Σ singular; if the whole
        //    row j of Λ is that small, parameter j has zero between-task variance. Kept only if
        //    the likelihood does not drop beyond round-off.
        var final = try likelihood.evaluate(bestTheta)
        var lambda = final.factor
        var zeroedDiagonal: [Int] = []
        var floored: [Int] = []
        let threshold = 1e-8
        for j in 0..<d {
            let scale = meanGramDiagonal(statistics, j)
            guard lambda[j * d + j] * lambda[j * d + j] * scale < threshold else { continue }
            zeroedDiagonal.append(j)
            if (0...j).allSatisfy({ lambda[j * d + $0] * lambda[j * d + $0] * scale < threshold }) { floored.append(j) }
        }
        // One shared variance (isotropic) is on its boundary only when it vanishes for all.
        if structure == .isotropic && zeroedDiagonal.count < d { zeroedDiagonal = []; floored = [] }
        if !zeroedDiagonal.isEmpty {
            for j in zeroedDiagonal { lambda[j * d + j] = 0 }
            for j in floored { for k in 0..<d { lambda[j * d + k] = 0 } }
            let candidate = try likelihood.evaluate(structure.parameters(ofFactor: lambda, dimension: d))
            if candidate.logLikelihood >= final.logLikelihood - 1e-9 * abs(final.logLikelihood) {
                final = candidate
            } else {
                zeroedDiagonal = []
                floored = []
            }
        }
        let gradientNorm = final.gradient.reduce(0) { Swift.max($0, abs($1)) }
        let converged = gradientNorm / observations <= options.gradientTolerance
        // Σ = σ² Λ Λᵀ
        var factor = try Matrix(rows: d, columns: d, elements: final.factor)
        factor = final.noiseVariance.squareRoot() * factor
        let prior = try GaussianPrior(mean: final.mean, factor: factor, noiseVariance: final.noiseVariance)
        return PriorFitResult(prior: prior, logMarginalLikelihood: final.logLikelihood,
                              emIterations: emIterations, quasiNewtonIterations: bfgsIteration,
                              gradientNorm: gradientNorm, converged: converged,
                              flooredComponents: floored, singular: !zeroedDiagonal.isEmpty,
                              rank: d - zeroedDiagonal.count,
                              noiseFloored: final.noiseFloored,
                              tasks: statistics.taskCount, observations: statistics.counts.reduce(0, +))
    }

    /// BFGS (GSL's BFGS2) on −ℓ/N, so the gradient tolerance is per observation, in
    /// preconditioned coordinates θ = scale ⊙ u; restarted when its line search stalls (near a
    /// flat optimum a fresh Hessian approximation often goes on), then a Newton polish.
    static func optimise(_ likelihood: ProfiledLikelihood, start: [Double], scale: [Double], observations: Double,
                         options: PriorFitOptions, iterationsSoFar: Int) throws -> (theta: [Double], iterations: Int) {
        var u = zip(start, scale).map { $0 / $1 }
        var iterations = iterationsSoFar
        var lastValue = -Double.infinity
        // Stall rule: when ℓ rises by less than 1e-6 (log-likelihood units, far below any
        // statistical meaning) over 50 iterations, the search is crawling along a flat ridge
        // (typically towards a singular Σ); stop there rather than spend minutes on it. The
        // fit is then reported as not converged, with its gradient.
        var history: [Double] = []
        var stalled = false
        for _ in 0..<5 where iterations < options.maximumIterations && !stalled {
            let before = iterations
            let result = try minimizeBFGS(start: u, initialStep: 0.1, lineSearchTolerance: 0.1,
                                          gradientTolerance: options.gradientTolerance,
                                          maxIterations: options.maximumIterations - iterations,
                                          shouldStop: { iteration, value in
                let ll = -value * observations
                options.progress?(FitProgress(phase: "bfgs", iteration: before + iteration, logLikelihood: ll,
                                              change: ll - (history.last ?? ll)))
                history.append(ll)
                stalled = history.count > 50 && ll - history[history.count - 51] < 1e-6
                return stalled
            }) { u, gradient in
                let evaluation = try likelihood.evaluate(zip(u, scale).map { $0 * $1 })
                for i in gradient.indices { gradient[i] = -evaluation.gradient[i] * scale[i] / observations }
                return -evaluation.logLikelihood / observations
            }
            iterations += Swift.max(result.iterations, 1)
            let value = -result.value * observations
            let improved = value > lastValue
            if improved { u = result.x }
            if result.converged || !improved || value - lastValue <= 1e-12 * abs(value) { break }
            lastValue = value
        }
        var theta = zip(u, scale).map { $0 * $1 }
        if theta.count <= 60 {
            let polished = try newtonPolish(likelihood, start: theta, observations: observations,
                                            tolerance: options.gradientTolerance)
            theta = polished.theta
            iterations += polished.steps
        }
        return (theta, iterations)
    }

    /// Per-parameter scales: the length of each row of the starting Λ, 1 where it is zero. Rows can differ by orders of magnitude when features
    /// have very different scales, or when σ is tiny and Λ = chol(Σ)/σ is huge.
    static func preconditioner(_ lambda: [Double], dimension d: Int, structure: CovarianceStructure) -> [Double] {
        let rowNorms = (0..<d).map { i -> Double in
            let norm = (0..<d).reduce(0.0) { $0 + lambda[i * d + $1] * lambda[i * d + $1] }.squareRoot()
            return norm > 0 && norm.isFinite ? norm : 1
        }
        switch structure {
        case .full:
            var out: [Double] = []
            for i in 0..<d { for _ in 0...i { out.append(rowNorms[i]) } }
            return out
        case .diagonal: return rowNorms
        case .isotropic: return [rowNorms.reduce(0, +) / Double(d)]
        }
    }

    /// Mean of A_i,jj / n_i over tasks with data: the typical size of feature j squared.
    private static func meanGramDiagonal(_ s: TaskStatistics, _ j: Int) -> Double {
        let d = s.dimension
        var sum = 0.0, count = 0
        for t in 0..<s.taskCount where s.counts[t] > 0 {
            sum += s.gram[t * d * d + j * d + j] / Double(s.counts[t]); count += 1
        }
        return count > 0 ? sum / Double(count) : 0
    }
}
