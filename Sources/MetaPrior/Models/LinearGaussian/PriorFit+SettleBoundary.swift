// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension PriorFit {
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

extension PriorFit {
    /// Newton steps at the rank ``settleBoundary(_:theta:)`` left, where it removed directions
    /// and the exact Hessian is affordable there (full structure, no floored rows, no task
    /// descriptors, at most ``newtonParameterLimit`` parameters): they measure the Newton
    /// decrement at the point reported and polish its gradient. `nil` where they do not apply
    /// or lower ℓ beyond round-off. With `maximumSteps` 0 (the iteration budget spent) the
    /// decrement is still measured.
    ///
    /// Why: the decrement of the rounds was measured at their rank, in the columns that the
    /// settled directions then lost, so it no longer describes the final point, and the
    /// gradient there can sit just above the tolerance at the precision ℓ is computed to. On
    /// 1,000 noise-free sinusoid tasks (rbf:10, `simulate sinusoid --seed 1`) the rounds met the
    /// criterion by their decrement at 11 columns, the settled point kept 6, and the fit was
    /// reported "stalled" with a gradient of 2.3e-8 against the tolerance 1e-8.
    static func polishSettled(_ likelihood: ProfiledLikelihood, _ settled: (evaluation: ProfiledLikelihood.Evaluation, rank: Int, floored: [Int]),
                              options: PriorFitOptions, maximumSteps: Int)
        throws -> (likelihood: ProfiledLikelihood, evaluation: ProfiledLikelihood.Evaluation, steps: Int, decrement: Double)? {
        let statistics = likelihood.statistics
        let d = statistics.dimension, r = settled.evaluation.columns, rank = settled.rank
        guard likelihood.structure == .full, rank >= 1, rank < r, settled.floored.isEmpty, statistics.descriptors == nil,
              !options.expired else { return nil }
        let smaller = ProfiledLikelihood(statistics: statistics, structure: .full, columns: rank, noiseFloor: likelihood.noiseFloor)
        guard smaller.parameterCount <= newtonParameterLimit else { return nil }
        // The settled factor keeps its directions in the leading columns (the trailing ones are zero).
        var lambda = [Double](repeating: 0, count: d * rank)
        for i in 0..<d { for c in 0..<rank { lambda[i * rank + c] = settled.evaluation.factor[i * r + c] } }
        let start = smaller.parameters(ofFactor: trapezoidal(lambda, rows: d, columns: rank))
        let polished = try newtonPolish(smaller, start: start, scale: smaller.parameterScales(), options: options, maximumSteps: maximumSteps)
        let evaluation = try smaller.evaluate(polished.theta)
        let before = settled.evaluation.logLikelihood
        guard evaluation.logLikelihood >= before - 1e-12 * abs(before) else { return nil }
        return (smaller, evaluation, polished.steps, polished.decrement)
    }
}
