// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The log marginal likelihood Σ_i w_i log p(D_i | θ) with μ and σ² profiled out, as a
/// function of the relative covariance factor Λ (Σ = σ² Λ Λᵀ) — the objective lme4
/// optimises for `REML = FALSE`, written with per-task sufficient statistics.
///
/// For each task, with M̃ = I + ΛᵀA Λ = R Rᵀ, U = R⁻¹ΛᵀA and v = R⁻¹Λᵀb, the Woodbury
/// identity gives, for Ṽ = I + ΦΛΛᵀΦᵀ (so V = σ²Ṽ):
///
///     X = ΦᵀṼ⁻¹Φ = A − UᵀU,   z = ΦᵀṼ⁻¹y = b − Uᵀv,   q = yᵀṼ⁻¹y = c − vᵀv,
///     log|Ṽ| = log|M̃| = 2 Σ log R_jj.
///
/// Then μ̂ = (Σ wX)⁻¹ Σ wz (generalised least squares), σ̂² = (Σ wq − μ̂ᵀΣ wz) / Σ w n, and
///
///     ℓ(Λ) = −(Σ w n)/2 · (log 2πσ̂² + 1) − ½ Σ w log|M̃|.
///
/// By the envelope theorem the gradient is that of the unprofiled likelihood at (μ̂, σ̂²):
/// ∂ℓ/∂Λ = (E/σ̂² − Σ wX) Λ with e = z − Xμ̂ and E = Σ w e eᵀ. No Σ⁻¹ appears anywhere, so
/// a singular Σ (a variance component at zero) is an ordinary point of the objective.
final class ProfiledLikelihood {
    let statistics: TaskStatistics
    let structure: CovarianceStructure
    private var projected: [Double]   // X_t for every task, kept for the gradient pass
    private var projectedCross: [Double]  // z_t for every task

    /// Lower bound of σ² (``PriorFitOptions/noiseFloor``), or `nil`.
    let noiseFloor: Double?

    init(statistics: TaskStatistics, structure: CovarianceStructure, noiseFloor: Double? = nil) {
        self.statistics = statistics
        self.structure = structure
        self.noiseFloor = noiseFloor
        let (t, d) = (statistics.taskCount, statistics.dimension)
        projected = [Double](repeating: 0, count: t * d * d)
        projectedCross = [Double](repeating: 0, count: t * d)
    }

    /// One evaluation: the profiled log-likelihood, its gradient in the parameters of Λ, and
    /// the profiled μ̂ and σ̂².
    struct Evaluation {
        var logLikelihood: Double
        var gradient: [Double]
        var mean: [Double]
        var noiseVariance: Double
        var factor: [Double]   // Λ, row-major d×d
        var noiseFloored: Bool
    }

