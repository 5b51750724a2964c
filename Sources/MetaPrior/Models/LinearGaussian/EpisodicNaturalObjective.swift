// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The episodic objective Σ_e w_e log p(y_q | X_q, D_s, θ) in natural (information)
/// coordinates of the prior on an r-dimensional affine subspace of the d parameters:
///
///     φ = m + B z,   p(z) ∝ exp(−½ zᵀQz + kᵀz),   Q = RRᵀ (R lower-triangular r×r),
///
/// B = d×r with the identity in its r pivot rows and free entries C in the others, m zero in
/// the pivot rows and free (a) in the others. For Q positive definite this is the Gaussian
/// prior μ = m + BQ⁻¹k, Σ = BQ⁻¹Bᵀ of rank r; the parameters (a, C, R, k, log σ²) number
/// d + dr − r(r−1)/2 + 1, the same as (μ, L, log σ²) at rank r.
///
/// Why: at the noise-free episodic fits the iterates in (μ, L) follow a path on which the top
/// eigenvalue λ of Σ and μ·v along its eigenvector grow together (μ·v ~ cλ); the limit is a
/// prior flat along v. In (Q, k) that limit is a finite point (Q·v → 0, k·v → c) at which the
/// objective is smooth, so Newton converges to it instead of crawling towards infinity.
///
/// The objective needs no normaliser of p(z), so it is defined at a singular Q (an improper
/// prior, flat along null(Q)): log p(y_q | D_s) = F(joint) − F(support) with, for statistics
/// (A = ΦᵀΦ, b = Φᵀy, c = yᵀy, n) and s = σ²,
///
///     F = −(n/2) log(2πs) − e/(2s) − ½ log|M| + ½ gᵀM⁻¹g,
///     M = Q + BᵀAB/s,  g = k + Bᵀ(b − Am)/s,  e = c − 2mᵀb + mᵀAm,
///
/// (F is log p(D) minus ½ log|Q| − ½ kᵀQ⁻¹k, the part of the prior's log normaliser that
/// does not cancel against the z-integral's (2π)^{r/2}; it cancels in the difference). It is finite whenever each support posterior precision
/// M_s = Q + BᵀA_sB/s is positive definite: Φ_s B has full column rank on null(Q).
/// With w = M⁻¹g and S = M⁻¹ its gradient is ∂F/∂k = w, ∂F/∂Q = −½(S + wwᵀ),
/// ∂F/∂m = (b − A(m + Bw))/s, ∂F/∂B = ((b − Am)wᵀ − AB(S + wwᵀ))/s and
/// ∂F/∂s = −n/(2s) + e/(2s²) + ½ tr(S BᵀAB)/s² − wᵀBᵀ(b − Am)/s² + ½ wᵀBᵀABw/s².
final class EpisodicNaturalObjective {
    let statistics: EpisodeStatistics
    /// The r pivot rows of B (B's identity rows, m's zero entries), ascending.
    let pivots: [Int]
    /// The other d − r rows (C's rows, a's entries), ascending.
    let others: [Int]

    init(statistics: EpisodeStatistics, pivots: [Int]) {
        self.statistics = statistics
        self.pivots = pivots.sorted()
        let set = Set(pivots)
        others = (0..<statistics.dimension).filter { !set.contains($0) }
    }

    /// r, the dimension of the subspace.
    var columns: Int { pivots.count }

    /// (d − r) + (d − r)·r + r(r+1)/2 + r + 1.
    var parameterCount: Int {
        let d = statistics.dimension, r = columns
        return (d - r) + (d - r) * r + r * (r + 1) / 2 + r + 1
    }

