// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The exact Hessian of the episodic objective in θ = (μ, L, log σ²).
///
/// Why analytic: at the noise-free fits the Hessian's curvatures span ~12 orders of magnitude
/// and the fit ends on a ridge whose curvature is ~1e-10 of the largest; a Hessian by central
/// differences of the gradient carries errors of that size, which flip the sign of the ridge's
/// eigenvalues from step to step and keep the Newton decrement from settling (issue 11).
///
/// For one set of points, ℓ = −½(n log 2π + log|V| + eᵀV⁻¹e) with V = σ²I + ΦΣΦᵀ, e = y − Φμ,
/// α = V⁻¹e. Along directions 1, 2 (dV = ΦdΣΦᵀ + dσ²I, de = −Φdμ),
///
///     d²ℓ = ½ tr(V⁻¹dV₁V⁻¹dV₂) − αᵀdV₁V⁻¹dV₂α − de₁ᵀV⁻¹de₂ + de₁ᵀV⁻¹dV₂α + de₂ᵀV⁻¹dV₁α,
///
/// plus ∇ℓ applied to the second derivative of (Σ, σ²) in θ (dL₁dL₂ᵀ + dL₂dL₁ᵀ; σ²ds²). In
/// feature space it needs X = ΦᵀV⁻¹Φ, g = ΦᵀV⁻¹e, X₂ = ΦᵀV⁻²Φ, g₂ = ΦᵀV⁻²e, tr V⁻² and
/// eᵀV⁻³e, all from the Woodbury core with M = σ²I + LᵀAL, Z = M⁻¹LᵀA, w = M⁻¹Lᵀ(b − Aμ):
///
///     X₂ = (X − ZᵀZ)/σ²,  g₂ = (g − Zᵀw)/σ²,  tr V⁻² = (n − d)/σ⁴ + ‖M⁻¹‖²_F,
///     eᵀV⁻³e = (eᵀV⁻²e − wᵀM⁻¹w)/σ²   (LᵀΦᵀα = w).
///
/// With l_j the j-th column of L, B = XL, C = LᵀXL, u = Lᵀg and G = ½(ggᵀ − X) = ∂ℓ/∂Σ, the
/// entries (i, j), (k, l) of L give
///
///     B_kj B_il + X_ik C_jl − u_j u_l X_ik − u_j g_k B_il − g_i u_l B_kj − g_i g_k C_jl + 2 G_ki [j = l],
///
/// μ_a with L_kl: −(u_l X_ak + g_k B_al); μ_a with μ_b: −X_ab; μ_a with s = log σ²: −σ² g₂_a;
/// L_ij with s: σ²((X₂L)_ij − g_i (Lᵀg₂)_j − u_j g₂_i); s with s: σ⁴(½ tr V⁻² − eᵀV⁻³e) + σ² ∂ℓ/∂σ².
extension EpisodicObjective {
    /// The entries (i, j) of L the factor's parameters move, and for each parameter the
    /// entries it sets (all with coefficient 1: every structure is linear in its parameters).
    private var entryMap: (entries: [(row: Int, column: Int)], groups: [[Int]]) {
        let d = statistics.dimension
        switch structure {
        case .full:
            let entries = (0..<d).flatMap { i in (0...Swift.min(i, columns - 1)).map { (row: i, column: $0) } }
            return (entries, entries.indices.map { [$0] })
        case .diagonal:
            return ((0..<d).map { (row: $0, column: $0) }, (0..<d).map { [$0] })
        case .isotropic:
            return ((0..<d).map { (row: $0, column: $0) }, [Array(0..<d)])
        }
    }

