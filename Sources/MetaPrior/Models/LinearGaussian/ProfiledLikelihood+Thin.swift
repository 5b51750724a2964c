// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The thin form of a task with fewer points than columns of Λ (n < r): the Woodbury identity
/// in the other direction. With W = ΦΛ (n×r), Ṽ = I_n + WWᵀ = LLᵀ (n×n), Z = L⁻¹Φ (n×d) and
/// s = L⁻¹y:
///
///     X = ΦᵀṼ⁻¹Φ = ZᵀZ,   z = ΦᵀṼ⁻¹y = Zᵀs,   q = yᵀṼ⁻¹y = sᵀs,
///     log|Ṽ| = 2 Σ log L_jj  (= log|I_r + ΛᵀAΛ| by Sylvester's determinant identity),
///
/// the same quantities as the r-form in `ProfiledLikelihood`, from an n×n factorisation and
/// O(n·d·r + n²·d) work instead of O(d²·r + r²·d) — at rbf:20 (d = r = 21) with 12 points a task
/// about a third. Two products run once per chunk rather than per task, as single larger
/// BLAS calls: W for all the chunk's rows, and Σ w ZᵀZ (with Σ w Zᵀs) over each run of
/// consecutive tasks of equal weight (typically the whole chunk).
extension ProfiledLikelihood {
    /// Whether a task of n points takes the thin form: when its multiply-adds per evaluation,
    /// n·d·r + n²·r + n³/6 + n²·d/2 + d²·n, are at most ¾ of the r-form's, 2d²·r + 3r²·d/2 + r³/6
    /// (for d = r = 21 and n = 12 they are 0.45 of them). Near the crossing (n = r − 1) the two
    /// cost about the same, and there the r-form — the one the fits were tuned on — is kept.
    static func thinFormPays(points n: Int, dimension d: Int, columns r: Int) -> Bool {
        guard n < r else { return false }
        let (n, d, r) = (Double(n), Double(d), Double(r))
        let thin = n * d * r + n * n * r + n * n * n / 6 + n * n * d / 2 + d * d * n
        let wide = 2 * d * d * r + 1.5 * r * r * d + r * r * r / 6
        return thin <= 0.75 * wide
    }

    /// Adds the thin tasks of `range` to the chunk's sums (−Σ wUᵀU's slot gets +Σ wX, then
    /// Σ wz, Σ wq, Σ w log|Ṽ|, as in ``evaluate(_:gradient:)``), storing Z_t and s_t for the
    /// gradient pass. Returns the first task whose factorisation failed, if any.
    func accumulateThin(_ range: Range<Int>, factor lambda: UnsafePointer<Double>, into sums: UnsafeMutablePointer<Double>,
                        projectedRows: UnsafeMutablePointer<Double>?, projectedTargets: UnsafeMutablePointer<Double>?)
        -> (task: Int, error: Error)? {
        guard let first = range.first(where: { isThin[$0] }), let Z = projectedRows, let S = projectedTargets else { return nil }
        let last = range.last(where: { isThin[$0] })!
        let d = statistics.dimension, r = columns
        let offsets = statistics.rows.offsets, counts = statistics.counts, weights = statistics.weights
        let rowStart = offsets[first], rowEnd = offsets[last] + counts[last]
        let largest = range.lazy.filter { self.isThin[$0] }.map { counts[$0] }.max()!
        var failed: (task: Int, error: Error)?
        statistics.rows.design.withUnsafeBufferPointer { design in
        statistics.rows.targets.withUnsafeBufferPointer { targets in
            // Scratch: W for the chunk's rows, then one Wᵀ (r×n) and one n×n Ṽ (no zeroing:
            // every entry is written first).
            withUnsafeTemporaryAllocation(of: Double.self, capacity: (rowEnd - rowStart) * r + largest * (r + largest)) { scratch in
                let W = scratch.baseAddress!, WT = W + (rowEnd - rowStart) * r, V = WT + largest * r
                PointerKernels.multiply(design.baseAddress! + rowStart * d, lambda, into: W, m: rowEnd - rowStart, n: r, k: d)
                for t in range where isThin[t] {
                    let n = counts[t], o = offsets[t]
                    // Ṽ − I = WWᵀ = (Wᵀ)ᵀWᵀ: through Wᵀ the loops run along rows of n, vectorised
                    // (small per-task products: the loops beat a BLAS call's overhead).
                    let wt = W + (o - rowStart) * r
                    for i in 0..<n { for k in 0..<r { WT[k * n + i] = wt[i * r + k] } }
                    PointerKernels.multiplyOnLoops(WT, WT, into: V, m: n, n: n, k: r, transposeA: true)
                    for i in 0..<n { V[i * n + i] += 1 }
                    do { try PointerKernels.choleskyInPlace(V, n: n) } catch {
                        if failed == nil { failed = (t, error) }
                        continue
                    }
                    let z = Z + o * d, s = S + o
                    z.update(from: design.baseAddress! + o * d, count: n * d)
                    s.update(from: targets.baseAddress! + o, count: n)
                    PointerKernels.solveLowerOnLoops(V, n: n, z, columns: d)
                    PointerKernels.solveLower(V, n: n, vector: s)
                    let w = weights[t]
                    guard w != 0 else { continue }
                    var q = 0.0
                    for i in 0..<n { q += s[i] * s[i] }
                    sums[d * d + d] += w * q
                    sums[d * d + d + 1] += w * PointerKernels.logDeterminant(cholesky: V, n: n)
                }
            }
            guard failed == nil else { return }  // the evaluation throws: no sums needed
            // Σ wZᵀZ and Σ wZᵀs, one BLAS call each per run of consecutive thin tasks (their
            // rows adjacent) of one weight.
            var run: (start: Int, end: Int, weight: Double)?
            func flush() {
                guard let (start, end, w) = run else { return }
                PointerKernels.multiply(Z + start * d, Z + start * d, into: sums, m: d, n: d, k: end - start,
                                        transposeA: true, alpha: w, beta: 1)
                PointerKernels.multiply(Z + start * d, vector: S + start, into: sums + d * d, rows: end - start, columns: d,
                                        transpose: true, alpha: w, beta: 1)
                run = nil
            }
            for t in range {
                let w = weights[t]
                guard isThin[t], w != 0 else { flush(); continue }
                let o = offsets[t]
                if let current = run, current.end == o, current.weight == w {
                    run = (current.start, o + counts[t], w)
                } else {
                    flush()
                    run = (o, o + counts[t], w)
                }
            }
            flush()
        } }
        return failed
    }

    /// e = z − Xμ̂ = Zᵀ(s − Zμ̂) for the thin task `t`, from the Z_t and s_t stored by the last
    /// evaluation.
    func thinResidual(_ t: Int, mean: UnsafePointer<Double>, projectedRows: UnsafePointer<Double>,
                      projectedTargets: UnsafePointer<Double>, into e: UnsafeMutablePointer<Double>) {
        let d = statistics.dimension
        let n = statistics.counts[t], o = statistics.rows.offsets[t]
        let z = projectedRows + o * d
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { residual in
            let res = residual.baseAddress!
            res.update(from: projectedTargets + o, count: n)
            PointerKernels.multiplyOnLoops(z, vector: mean, into: res, rows: n, columns: d, alpha: -1, beta: 1)
            PointerKernels.multiplyOnLoops(z, vector: res, into: e, rows: n, columns: d, transpose: true)
        }
    }
}
