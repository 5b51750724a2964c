// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The exact Hessian of the episodic objective in the natural coordinates
/// θ = (a, C, R, k, t = log σ²) of `EpisodicNaturalObjective`, in one pass over the episodes.
///
/// Why analytic: the natural stage's Hessian by central differences of the gradient (2k
/// gradient passes per step) carries errors ~1e-10 of its largest curvature, the size of the
/// curvatures along the near-flat directions at the noise-free fits; the Newton decrement
/// divides by them, so it wandered around 1e-9–1e-8 and the K = 10/20 sinusoid fits stopped at
/// the step cap (issue 11). The exact one is also cheaper (one pass instead of 2k).
///
/// Each set (support or joint) contributes F = −(n/2) log(2πs) − e/(2s) + G(M, g) with
/// G = −½ log|M| + ½ gᵀM⁻¹g, M = Q + P/s, g = k + h/s, P = BᵀAB, h = Bᵀ(b − Am) (see the type's
/// comment). With S = M⁻¹, w = Sg and T = S + wwᵀ, dG = wᵀdg − ½ tr(T dM), and along two
/// parameter directions 1, 2 (dw = S(dg − dM w))
///
///     d²G = v₁ᵀSv₂ + ½ tr(S dM₁ S dM₂) + wᵀd²g − ½ tr(T d²M),   v = dg − dM w.
///
/// With S = L⁻ᵀL⁻¹ (M = LLᵀ) the first two terms are the Gram matrix of the rows
/// [L⁻¹v, Z/√2] with Z = L⁻¹dM L⁻ᵀ (symmetric, so its upper triangle with off-diagonals
/// weighted 1 and the diagonal 1/√2), one matrix product per set. The first derivatives, with
/// ab_i = row i of AB, resid = b − Am:
///
///     a_i (m_i, i not a pivot):  dg = −ab_i/s
///     C_ij (B_ij):               dM = (e_j ab_iᵀ + ab_i e_jᵀ)/s,  dg = e_j resid_i/s
///     R_ij:                      dM = e_i R_{:j}ᵀ + R_{:j} e_iᵀ
///     k_j:                       dg = e_j
///     t:                         dM = −P/s,  dg = −h/s,  and −n/2 + e/(2s) from the rest,
///
/// and the second derivatives that are not zero (d²g, d²M, and the part outside G):
///
///     a_i, a_l: −A_il/s          a_i, C_lj: −w_j A_li/s          C_ij, C_lm: −A_il T_jm/s
///     R_ij, R_lm: −[j = m] T_il  t, a_i: (ABw)_i/s − resid_i/s
///     t, C_ij: −w_j resid_i/s + (T ab_i)_j/s                     t, t: wᵀh/s − ½ tr(TP)/s − e/(2s).
extension EpisodicNaturalObjective {
    /// Σ_e w_e log p(y_q | D_s, θ), its gradient and its Hessian (parameterCount²) in θ.
    /// Parallel over chunks of episodes of a fixed size, summed in chunk order, so the result
    /// does not depend on the number of threads.
    /// - Throws: when a support posterior precision is not positive definite.
    func secondOrder(_ theta: [Double]) throws -> (value: Double, gradient: [Double], hessian: Matrix) {
        let st = statistics, d = st.dimension, p = parameterCount
        let parts = unpack(theta)
        let stride = 1 + p + p * p
        let chunks = DeterministicParallel.chunkCount(count: st.count, chunkSize: EpisodicObjective.chunkSize)
        var partial = [Double](repeating: 0, count: Swift.max(chunks, 1) * stride)
        var failure: Error?
        let lock = NSLock()
        partial.withUnsafeMutableBufferPointer { buffer in
            DeterministicParallel.forEachChunk(count: st.count, chunkSize: EpisodicObjective.chunkSize) { chunk, range in
                var work = NaturalHessianWorkspace(objective: self, m: parts.m, b: parts.b, q: parts.q, lower: parts.lower,
                                                   k: parts.k, noiseVariance: parts.noiseVariance)
                let sums = buffer.baseAddress! + chunk * stride
                do {
                    for e in range where st.weights[e] != 0 {
                        for joint in [true, false] {
                            let gram = joint ? st.jointGram : st.supportGram, cross = joint ? st.jointCross : st.supportCross
                            try gram.withUnsafeBufferPointer { a in
                                try cross.withUnsafeBufferPointer { b in
                                    try work.accumulate(a: a.baseAddress! + e * d * d, b: b.baseAddress! + e * d,
                                                        c: joint ? st.jointSquares[e] : st.supportSquares[e],
                                                        n: joint ? st.jointCounts[e] : st.supportCounts[e],
                                                        weight: joint ? st.weights[e] : -st.weights[e], sums: sums)
                                }
                            }
                        }
                    }
                } catch {
                    lock.lock(); if failure == nil { failure = error }; lock.unlock()
                }
            }
        }
        if let failure { throw failure }
        var total = [Double](repeating: 0, count: stride)
        for chunk in 0..<chunks { for i in 0..<stride { total[i] += partial[chunk * stride + i] } }
        var hessian = Matrix(rows: p, columns: p)
        for i in 0..<p { for j in i..<p { let v = 0.5 * (total[1 + p + i * p + j] + total[1 + p + j * p + i]); hessian[i, j] = v; hessian[j, i] = v } }
        return (total[0], Array(total[1...p]), hessian)
    }
}