    /// Σ_e w_e log p(y_q | D_s, θ), its gradient and its Hessian (parameterCount²) in θ.
    func secondOrder(_ theta: [Double]) throws -> (value: Double, gradient: [Double], hessian: Matrix) {
        let d = statistics.dimension, s = statistics
        let (mean, lambda, sigma2) = unpack(theta)
        let (entries, groups) = entryMap
        let p = d + entries.count + 1
        let stride = 1 + p + p * p
        let chunks = DeterministicParallel.chunkCount(count: s.count, chunkSize: Self.chunkSize)
        var partial = [Double](repeating: 0, count: Swift.max(chunks, 1) * stride)
        var failure: Error?
        let lock = NSLock()
        partial.withUnsafeMutableBufferPointer { P in
            DeterministicParallel.forEachChunk(count: s.count, chunkSize: Self.chunkSize) { chunk, range in
                var work = HessianWorkspace(dimension: d)
                let sums = P.baseAddress! + chunk * stride
                do {
                    for k in range where s.weights[k] != 0 {
                        for (joint, weight) in [(true, s.weights[k]), (false, -s.weights[k])] {
                            let gram = joint ? s.jointGram : s.supportGram, cross = joint ? s.jointCross : s.supportCross
                            try gram.withUnsafeBufferPointer { a in
                                try cross.withUnsafeBufferPointer { b in
                                    try work.accumulate(a: a.baseAddress! + k * d * d, b: b.baseAddress! + k * d,
                                                        c: joint ? s.jointSquares[k] : s.supportSquares[k],
                                                        n: joint ? s.jointCounts[k] : s.supportCounts[k],
                                                        mean: mean, factor: lambda, noiseVariance: sigma2, weight: weight,
                                                        entries: entries, sums: sums)
                                }
                            }
                        }
                    }
                } catch {
                    lock.lock(); if failure == nil { failure = error }; lock.unlock()
                }
            }
        }
        if let failure { throw GSLError(.domain, operation: "episodic objective's Hessian", reason: "\(failure)") }
        var total = [Double](repeating: 0, count: stride)
        for chunk in 0..<chunks { for i in 0..<stride { total[i] += partial[chunk * stride + i] } }
        // Entries to parameters: θ-index lists (μ, each factor parameter's entries, log σ²).
        let index: [[Int]] = (0..<d).map { [$0] } + groups.map { $0.map { d + $0 } } + [[p - 1]]
        let q = index.count
        let gradient = index.map { $0.reduce(0.0) { $0 + total[1 + $1] } }
        var hessian = Matrix(rows: q, columns: q)
        for a in 0..<q {
            for b in a..<q {
                var value = 0.0
                for i in index[a] { for j in index[b] { value += total[1 + p + Swift.min(i, j) * p + Swift.max(i, j)] } }
                hessian[a, b] = value
                hessian[b, a] = value
            }
        }
        return (total[0], gradient, hessian)
    }
}

/// Scratch space for one thread: one set's log marginal likelihood, gradient and Hessian in
/// (μ, entries of L, log σ²), accumulated with a weight (see `EpisodicObjective.secondOrder`).
struct HessianWorkspace {
    let d: Int
    var chol: [Double], cl: [Double], rinv: [Double], minv: [Double], z: [Double], x: [Double], x2: [Double]
    var bx: [Double], cx: [Double], x2l: [Double], gG: [Double]
    var am: [Double], r: [Double], t: [Double], w: [Double], lw: [Double], alw: [Double], g: [Double], g2: [Double]
    var u: [Double], q2: [Double], mw: [Double]

    init(dimension d: Int) {
        self.d = d
        let square = [Double](repeating: 0, count: d * d), vector = [Double](repeating: 0, count: d)
        (chol, cl, rinv, minv, z, x, x2, bx, cx, x2l, gG) = (square, square, square, square, square, square, square, square, square, square, square)
        (am, r, t, w, lw, alw, g, g2, u, q2, mw) = (vector, vector, vector, vector, vector, vector, vector, vector, vector, vector, vector)
    }

