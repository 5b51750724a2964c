// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension FlatDirections {
    /// Σ_i w_i log p(D_i) under the prior flat along U, with p(α) = exp(ηᵀα) taken with unit
    /// constant (an improper prior has no normaliser; this is the convention that makes
    /// log p(D) the λ → ∞ limit of log p_λ(D) + (f/2) log(2πλ) + λ|η|²/2 under the proper
    /// N(μ + λUη, Σ + λUUᵀ), whose density along α is (2πλ)^{-f/2} exp(ηᵀα − |α|²/(2λ) − λ|η|²/2)).
    ///
    /// Per task, by Bayes' rule at the posterior mean m (any point would do):
    /// log p(D) = log p(D | m) + log p̃(m) − log q(m), with log p(D | m) =
    /// −(n/2) log 2πσ² − (c − 2mᵀb + mᵀAm)/(2σ²), log p̃(m) = log N(Pm; μ, Σ) + ηᵀUᵀm
    /// (P = I − UUᵀ; N on the range of Σ, with its pseudo-determinant) and log q(m) = the
    /// posterior's normaliser on its range (of dimension rank Σ + f: the same subspace).
    /// - Throws: ``InputError`` when a task does not determine every flat direction.
    func logMarginalLikelihood(proper: GaussianPrior, statistics: TaskStatistics, featureNames: [String]) throws -> Double {
        let d = proper.dimension, s = proper.noiseVariance
        let eigen = try SymmetricEigen(symmetrized(proper.covariance))
        let top = Swift.max(eigen.values.last ?? 0, 1e-300)
        let kept = (0..<d).filter { eigen.values[$0] > 1e-12 * top }
        let logPseudoDeterminant = kept.reduce(0.0) { $0 + log(eigen.values[$1]) }
        let priorConstant = -0.5 * Double(kept.count) * log(2 * Double.pi) - 0.5 * logPseudoDeterminant
        var total = 0.0
        for t in 0..<statistics.taskCount where statistics.weights[t] != 0 {
            let a = try Matrix(rows: d, columns: d, elements: Array(statistics.gram[(t * d * d)..<((t + 1) * d * d)]))
            let b = Array(statistics.cross[(t * d)..<((t + 1) * d)])
            let posterior = try posterior(proper: proper, gram: a, cross: b, points: statistics.counts[t], featureNames: featureNames)
            let m = posterior.mean
            let am = try a.multiplied(by: m)
            var e = statistics.targetSquares[t]
            for i in 0..<d { e += m[i] * (am[i] - 2 * b[i]) }
            let likelihood = -0.5 * Double(statistics.counts[t]) * log(2 * Double.pi * s) - 0.5 * e / s
            let along = try basis.multiplied(by: m, transpose: true)
            let back = try basis.multiplied(by: along)
            let deviation = (0..<d).map { m[$0] - back[$0] - proper.mean[$0] }
            var quadratic = 0.0
            for c in kept {
                let x = (0..<d).reduce(0.0) { $0 + eigen.vectors[$1, c] * deviation[$1] }
                quadratic += x * x / eigen.values[c]
            }
            let prior = priorConstant - 0.5 * quadratic + zip(tilt, along).reduce(0.0) { $0 + $1.0 * $1.1 }
            total += statistics.weights[t] * (likelihood + prior - posterior.logNormaliser)
        }
        return total
    }
}