/// Scratch space for one thread of `EpisodicNaturalObjective.secondOrder`: one set's F, ∇F and
/// ∇²F in θ, added with a weight to [value, gradient (p), Hessian (p×p row-major)].
struct NaturalHessianWorkspace {
    let d: Int, r: Int, p: Int
    let others: [Int]
    let m: [Double], bm: [Double], q: [Double], lower: [Double], k: [Double], s: Double
    /// Where each block of θ starts: a (d − r), C ((d − r)·r), R (r(r+1)/2), k (r), then t.
    let cStart: Int, rStart: Int, kStart: Int
    var ab: [Double], resid: [Double], pm: [Double], h: [Double], chol: [Double], linv: [Double], t: [Double], w: [Double]
    var dm: [Double], v: [Double], rows: [Double], width: Int

    init(objective: EpisodicNaturalObjective, m: [Double], b: [Double], q: [Double], lower: [Double], k: [Double], noiseVariance: Double) {
        d = objective.statistics.dimension; r = objective.columns; p = objective.parameterCount
        others = objective.others
        (self.m, bm, self.q, self.lower, self.k, s) = (m, b, q, lower, k, noiseVariance)
        cStart = d - r; rStart = cStart + (d - r) * r; kStart = rStart + r * (r + 1) / 2
        width = r + r * (r + 1) / 2
        ab = [Double](repeating: 0, count: d * r); resid = [Double](repeating: 0, count: d)
        pm = [Double](repeating: 0, count: r * r); h = [Double](repeating: 0, count: r)
        chol = pm; linv = pm; t = pm; w = h; dm = pm; v = h
        rows = [Double](repeating: 0, count: p * width)
    }

    /// Writes row `index` of the Gram factor, [L⁻¹v, Z/√2], from v = dg − dM·w (in `v`) and dM
    /// (in `dm`, r×r symmetric; ignored when the parameter does not move M). Overwrites both.
    private mutating func row(_ index: Int, hasCurvature: Bool) {
        let r = self.r
        PointerKernels.solveLower(chol, n: r, vector: &v)
        let out = index * width
        for i in 0..<r { rows[out + i] = v[i] }
        var at = out + r
        guard hasCurvature else { for i in 0..<(width - r) { rows[at + i] = 0 }; return }
        // Z = L⁻¹ dM L⁻ᵀ = L⁻¹ (L⁻¹ dM)ᵀ (dM symmetric).
        PointerKernels.solveLower(chol, n: r, &dm, columns: r)
        for i in 0..<r { for j in 0..<i { let x = dm[i * r + j]; dm[i * r + j] = dm[j * r + i]; dm[j * r + i] = x } }
        PointerKernels.solveLower(chol, n: r, &dm, columns: r)
        for i in 0..<r {
            rows[at] = dm[i * r + i] * 0.5.squareRoot(); at += 1
            for j in (i + 1)..<r { rows[at] = 0.5 * (dm[i * r + j] + dm[j * r + i]); at += 1 }
        }
    }