    /// Adds `weight` × (ℓ, ∇ℓ, ∇²ℓ) of the set (A, b, c, n) to `sums` = [value, gradient (p),
    /// Hessian (p×p, upper triangle)], p = d + entries + 1, in (μ, the listed entries of L, log σ²).
    mutating func accumulate(a: UnsafePointer<Double>, b: UnsafePointer<Double>, c cc: Double, n: Int,
                             mean mu: [Double], factor L: [Double], noiseVariance s2: Double, weight: Double,
                             entries: [(row: Int, column: Int)], sums: UnsafeMutablePointer<Double>) throws {
        let d = self.d
        let e = entries.count, p = d + e + 1
        // Woodbury core: r = b − Aμ, C = LᵀA (in cl), M = CL + σ²I = RRᵀ (R in chol), t = Lᵀr.
        PointerKernels.multiply(a, vector: mu, into: &am, rows: d, columns: d)
        for i in 0..<d { r[i] = b[i] - am[i] }
        var ee = cc
        for i in 0..<d { ee += mu[i] * (am[i] - 2 * b[i]) }
        PointerKernels.multiply(L, a, into: &cl, m: d, n: d, k: d, transposeA: true)
        PointerKernels.multiply(cl, L, into: &chol, m: d, n: d, k: d)
        for i in 0..<d {
            chol[i * d + i] += s2
            for j in 0..<i { let v = 0.5 * (chol[i * d + j] + chol[j * d + i]); chol[i * d + j] = v; chol[j * d + i] = v }
        }
        try PointerKernels.choleskyInPlace(&chol, n: d)
        PointerKernels.multiply(L, vector: r, into: &t, rows: d, columns: d, transpose: true)
        for i in 0..<d { w[i] = t[i] }
        PointerKernels.solveLower(chol, n: d, vector: &w)
        let tw = w.reduce(0) { $0 + $1 * $1 }
        PointerKernels.solveLower(chol, n: d, vector: &w, transpose: true)   // w = M⁻¹t
        let ww = w.reduce(0) { $0 + $1 * $1 }
        let nd = Double(n - d)
        let value = -0.5 * (Double(n) * log(2 * Double.pi) + nd * log(s2) + PointerKernels.logDeterminant(cholesky: chol, n: d) + (ee - tw) / s2)
        // M⁻¹ = R⁻ᵀR⁻¹; Z = M⁻¹C; X = (A − CᵀZ)/σ²; X₂ = (X − ZᵀZ)/σ².
        for i in 0..<(d * d) { rinv[i] = 0 }
        for i in 0..<d { rinv[i * d + i] = 1 }
        PointerKernels.solveLower(chol, n: d, &rinv, columns: d)
        let traceM1 = rinv.reduce(0) { $0 + $1 * $1 }
        PointerKernels.multiply(rinv, rinv, into: &minv, m: d, n: d, k: d, transposeA: true)
        let traceM2 = minv.reduce(0) { $0 + $1 * $1 }
        PointerKernels.multiply(minv, cl, into: &z, m: d, n: d, k: d)
        PointerKernels.multiply(cl, z, into: &x, m: d, n: d, k: d, transposeA: true)
        for i in 0..<(d * d) { x[i] = (a[i] - x[i]) / s2 }
        PointerKernels.multiply(z, z, into: &x2, m: d, n: d, k: d, transposeA: true)
        for i in 0..<(d * d) { x2[i] = (x[i] - x2[i]) / s2 }
        // g = (r − ALw)/σ², g₂ = (g − Zᵀw)/σ².
        PointerKernels.multiply(L, vector: w, into: &lw, rows: d, columns: d)
        PointerKernels.multiply(a, vector: lw, into: &alw, rows: d, columns: d)
        for i in 0..<d { g[i] = (r[i] - alw[i]) / s2 }
        PointerKernels.multiply(z, vector: w, into: &g2, rows: d, columns: d, transpose: true)
        for i in 0..<d { g2[i] = (g[i] - g2[i]) / s2 }
        PointerKernels.multiply(minv, vector: w, into: &mw, rows: d, columns: d)
        var wMw = 0.0
        for i in 0..<d { wMw += w[i] * mw[i] }
        let eV2e = (ee - tw - s2 * ww) / (s2 * s2)
        let eV3e = (eV2e - wMw) / s2
        let traceV1 = nd / s2 + traceM1, traceV2 = nd / (s2 * s2) + traceM2
        let dSigma2 = 0.5 * (eV2e - traceV1)
        // B = XL, C = LᵀB, u = Lᵀg, X₂L, Lᵀg₂, G = ½(ggᵀ − X), GL (in gG).
        PointerKernels.multiply(x, L, into: &bx, m: d, n: d, k: d)
        PointerKernels.multiply(L, bx, into: &cx, m: d, n: d, k: d, transposeA: true)
        PointerKernels.multiply(L, vector: g, into: &u, rows: d, columns: d, transpose: true)
        PointerKernels.multiply(x2, L, into: &x2l, m: d, n: d, k: d)
        PointerKernels.multiply(L, vector: g2, into: &q2, rows: d, columns: d, transpose: true)
        for i in 0..<d { for j in 0..<d { rinv[i * d + j] = 0.5 * (g[i] * g[j] - x[i * d + j]) } }   // G
        PointerKernels.multiply(rinv, L, into: &gG, m: d, n: d, k: d)

        // Value and gradient.
        sums[0] += weight * value
        let grad = sums + 1
        for i in 0..<d { grad[i] += weight * g[i] }
        for (k, entry) in entries.enumerated() { grad[d + k] += weight * 2 * gG[entry.row * d + entry.column] }
        grad[p - 1] += weight * s2 * dSigma2
        // Hessian (upper triangle, row-major p×p).
        let h = sums + 1 + p
        for a0 in 0..<d {
            for b0 in a0..<d { h[a0 * p + b0] -= weight * x[a0 * d + b0] }
            for (q, entry) in entries.enumerated() {
                let (k, l) = entry
                h[a0 * p + d + q] -= weight * (u[l] * x[a0 * d + k] + g[k] * bx[a0 * d + l])
            }
            h[a0 * p + p - 1] -= weight * s2 * g2[a0]
        }
        for (pIndex, first) in entries.enumerated() {
            let (i, j) = first
            let row = (d + pIndex) * p
            for qIndex in pIndex..<e {
                let (k, l) = entries[qIndex]
                var value = bx[k * d + j] * bx[i * d + l] + x[i * d + k] * cx[j * d + l]
                value -= u[j] * u[l] * x[i * d + k] + u[j] * g[k] * bx[i * d + l] + g[i] * u[l] * bx[k * d + j] + g[i] * g[k] * cx[j * d + l]
                if j == l { value += 2 * rinv[k * d + i] }
                h[row + d + qIndex] += weight * value
            }
            h[row + p - 1] += weight * s2 * (x2l[i * d + j] - g[i] * q2[j] - u[j] * g2[i])
        }
        h[(p - 1) * p + p - 1] += weight * (s2 * s2 * (0.5 * traceV2 - eV3e) + s2 * dSigma2)
    }
}