    /// Evaluates at parameters `theta` of Λ (see ``CovarianceStructure``).
    func evaluate(_ theta: [Double], gradient wantGradient: Bool = true) throws -> Evaluation {
        let d = statistics.dimension
        let T = statistics.taskCount
        var lambda = [Double](repeating: 0, count: d * d)
        structure.fillFactor(theta, dimension: d, into: &lambda)
        let chunkSize = TaskStatistics.chunkSize
        let chunks = DeterministicParallel.chunkCount(count: T, chunkSize: chunkSize)
        // Per-chunk partial sums: Σ wX (d²), Σ wz (d), Σ wq, Σ w log|M̃|.
        let stride = d * d + d + 2
        var partial = [Double](repeating: 0, count: chunks * stride)
        var failure: [Int: Error] = [:]
        let failureLock = NSLock()
        statistics.gram.withUnsafeBufferPointer { A in
        statistics.cross.withUnsafeBufferPointer { B in
        projected.withUnsafeMutableBufferPointer { X in
        projectedCross.withUnsafeMutableBufferPointer { Z in
        partial.withUnsafeMutableBufferPointer { P in
        lambda.withUnsafeBufferPointer { L in
            DeterministicParallel.forEachChunk(count: T, chunkSize: chunkSize) { chunk, range in
                var c = [Double](repeating: 0, count: d * d)
                var m = [Double](repeating: 0, count: d * d)
                var v = [Double](repeating: 0, count: d)
                let sums = P.baseAddress! + chunk * stride
                for t in range {
                    let w = statistics.weights[t]
                    let a = A.baseAddress! + t * d * d, b = B.baseAddress! + t * d
                    let x = X.baseAddress! + t * d * d, z = Z.baseAddress! + t * d
                    // C = ΛᵀA, M̃ = I + CΛ, R = chol(M̃)
                    PointerKernels.multiply(L.baseAddress!, a, into: &c, m: d, n: d, k: d, transposeA: true)
                    PointerKernels.multiply(c, L.baseAddress!, into: &m, m: d, n: d, k: d)
                    for i in 0..<d {
                        m[i * d + i] += 1
                        for j in 0..<i { let s = 0.5 * (m[i * d + j] + m[j * d + i]); m[i * d + j] = s; m[j * d + i] = s }
                    }
                    do { try PointerKernels.choleskyInPlace(&m, n: d) } catch {
                        failureLock.lock(); failure[t] = error; failureLock.unlock(); continue
                    }
                    // U = R⁻¹C (in c), v = R⁻¹Λᵀb
                    PointerKernels.solveLower(m, n: d, &c, columns: d)
                    PointerKernels.multiply(L.baseAddress!, vector: b, into: &v, rows: d, columns: d, transpose: true)
                    PointerKernels.solveLower(m, n: d, vector: &v)
                    // X = A − UᵀU, z = b − Uᵀv, q = c − vᵀv
                    for i in 0..<(d * d) { x[i] = a[i] }
                    PointerKernels.multiply(c, c, into: x, m: d, n: d, k: d, transposeA: true, alpha: -1, beta: 1)
                    for i in 0..<d { z[i] = b[i] }
                    PointerKernels.multiply(c, vector: v, into: z, rows: d, columns: d, transpose: true, alpha: -1, beta: 1)
                    var q = statistics.targetSquares[t]
                    for i in 0..<d { q -= v[i] * v[i] }
                    guard w != 0 else { continue }
                    for i in 0..<(d * d) { sums[i] += w * x[i] }
                    for i in 0..<d { sums[d * d + i] += w * z[i] }
                    sums[d * d + d] += w * q
                    sums[d * d + d + 1] += w * PointerKernels.logDeterminant(cholesky: m, n: d)
                }
            }
        } } } } } }
        if let (task, error) = failure.min(by: { $0.key < $1.key }) {
            throw GSLError(.domain, operation: "marginal likelihood", reason: "task \(task + 1): \(error)")
        }
        // Combine chunks in order: bit-identical whatever the number of threads.
        var total = [Double](repeating: 0, count: stride)
        for chunk in 0..<chunks { for i in 0..<stride { total[i] += partial[chunk * stride + i] } }
        let sumX = try Matrix(rows: d, columns: d, elements: Array(total[0..<(d * d)]))
        let sumZ = Array(total[(d * d)..<(d * d + d)])
        let sumQ = total[d * d + d], sumLogDet = total[d * d + d + 1]
        let mean: [Double]
        do {
            mean = try Cholesky(symmetrized(sumX)).solve(sumZ)
        } catch {
            throw InputError("the prior mean is not identifiable: the features are collinear over all tasks (Σ ΦᵀV⁻¹Φ is singular); use fewer features or more varied inputs")
        }
        let observations = statistics.weightedObservations
        var residual = sumQ
        for i in 0..<d { residual -= mean[i] * sumZ[i] }
        // σ̂² = 0 means every task is fitted exactly: floor it (a real boundary, reported).
        let floor = 1e-300 * Swift.max(1, observations)
        let noiseFloored = !(residual > floor)
        var noiseVariance = Swift.max(residual, floor) / observations
        var logLikelihood = -0.5 * observations * (log(2 * Double.pi * noiseVariance) + 1) - 0.5 * sumLogDet
        // σ² bounded below: where r/N < bound the maximum over σ² ≥ bound is at the bound, and
        // ℓ = −N/2·log 2πσ² − ½Σ w log|M̃| − r/(2σ²). The gradient below holds at any fixed σ²
        // (μ̂ does not depend on σ²), so it needs no change.
        if let bound = noiseFloor, noiseVariance < bound {
            noiseVariance = bound
            logLikelihood = -0.5 * observations * log(2 * Double.pi * bound) - 0.5 * sumLogDet - 0.5 * Swift.max(residual, 0) / bound
        }
        var gradient: [Double] = []
        if wantGradient {
            gradient = try profiledGradient(lambda: lambda, mean: mean, noiseVariance: noiseVariance, sumX: sumX)
        }
        return Evaluation(logLikelihood: logLikelihood, gradient: gradient, mean: mean,
                          noiseVariance: noiseVariance, factor: lambda, noiseFloored: noiseFloored)
    }

    /// ∂ℓ/∂θ from the X_t, z_t stored by the last ``evaluate(_:gradient:)``.
    private func profiledGradient(lambda: [Double], mean: [Double], noiseVariance: Double, sumX: Matrix) throws -> [Double] {
        let d = statistics.dimension
        let T = statistics.taskCount
        let chunkSize = TaskStatistics.chunkSize
        let chunks = DeterministicParallel.chunkCount(count: T, chunkSize: chunkSize)
        var partial = [Double](repeating: 0, count: chunks * d * d)
        projected.withUnsafeBufferPointer { X in
        projectedCross.withUnsafeBufferPointer { Z in
        partial.withUnsafeMutableBufferPointer { P in
            DeterministicParallel.forEachChunk(count: T, chunkSize: chunkSize) { chunk, range in
                var e = [Double](repeating: 0, count: d)
                let sums = P.baseAddress! + chunk * d * d
                for t in range where statistics.weights[t] != 0 {
                    let w = statistics.weights[t]
                    for i in 0..<d { e[i] = Z[t * d + i] }
                    mean.withUnsafeBufferPointer { mu in
                        PointerKernels.multiply(X.baseAddress! + t * d * d, vector: mu.baseAddress!, into: &e,
                                                rows: d, columns: d, alpha: -1, beta: 1)
                    }
                    for i in 0..<d { for j in 0..<d { sums[i * d + j] += w * e[i] * e[j] } }
                }
            }
        } } }
        var outer = [Double](repeating: 0, count: d * d)
        for chunk in 0..<chunks { for i in 0..<(d * d) { outer[i] += partial[chunk * d * d + i] } }
        // ∂ℓ/∂Λ = (E/σ² − Σ wX) Λ
        var middle = [Double](repeating: 0, count: d * d)
        for i in 0..<(d * d) { middle[i] = outer[i] / noiseVariance - sumX.elements[i] }
        var full = [Double](repeating: 0, count: d * d)
        PointerKernels.multiply(middle, lambda, into: &full, m: d, n: d, k: d)
        return structure.projectGradient(full, dimension: d)
    }
}

/// (A + Aᵀ)/2: removes round-off asymmetry before a Cholesky factorisation.
func symmetrized(_ a: Matrix) -> Matrix {
    var s = a
    for i in 0..<a.rows { for j in 0..<i { let v = 0.5 * (a[i, j] + a[j, i]); s[i, j] = v; s[j, i] = v } }
    return s
}