    mutating func accumulate(a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: Double, n: Int, weight: Double,
                             sums: UnsafeMutablePointer<Double>) throws {
        let d = self.d, r = self.r, p = self.p, s = self.s
        // resid = b − Am, e = c − 2mᵀb + mᵀAm, AB, P = BᵀAB, h = Bᵀresid.
        let e = EpisodicNaturalObjective.residual(a: a, b: b, c: c, m: m, into: &resid)
        PointerKernels.multiply(a, bm, into: &ab, m: d, n: r, k: d)
        PointerKernels.multiply(bm, ab, into: &pm, m: r, n: r, k: d, transposeA: true)
        PointerKernels.multiply(bm, vector: resid, into: &h, rows: d, columns: r, transpose: true)
        // M = Q + P/s = LLᵀ, g = k + h/s, w = M⁻¹g, L⁻¹, T = S + wwᵀ (in t).
        for i in 0..<(r * r) { chol[i] = q[i] + pm[i] / s }
        for i in 0..<r { for j in 0..<i { let x = 0.5 * (chol[i * r + j] + chol[j * r + i]); chol[i * r + j] = x; chol[j * r + i] = x } }
        try PointerKernels.choleskyInPlace(&chol, n: r)
        for j in 0..<r { w[j] = k[j] + h[j] / s }
        PointerKernels.solveLower(chol, n: r, vector: &w)
        let gw = w.reduce(0) { $0 + $1 * $1 }
        PointerKernels.solveLower(chol, n: r, vector: &w, transpose: true)
        for i in 0..<(r * r) { linv[i] = 0 }
        for i in 0..<r { linv[i * r + i] = 1 }
        PointerKernels.solveLower(chol, n: r, &linv, columns: r)
        PointerKernels.multiply(linv, linv, into: &t, m: r, n: r, k: r, transposeA: true)
        for i in 0..<r { for j in 0..<r { t[i * r + j] += w[i] * w[j] } }
        sums[0] += weight * (-0.5 * Double(n) * log(2 * Double.pi * s) - 0.5 * e / s
                             - 0.5 * PointerKernels.logDeterminant(cholesky: chol, n: r) + 0.5 * gw)
        let grad = sums + 1, hess = sums + 1 + p
        func abw(_ i: Int) -> Double { (0..<r).reduce(0.0) { $0 + ab[i * r + $1] * w[$1] } }
        func tab(_ i: Int, _ j: Int) -> Double { (0..<r).reduce(0.0) { $0 + t[j * r + $1] * ab[i * r + $1] } }
        func add(_ i: Int, _ j: Int, _ x: Double) { hess[i * p + j] += weight * x; if i != j { hess[j * p + i] += weight * x } }
        let tIndex = p - 1
        // a_i: dg = −ab_i/s.
        for (index, i) in others.enumerated() {
            for j in 0..<r { v[j] = -ab[i * r + j] / s }
            grad[index] += weight * (-abw(i) / s + resid[i] / s)
            row(index, hasCurvature: false)
            for (other, l) in others.enumerated() where other >= index { add(index, other, -a[i * d + l] / s) }
            for (other, l) in others.enumerated() { for j in 0..<r { add(index, cStart + other * r + j, -w[j] * a[l * d + i] / s) } }
            add(index, tIndex, abw(i) / s - resid[i] / s)
        }
        // C_ij: dM = (e_j ab_iᵀ + ab_i e_jᵀ)/s, dg = e_j resid_i/s.
        for (index, i) in others.enumerated() {
            let abwi = abw(i)
            for j in 0..<r {
                let at = cStart + index * r + j
                for x in 0..<(r * r) { dm[x] = 0 }
                for l in 0..<r { dm[j * r + l] += ab[i * r + l] / s; dm[l * r + j] += ab[i * r + l] / s }
                for l in 0..<r { v[l] = -ab[i * r + l] * w[j] / s }
                v[j] += (resid[i] - abwi) / s
                grad[at] += weight * (w[j] * resid[i] / s - tab(i, j) / s)
                row(at, hasCurvature: true)
                for (other, l) in others.enumerated() {
                    for jj in 0..<r where cStart + other * r + jj >= at { add(at, cStart + other * r + jj, -a[i * d + l] * t[j * r + jj] / s) }
                }
                add(at, tIndex, -w[j] * resid[i] / s + tab(i, j) / s)
            }
        }
        // R_ij: dQ = e_i R_{:j}ᵀ + R_{:j} e_iᵀ.
        var at = rStart
        for i in 0..<r {
            for j in 0...i {
                for x in 0..<(r * r) { dm[x] = 0 }
                for l in 0..<r { dm[i * r + l] += lower[l * r + j]; dm[l * r + i] += lower[l * r + j] }
                var rw = 0.0
                for l in 0..<r { rw += lower[l * r + j] * w[l] }
                var trTdQ = 0.0
                for l in 0..<r { trTdQ += t[i * r + l] * lower[l * r + j] }
                for l in 0..<r { v[l] = -lower[l * r + j] * w[i] }
                v[i] -= rw
                grad[at] -= weight * trTdQ
                row(at, hasCurvature: true)
                // −[j = m] T_il for R_lm, m = j, l ≥ j.
                for l in j..<r where rStart + l * (l + 1) / 2 + j >= at { add(at, rStart + l * (l + 1) / 2 + j, -t[i * r + l]) }
                at += 1
            }
        }
        // k_j: dg = e_j.
        for j in 0..<r {
            for l in 0..<r { v[l] = l == j ? 1 : 0 }
            grad[kStart + j] += weight * w[j]
            row(kStart + j, hasCurvature: false)
        }
        // t: dM = −P/s, dg = −h/s.
        var pw = [Double](repeating: 0, count: r), trTP = 0.0, wh = 0.0
        for i in 0..<r { for l in 0..<r { pw[i] += pm[i * r + l] * w[l]; trTP += t[i * r + l] * pm[l * r + i] } }
        for i in 0..<r { wh += w[i] * h[i] }
        for i in 0..<(r * r) { dm[i] = -pm[i] / s }
        for i in 0..<r { v[i] = (pw[i] - h[i]) / s }
        grad[tIndex] += weight * (-0.5 * Double(n) + 0.5 * e / s - wh / s + 0.5 * trTP / s)
        row(tIndex, hasCurvature: true)
        add(tIndex, tIndex, wh / s - 0.5 * trTP / s - 0.5 * e / s)
        // The Gram part, v₁ᵀSv₂ + ½ tr(S dM₁ S dM₂), for every pair at once.
        PointerKernels.multiply(rows, rows, into: hess, m: p, n: p, k: width, transposeB: true, alpha: weight, beta: 1)
    }
}
