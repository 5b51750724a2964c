// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// One task under one Gaussian component N(μ_k, Σ_k) with noise σ²: the task's log marginal
/// likelihood log p(D | μ_k, Σ_k, σ²), its posterior N(m, S) and the expected residual sum of
/// squares E‖y − Φφ‖² under that posterior — the three things an EM step of the mixture needs.
///
/// Computed from the task's sufficient statistics (A = ΦᵀΦ, b = Φᵀy, c = yᵀy, n) with a factor
/// F of Σ_k (never Σ_k⁻¹), as ``ExpectationMaximisation`` does for one component, so a singular
/// Σ_k is exact:
///
///     M = σ²I + FᵀAF = RRᵀ,  Y = R⁻¹Fᵀ,  h = Y(b − Aμ)
///     m = μ + Yᵀh,  S = σ²YᵀY
///     ℓ = −n/2 log 2π − (n − d)/2 log σ² − ½ log|M| − [c − 2μᵀb + μᵀAμ − ‖h‖²]/(2σ²)
///     r = c − 2mᵀb + mᵀAm + tr(AS)
struct ComponentTaskFit {
    /// log p(D | μ_k, Σ_k, σ²).
    var logLikelihood: Double
    /// Posterior mean m.
    var mean: [Double]
    /// Posterior covariance S.
    var covariance: Matrix
    /// E‖y − Φφ‖² under N(m, S).
    var residual: Double

    /// The task with statistics `a` (d×d), `b`, `c`, `n` under `prior` (its mean, factor and σ²).
    init(gram a: Matrix, cross b: [Double], squares c: Double, count n: Int, prior: GaussianPrior) throws {
        let d = prior.dimension
        let sigma2 = prior.noiseVariance
        let f = prior.factor
        var m = try f.multiplied(by: try a.multiplied(by: f), transposeLeft: true)
        for i in 0..<d { m[i, i] += sigma2 }
        let r = try Cholesky(symmetrized(m))
        let y = try r.solveLower(f.transposed)
        let aMu = try a.multiplied(by: prior.mean)
        var g = b
        for i in 0..<d { g[i] -= aMu[i] }
        let h = try y.multiplied(by: g)
        let shift = try y.multiplied(by: h, transpose: true)
        let post = (0..<d).map { prior.mean[$0] + shift[$0] }
        let s = symmetrized(sigma2 * (try y.multiplied(by: y, transposeLeft: true)))
        var quad = c
        for i in 0..<d { quad += prior.mean[i] * (aMu[i] - 2 * b[i]) - h[i] * h[i] }
        let nn = Double(n)
        logLikelihood = -0.5 * nn * log(2 * Double.pi) - 0.5 * (nn - Double(d)) * log(sigma2) - 0.5 * r.logDeterminant - 0.5 * quad / sigma2
        let am = try a.multiplied(by: post)
        var residual = c
        for i in 0..<d {
            residual += post[i] * (am[i] - 2 * b[i])
            for j in 0..<d { residual += a[i, j] * s[j, i] }
        }
        self.mean = post
        self.covariance = s
        self.residual = residual
    }
}

extension TaskStatistics {
    /// Task `t`'s A_t, b_t, c_t and n_t as a matrix and vectors.
    func task(_ t: Int) throws -> (gram: Matrix, cross: [Double], squares: Double, count: Int) {
        let d = dimension
        return (try Matrix(rows: d, columns: d, elements: Array(gram[(t * d * d)..<((t + 1) * d * d)])),
                Array(cross[(t * d)..<((t + 1) * d)]), targetSquares[t], counts[t])
    }
}

/// log Σ_k exp(x_k), stable: the largest term factored out.
func logSumExp(_ x: [Double]) -> Double {
    guard let top = x.max(), top.isFinite else { return x.max() ?? -.infinity }
    return top + log(x.reduce(0) { $0 + exp($1 - top) })
}
