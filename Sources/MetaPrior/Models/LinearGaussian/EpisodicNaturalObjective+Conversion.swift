// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension EpisodicNaturalObjective {
    /// The r rows of Σ (rank r) that pivoted Cholesky picks: at each step the index with the
    /// largest remaining (Schur-complement) diagonal, so Σ restricted to them is as well
    /// conditioned as a greedy choice makes it (B = Σ_{:,p} Σ_pp⁻¹ is then bounded). Stops
    /// early where the largest remaining diagonal is at most ``pivotTolerance`` of Σ's largest
    /// diagonal entry: Σ has fewer than r directions there, and a pivot on round-off would
    /// leave Σ_pp too ill-conditioned to factorise.
    static func pivots(of covariance: Matrix, rank r: Int) -> [Int] {
        let d = covariance.rows
        var residual = covariance.elements
        var chosen: [Int] = []
        let largest = (0..<d).reduce(0.0) { Swift.max($0, residual[$1 * d + $1]) }
        for _ in 0..<Swift.min(r, d) {
            guard let p = (0..<d).filter({ !chosen.contains($0) }).max(by: { residual[$0 * d + $0] < residual[$1 * d + $1] }),
                  residual[p * d + p] > pivotTolerance * largest else { break }
            let pivot = residual[p * d + p]
            let column = (0..<d).map { residual[$0 * d + p] }
            for i in 0..<d { for j in 0..<d { residual[i * d + j] -= column[i] * column[j] / pivot } }
            chosen.append(p)
        }
        return chosen.sorted()
    }

    /// Relative size of a Schur-complement diagonal below which ``pivots(of:rank:)`` stops:
    /// 1e-10, the relative tolerance ``FlatDirections`` accepts as round-off (Σ = LLᵀ is exact
    /// to ~1e-16·d relative, so real directions sit far above it). Measured: on sinusoid-line,
    /// rbf:10, K = 20 (1,000 tasks and episodes) the (μ, L) stage handed over with 8 columns
    /// and a Σ of numerical rank 7, and the eighth pivot's Cholesky failed.
    static let pivotTolerance = 1e-10

    /// θ at the proper prior N(μ, Σ) whose Σ has rank r = `columns` with Σ_pp positive definite
    /// on the pivots: by Nyström, Σ = B Σ_pp Bᵀ with B = Σ_{:,p} Σ_pp⁻¹ (exact at rank r), so
    /// Q = Σ_pp⁻¹, R = chol(Q), and μ = m + B t with t = μ_p, k = Q t.
    func parameters(mean: [Double], covariance: Matrix, noiseVariance: Double) throws -> [Double] {
        let d = statistics.dimension, r = columns
        var block = Matrix(rows: r, columns: r)
        for (i, p) in pivots.enumerated() { for (j, q) in pivots.enumerated() { block[i, j] = covariance[p, q] } }
        let q = try Cholesky(symmetrized(block)).inverse()
        let lower = try Cholesky(symmetrized(q)).lower
        var b = [Double](repeating: 0, count: d * r)
        for i in 0..<d { for j in 0..<r { b[i * r + j] = pivots.indices.reduce(0.0) { $0 + covariance[i, pivots[$1]] * q[$1, j] } } }
        for (j, p) in pivots.enumerated() { for l in 0..<r { b[p * r + l] = l == j ? 1 : 0 } }
        let t = pivots.map { mean[$0] }
        var m = mean
        for i in 0..<d { for j in 0..<r { m[i] -= b[i * r + j] * t[j] } }
        let k = (0..<r).map { i in (0..<r).reduce(0.0) { $0 + q[i, $1] * t[$1] } }
        return pack(m: m, b: b, lower: lower.elements, k: k, noiseVariance: noiseVariance)
    }

    /// The proper prior at θ, μ = m + BQ⁻¹k and Σ = BQ⁻¹Bᵀ, or nil when Q is not positive
    /// definite (the prior is flat along null(Q)).
    func prior(_ theta: [Double]) throws -> GaussianPrior? {
        let d = statistics.dimension, r = columns
        let (m, b, q, _, k, s) = unpack(theta)
        guard let chol = try? Cholesky(Matrix(rows: r, columns: r, elements: q)) else { return nil }
        let inverse = try chol.inverse()
        let z = try chol.solve(k)
        var sigma = Matrix(rows: d, columns: d)
        var mean = m
        for i in 0..<d {
            for j in 0..<r { mean[i] += b[i * r + j] * z[j] }
            for l in 0..<d {
                var x = 0.0
                for a in 0..<r { for c in 0..<r { x += b[i * r + a] * inverse[a, c] * b[l * r + c] } }
                sigma[i, l] = x
            }
        }
        return try GaussianPrior(mean: mean, covariance: symmetrized(sigma), noiseVariance: s)
    }
}
