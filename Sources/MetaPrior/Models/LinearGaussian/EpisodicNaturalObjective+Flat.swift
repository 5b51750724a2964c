// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension EpisodicNaturalObjective {
    /// The prior at θ as the prior file holds it: N(μ, Σ) on the complement of the flat
    /// directions U, and U with its tilt η (``FlatDirections``), `nil` when Q is positive definite.
    ///
    /// With Q = V diag(λ) Vᵀ split into V_p (λ > `flatTolerance`·λ_max) and V_n (the rest,
    /// taken as exactly 0), z = V_p a + V_n c and the prior is ∝ exp(−½aᵀΛ_p a + k_pᵀa + k_nᵀc)
    /// with k_p = V_pᵀk, k_n = V_nᵀk. The flat span is range(BV_n) = span U: with
    /// (BV_n)ᵀBV_n = CCᵀ (Cholesky), U = BV_nC⁻ᵀ is orthonormal and BV_n c = Uβ with β = Cᵀc, so
    /// p(β) ∝ exp(ηᵀβ), η = C⁻¹k_n. Writing φ = ψ + Uα with ψ = P(m + BV_p a), P = I − UUᵀ and
    /// α = Uᵀ(m + BV_p a) + β (unit Jacobian), exp(ηᵀβ) = exp(ηᵀα)·exp(−ηᵀUᵀ(m + BV_p a)):
    /// α is independent of a, and a's law is tilted to N(Λ_p⁻¹k̃, Λ_p⁻¹), k̃ = k_p − V_pᵀBᵀUη.
    /// Hence μ = P(m + BV_pΛ_p⁻¹k̃) and Σ = (PBV_pΛ_p^{-1/2})(PBV_pΛ_p^{-1/2})ᵀ.
    func flatPrior(_ theta: [Double], flatTolerance: Double) throws -> (prior: GaussianPrior, flat: FlatDirections?) {
        let d = statistics.dimension, r = columns
        let (m, bFlat, q, _, k, s) = unpack(theta)
        let b = try Matrix(rows: d, columns: r, elements: bFlat)
        let eigen = try SymmetricEigen(symmetrized(try Matrix(rows: r, columns: r, elements: q)))
        let top = Swift.max(eigen.values.last ?? 0, 1e-300)
        let nullColumns = (0..<r).filter { eigen.values[$0] <= flatTolerance * top }
        let properColumns = (0..<r).filter { eigen.values[$0] > flatTolerance * top }
        func eigenColumns(_ indices: [Int]) -> Matrix {
            var out = Matrix(rows: r, columns: indices.count)
            for (j, c) in indices.enumerated() { for i in 0..<r { out[i, j] = eigen.vectors[i, c] } }
            return out
        }
        let vp = eigenColumns(properColumns), vn = eigenColumns(nullColumns)
        let f = nullColumns.count
        var u = Matrix(rows: d, columns: f)
        var eta = [Double](repeating: 0, count: f)
        if f > 0 {
            let bvn = try b.multiplied(by: vn)
            let chol = try Cholesky(symmetrized(try bvn.multiplied(by: bvn, transposeLeft: true)))
            // U = BV_n C⁻ᵀ, i.e. Uᵀ = C⁻¹(BV_n)ᵀ.
            u = try chol.solveLower(bvn.transposed).transposed
            eta = try chol.solveLower(try vn.multiplied(by: k, transpose: true))
        }
        // P x = x − U(Uᵀx), applied to vectors and to the columns of BV_p.
        func project(_ x: [Double]) throws -> [Double] {
            guard f > 0 else { return x }
            let along = try u.multiplied(by: try u.multiplied(by: x, transpose: true))
            return zip(x, along).map { $0 - $1 }
        }
        let bvp = try b.multiplied(by: vp)
        let uEta = f > 0 ? try u.multiplied(by: eta) : [Double](repeating: 0, count: d)
        let kp = try vp.multiplied(by: k, transpose: true)
        let tilted = zip(kp, try bvp.multiplied(by: uEta, transpose: true)).map { $0 - $1 }
        let p = properColumns.count
        let lambda = properColumns.map { eigen.values[$0] }
        let a = (0..<p).map { tilted[$0] / lambda[$0] }
        var mean = m
        let shift = try bvp.multiplied(by: a)
        for i in 0..<d { mean[i] += shift[i] }
        mean = try project(mean)
        var w = Matrix(rows: d, columns: p)
        for j in 0..<p {
            let column = try project((0..<d).map { bvp[$0, j] })
            for i in 0..<d { w[i, j] = column[i] / lambda[j].squareRoot() }
        }
        let prior = try GaussianPrior(mean: mean, covariance: symmetrized(try w.multiplied(by: w, transposeRight: true)), noiseVariance: s)
        guard f > 0 else { return (prior, nil) }
        let directions = (0..<f).map { j in (0..<d).map { u[$0, j] } }
        return (prior, try FlatDirections(directions: directions, tilt: eta, mean: mean, covariance: prior.covariance))
    }
}

extension EpisodicNaturalObjective {
    /// θ with the eigenvalues of Q at or below `flatTolerance`·λ_max set to exactly 0: the
    /// prior ``flatPrior(_:flatTolerance:)`` writes, in these coordinates (R rebuilt
    /// lower-triangular from Q's remaining eigen-directions), so that its objective can be
    /// compared with θ's.
    func flattened(_ theta: [Double], flatTolerance: Double) throws -> [Double] {
        let r = columns
        let (m, b, q, _, k, s) = unpack(theta)
        let eigen = try SymmetricEigen(symmetrized(try Matrix(rows: r, columns: r, elements: q)))
        let top = Swift.max(eigen.values.last ?? 0, 1e-300)
        var root = [Double](repeating: 0, count: r * r)
        for c in 0..<r where eigen.values[c] > flatTolerance * top {
            let scale = eigen.values[c].squareRoot()
            for i in 0..<r { root[i * r + c] = eigen.vectors[i, c] * scale }
        }
        return pack(m: m, b: b, lower: PriorFit.trapezoidal(root, rows: r, columns: r), k: k, noiseVariance: s)
    }
}
