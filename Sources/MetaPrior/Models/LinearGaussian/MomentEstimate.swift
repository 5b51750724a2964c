// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A method-of-moments estimate of θ = (μ, Σ, σ²) from the per-task statistics, in one pass
/// (issue 17: the start of the Newton steps, in place of EM's passes).
///
///     β̂_i = A_i⁻¹b_i,  RSS_i = c_i − b_iᵀβ̂_i            (each task's least squares)
///     σ² = Σ w RSS / Σ w (n − d)                          (pooled residual variance)
///     μ = mean_w β̂,  Σ = cov_w β̂ − σ² mean_w A_i⁻¹        (spread less sampling noise)
///
/// with Σ projected onto the positive semi-definite matrices (negative eigenvalues set to 0).
/// Where every task has the same design (balanced data) and the estimate of Σ is positive
/// definite, it is the maximum-likelihood estimate itself — the likelihood splits into the
/// residuals (σ² only) and the β̂_i ~ N(μ, Σ + σ²A⁻¹) — so the demo's sleep-study fit
/// converges with no Newton step (stationarity 8e-16).
/// Why this and not EM's start (Σ = σ²I): Cov β̂_i = Σ + σ²A_i⁻¹ exactly under the model, so
/// the estimate is consistent and from it a few exact Newton steps reach the optimum. Only
/// tasks with n_i ≥ d + 2 points and a well-conditioned A_i take part; the rest are left out
/// of the estimate, not of the fit: with n_i < d A_i is singular, and with n_i ≤ d + 1 the
/// mean of A_i⁻¹ over random designs does not exist (for Gaussian inputs A_i⁻¹ is inverse
/// Wishart), so a few near-singular tasks would swamp Σ's estimate — with sizes 3 and d = 3
/// it came out with an eigenvalue of −1491 against a true Σ = I.
struct MomentEstimate {
    let mean: [Double]
    /// Σ, row-major d×d, positive semi-definite.
    let covariance: [Double]
    let noiseVariance: Double
    /// Tasks that took part (n_i ≥ d + 2, A_i well conditioned, weight > 0).
    let tasks: Int

    /// Smallest pivot² of A_i's Cholesky factor, relative to A_i's largest diagonal entry,
    /// for a task to take part: below it β̂_i is dominated by round-off.
    static let conditionLimit = 1e-10

