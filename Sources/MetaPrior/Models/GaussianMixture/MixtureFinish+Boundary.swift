// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The boundary of Σ_k ⪰ 0 in the finish: the KKT test, rank-one growth and the settling of
/// vanishing directions to exactly zero.
extension MixtureFinish {
    /// Over the components of rank below d, the one with the largest λ_max(Ū_k, P̄_k) − 1, that
    /// excess and its eigenvector v (vᵀP̄_kv = 1); `nil` when every Σ_k has full rank.
    static func worstBoundary(_ objective: MixtureFactorObjective, _ e: MixtureFactorObjective.Evaluation) throws
        -> (component: Int, excess: Double, direction: [Double])? {
        let d = objective.dimension
        var worst: (component: Int, excess: Double, direction: [Double])?
        for c in 0..<objective.componentCount where objective.ranks[c] < d {
            let information = try Matrix(rows: d, columns: d, elements: e.information[c])
            // P̄_k is positive definite when the component holds tasks with full-rank designs;
            // a relative ridge of 1e-12 keeps the test defined otherwise.
            let ridge = 1e-12 * Swift.max(information.trace, 1e-300)
            var ridged = information
            for i in 0..<d { ridged[i, i] += ridge }
            let cholesky = try Cholesky(symmetrized(ridged))
            let left = try cholesky.solveLower(try Matrix(rows: d, columns: d, elements: e.outer[c]))
            var leftT = left
            for i in 0..<d { for j in 0..<d { leftT[i, j] = left[j, i] } }
            let eigen = try SymmetricEigen(symmetrized(try cholesky.solveLower(leftT)))
            let v = try cholesky.solveUpper((0..<d).map { eigen.vectors[$0, d - 1] })
            let excess = eigen.values[d - 1] - 1
            if worst.map({ excess > $0.excess }) ?? true { worst = (c, excess, v) }
        }
        return worst
    }

    /// The best of Σ_c + s·vvᵀ over a grid of s (10⁻⁴ … 10³ in steps of √10, v scaled so that
    /// vᵀP̄v = 1, so s is in units of the data's information), as a factor of rank r_c + 1;
    /// `nil` when none raises ℓ above `current`.
    static func growth(_ objective: MixtureFactorObjective, at x: [Double], component c: Int, direction v: [Double], from current: Double) throws
        -> (objective: MixtureFactorObjective, x: [Double], logLikelihood: Double)? {
        let d = objective.dimension
        var p = objective.unpack(x)
        var ranks = objective.ranks
        let r = ranks[c]
        ranks[c] = r + 1
        let grown = objective.with(ranks: ranks)
        let old = p.factors[c]
        var best: (x: [Double], logLikelihood: Double)?
        for e in 0...14 {
            let root = pow(10, -4 + 0.5 * Double(e)).squareRoot()
            var lambda = [Double](repeating: 0, count: d * (r + 1))
            for i in 0..<d {
                for j in 0..<r { lambda[i * (r + 1) + j] = old[i * r + j] }
                lambda[i * (r + 1) + r] = root * v[i]
            }
            p.factors[c] = PriorFit.trapezoidal(lambda, rows: d, columns: r + 1)
            let point = grown.pack(p)
            guard let value = try? grown.evaluate(point).logLikelihood, value.isFinite else { continue }
            if value > (best?.logLikelihood ?? current) { best = (point, value) }
        }
        return best.map { (grown, $0.x, $0.logLikelihood) }
    }

    /// The factors with every direction of whitened per-task signal-to-noise ratio below
    /// ``settleThreshold`` removed (set exactly to zero; at least one column kept), when ℓ does
    /// not drop by more than round-off, 1e-12·|ℓ|; `nil` when nothing is removed or ℓ drops.
    static func settle(_ objective: MixtureFactorObjective, at x: [Double], scales: [Double], perTask: Double, logLikelihood: Double) throws
        -> (objective: MixtureFactorObjective, x: [Double], logLikelihood: Double)? {
        let d = objective.dimension
        var p = objective.unpack(x)
        var ranks = objective.ranks
        for c in 0..<objective.componentCount {
            let r = ranks[c], l = p.factors[c]
            var whitened = Matrix(rows: d, columns: d)
            for i in 0..<d { for j in 0..<d {
                whitened[i, j] = scales[i] * (0..<r).reduce(0) { $0 + l[i * r + $1] * l[j * r + $1] } * scales[j] / p.noiseVariance
            } }
            let eigen = try SymmetricEigen(symmetrized(whitened))
            let kept = (0..<d).reversed().filter { eigen.values[$0] * perTask >= settleThreshold }.prefix(r)
            guard kept.count < r else { continue }
            ranks[c] = Swift.max(kept.count, 1)
            p.factors[c] = factor(along: Array(kept), of: eigen, scales: scales, noise: p.noiseVariance)
        }
        guard ranks != objective.ranks else { return nil }
        let settled = objective.with(ranks: ranks)
        let point = settled.pack(p)
        guard let value = try? settled.evaluate(point).logLikelihood, value >= logLikelihood - 1e-12 * abs(logLikelihood) else { return nil }
        return (settled, point, value)
    }
}