    /// The prior's parts at θ: m (d), B (d×r row-major), Q = RRᵀ (r×r), R (r×r lower), k (r), σ².
    func unpack(_ theta: [Double]) -> (m: [Double], b: [Double], q: [Double], lower: [Double], k: [Double], noiseVariance: Double) {
        let d = statistics.dimension, r = columns
        var m = [Double](repeating: 0, count: d), b = [Double](repeating: 0, count: d * r)
        var at = 0
        for i in others { m[i] = theta[at]; at += 1 }
        for (j, p) in pivots.enumerated() { b[p * r + j] = 1 }
        for i in others { for j in 0..<r { b[i * r + j] = theta[at]; at += 1 } }
        var lower = [Double](repeating: 0, count: r * r)
        for i in 0..<r { for j in 0...i { lower[i * r + j] = theta[at]; at += 1 } }
        var q = [Double](repeating: 0, count: r * r)
        for i in 0..<r { for j in 0..<r { for l in 0...Swift.min(i, j) { q[i * r + j] += lower[i * r + l] * lower[j * r + l] } } }
        let k = Array(theta[at..<(at + r)])
        return (m, b, q, lower, k, exp(theta[at + r]))
    }

    /// Packs θ from m (its non-pivot entries), B (its non-pivot rows), R, k and σ².
    func pack(m: [Double], b: [Double], lower: [Double], k: [Double], noiseVariance: Double) -> [Double] {
        let r = columns
        var theta = others.map { m[$0] }
        for i in others { for j in 0..<r { theta.append(b[i * r + j]) } }
        for i in 0..<r { for j in 0...i { theta.append(lower[i * r + j]) } }
        return theta + k + [log(noiseVariance)]
    }

    /// One set's residual cross-product r = b − Am (into `resid`, d = m.count entries) and
    /// e = c − 2mᵀb + mᵀAm = ‖y − Φm‖², from its statistics (A = ΦᵀΦ, b = Φᵀy, c = yᵀy).
    static func residual(a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: Double, m: [Double], into resid: inout [Double]) -> Double {
        let d = m.count
        var e = c
        for i in 0..<d {
            var am = 0.0
            for j in 0..<d { am += a[i * d + j] * m[j] }
            resid[i] = b[i] - am
            e += m[i] * (am - 2 * b[i])
        }
        return e
    }