    /// The estimate, or `nil` where the statistics cannot give one: fewer than d + 1 tasks
    /// that can take part, or a non-finite result.
    init?(_ s: TaskStatistics) {
        let d = s.dimension
        let T = s.taskCount
        let chunkSize = TaskStatistics.chunkSize
        let chunks = DeterministicParallel.chunkCount(count: T, chunkSize: chunkSize)
        // Per chunk: tasks, Σw, Σw RSS, Σw(n − d), the weighted mean of β̂ (d), the sum of
        // w(β̂ − mean)(β̂ − mean)ᵀ (d², Welford's update: no cancellation when |μ| ≫ Σ's
        // scale) and Σ w A⁻¹ (d²). Chunks are combined in order below, so the result does
        // not depend on the number of threads.
        let stride = 4 + d + 2 * d * d
        var partial = [Double](repeating: 0, count: chunks * stride)
        s.gram.withUnsafeBufferPointer { A in
        s.cross.withUnsafeBufferPointer { B in
        s.weights.withUnsafeBufferPointer { weights in
        s.targetSquares.withUnsafeBufferPointer { squares in
        s.counts.withUnsafeBufferPointer { counts in
        partial.withUnsafeMutableBufferPointer { P in
            DeterministicParallel.forEachChunk(count: T, chunkSize: chunkSize) { chunk, range in
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 2 * d * d + 3 * d)
                defer { scratch.deallocate() }
                let l = scratch, inverse = scratch + d * d, z = scratch + 2 * d * d, beta = z + d, delta = beta + d
                let sums = P.baseAddress! + chunk * stride
                let betaMean = sums + 4, spread = betaMean + d, sampling = spread + d * d
                for t in range where weights[t] > 0 && counts[t] >= d + 2 {
                    let w = weights[t]
                    let a = A.baseAddress! + t * d * d
                    var largest = 0.0
                    for i in 0..<d { largest = Swift.max(largest, a[i * d + i]) }
                    guard largest > 0 else { continue }
                    for i in 0..<(d * d) { l[i] = a[i] }
                    guard (try? PointerKernels.choleskyInPlace(l, n: d)) != nil,
                          (0..<d).allSatisfy({ l[$0 * d + $0] * l[$0 * d + $0] >= Self.conditionLimit * largest }) else { continue }
                    // z = L⁻¹b, RSS = c − ‖z‖², β̂ = L⁻ᵀz, A⁻¹ = L⁻ᵀL⁻¹.
                    for i in 0..<d { z[i] = B[t * d + i] }
                    PointerKernels.solveLower(l, n: d, vector: z)
                    var rss = squares[t]
                    for i in 0..<d { rss -= z[i] * z[i]; beta[i] = z[i] }
                    PointerKernels.solveLower(l, n: d, vector: beta, transpose: true)
                    for i in 0..<(d * d) { inverse[i] = 0 }
                    for i in 0..<d { inverse[i * d + i] = 1 }
                    PointerKernels.solveLower(l, n: d, inverse, columns: d)
                    sums[0] += 1
                    sums[1] += w
                    sums[2] += w * Swift.max(rss, 0)
                    sums[3] += w * Double(counts[t] - d)
                    let share = w / sums[1]
                    for i in 0..<d { delta[i] = beta[i] - betaMean[i]; betaMean[i] += share * delta[i] }
                    for i in 0..<d { for j in 0..<d {
                        spread[i * d + j] += w * delta[i] * (beta[j] - betaMean[j])
                        var s = 0.0
                        for k in 0..<d { s += inverse[k * d + i] * inverse[k * d + j] }
                        sampling[i * d + j] += w * s
                    } }
                }
            }
        } } } } } }
        // Chan et al.'s combination of the chunks' weighted means and spreads.
        var total = [Double](repeating: 0, count: stride)
        for chunk in 0..<chunks {
            let part = Array(partial[(chunk * stride)..<((chunk + 1) * stride)])
            guard part[1] > 0 else { continue }
            let before = total[1], after = before + part[1]
            var delta = [Double](repeating: 0, count: d)
            for i in 0..<d { delta[i] = part[4 + i] - total[4 + i] }
            for i in 0..<d { for j in 0..<d {
                total[4 + d + i * d + j] += part[4 + d + i * d + j] + delta[i] * delta[j] * before * part[1] / after
                total[4 + d + d * d + i * d + j] += part[4 + d + d * d + i * d + j]
            } }
            for i in 0..<d { total[4 + i] += delta[i] * part[1] / after }
            for i in 0..<4 { total[i] += part[i] }
        }
        let weight = total[1]
        guard total[0] >= Double(d + 1), weight > 0, total[3] > 0 else { return nil }
        let sigma2 = total[2] / total[3]
        guard sigma2 > 0, sigma2.isFinite else { return nil }
        var sigma = Matrix(rows: d, columns: d)
        for i in 0..<d { for j in 0..<d {
            sigma[i, j] = (total[4 + d + i * d + j] - sigma2 * total[4 + d + d * d + i * d + j]) / weight
        } }
        guard sigma.elements.allSatisfy(\.isFinite), let eigen = try? SymmetricEigen(symmetrized(sigma)) else { return nil }
        var projected = [Double](repeating: 0, count: d * d)
        for k in 0..<d where eigen.values[k] > 0 {
            for i in 0..<d { for j in 0..<d { projected[i * d + j] += eigen.values[k] * eigen.vectors[i, k] * eigen.vectors[j, k] } }
        }
        mean = Array(total[4..<(4 + d)])
        covariance = projected
        noiseVariance = sigma2
        tasks = Int(total[0])
    }

    /// A lower-triangular Λ with ΛΛᵀ = Σ/σ² projected onto `structure` as EM's M-step
    /// projects Σ (σ² at least `noiseFloor`; jitter allowed: this is only a starting point).
    func relativeFactor(structure: CovarianceStructure, noiseFloor: Double?) throws -> [Double] {
        let d = mean.count
        let noise = Swift.max(noiseVariance, noiseFloor ?? 0)
        var relative = try Matrix(rows: d, columns: d, elements: covariance.map { $0 / noise })
        switch structure {
        case .full: break
        case .diagonal: relative = Matrix.diagonal(relative.diagonalEntries)
        case .isotropic: relative = Matrix.diagonal(Array(repeating: Swift.max(relative.trace / Double(d), 0), count: d))
        }
        return try Cholesky(symmetrized(relative), jitter: .allowed(maximum: 1)).lower.elements
    }
}