    /// Σ_e w_e log p(y_q | D_s, θ) and, if asked, its gradient in θ.
    /// - Throws: when a support posterior precision is not positive definite (a direction
    ///   that is flat in the prior and not seen by an episode's support set).
    func evaluate(_ theta: [Double], gradient wantGradient: Bool = true) throws -> (value: Double, gradient: [Double]) {
        let d = statistics.dimension, r = columns
        let (m, b, q, lower, k, s) = unpack(theta)
        let st = statistics
        // Accumulated gradients in (m: d, B: d×r, Q: r×r, k: r, s: 1).
        var gm = [Double](repeating: 0, count: d), gb = [Double](repeating: 0, count: d * r)
        var gq = [Double](repeating: 0, count: r * r), gk = [Double](repeating: 0, count: r), gs = 0.0
        var total = 0.0
        var ab = [Double](repeating: 0, count: d * r), mm = [Double](repeating: 0, count: r * r)
        var resid = [Double](repeating: 0, count: d), g = [Double](repeating: 0, count: r), sInv = [Double](repeating: 0, count: r * r)
        func part(_ a: UnsafePointer<Double>, _ bv: UnsafePointer<Double>, c: Double, n: Int, weight: Double) throws -> Double {
            let e = Self.residual(a: a, b: bv, c: c, m: m, into: &resid)
            for i in 0..<d { for j in 0..<r { var x = 0.0; for l in 0..<d { x += a[i * d + l] * b[l * r + j] }; ab[i * r + j] = x } }
            var btab = [Double](repeating: 0, count: r * r)
            for i in 0..<r { for j in 0..<r { var x = 0.0; for l in 0..<d { x += b[l * r + i] * ab[l * r + j] }; btab[i * r + j] = x } }
            for i in 0..<(r * r) { mm[i] = q[i] + btab[i] / s }
            for i in 0..<r { for j in 0..<i { let v = 0.5 * (mm[i * r + j] + mm[j * r + i]); mm[i * r + j] = v; mm[j * r + i] = v } }
            try PointerKernels.choleskyInPlace(&mm, n: r)
            for j in 0..<r { var x = 0.0; for l in 0..<d { x += b[l * r + j] * resid[l] }; g[j] = k[j] + x / s }
            var w = g
            PointerKernels.solveLower(mm, n: r, vector: &w)
            var gw = 0.0
            for j in 0..<r { gw += w[j] * w[j] }
            PointerKernels.solveLower(mm, n: r, vector: &w, transpose: true)
            let value = -0.5 * Double(n) * log(2 * Double.pi * s) - 0.5 * e / s - 0.5 * PointerKernels.logDeterminant(cholesky: mm, n: r) + 0.5 * gw
            guard wantGradient else { return value }
            for i in 0..<(r * r) { sInv[i] = 0 }
            for i in 0..<r { sInv[i * r + i] = 1 }
            PointerKernels.solveLower(mm, n: r, &sInv, columns: r)
            PointerKernels.solveLower(mm, n: r, &sInv, columns: r, transpose: true)
            for i in 0..<r { gk[i] += weight * w[i] }
            for i in 0..<r { for j in 0..<r { gq[i * r + j] -= weight * 0.5 * (w[i] * w[j] + sInv[i * r + j]) } }
            var abw = [Double](repeating: 0, count: d)
            for i in 0..<d { for j in 0..<r { abw[i] += ab[i * r + j] * w[j] } }
            for i in 0..<d { gm[i] += weight * (resid[i] - abw[i]) / s }
            for i in 0..<d {
                for j in 0..<r {
                    var x = resid[i] * w[j] - abw[i] * w[j]
                    for l in 0..<r { x -= ab[i * r + l] * sInv[l * r + j] }
                    gb[i * r + j] += weight * x / s
                }
            }
            var trace = 0.0, wBr = 0.0, wBABw = 0.0
            for i in 0..<r { for j in 0..<r { trace += sInv[i * r + j] * btab[j * r + i]; wBABw += w[i] * btab[i * r + j] * w[j] } }
            for j in 0..<r { var x = 0.0; for l in 0..<d { x += b[l * r + j] * resid[l] }; wBr += w[j] * x }
            gs += weight * (-0.5 * Double(n) / s + 0.5 * e / (s * s) + 0.5 * trace / (s * s) - wBr / (s * s) + 0.5 * wBABw / (s * s))
            return value
        }
        for e in 0..<st.count where st.weights[e] != 0 {
            let w = st.weights[e]
            let joint = try st.jointGram.withUnsafeBufferPointer { a in
                try st.jointCross.withUnsafeBufferPointer { bv in
                    try part(a.baseAddress! + e * d * d, bv.baseAddress! + e * d, c: st.jointSquares[e], n: st.jointCounts[e], weight: w)
                }
            }
            let support = try st.supportGram.withUnsafeBufferPointer { a in
                try st.supportCross.withUnsafeBufferPointer { bv in
                    try part(a.baseAddress! + e * d * d, bv.baseAddress! + e * d, c: st.supportSquares[e], n: st.supportCounts[e], weight: -w)
                }
            }
            total += w * (joint - support)
        }
        guard wantGradient else { return (total, []) }
        // Chain to θ: ∂/∂R = (G + Gᵀ)R for Q = RRᵀ; ∂/∂log σ² = σ² ∂/∂σ².
        var out = others.map { gm[$0] }
        for i in others { for j in 0..<r { out.append(gb[i * r + j]) } }
        for i in 0..<r {
            for j in 0...i {
                var x = 0.0
                for l in 0..<r { x += (gq[i * r + l] + gq[l * r + i]) * lower[l * r + j] }
                out.append(x)
            }
        }
        return (total, out + gk + [s * gs])
    }
}
