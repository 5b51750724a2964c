// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The episodic ("mechanistic", ALPaCA-style) objective: Σ_e w_e log p(y_q | X_q, D_s, θ),
/// the joint Gaussian posterior predictive density of each episode's query targets given its
/// support set, as a function of θ = (μ, L, log σ²) with Σ = L Lᵀ.
///
/// The predictive density of the query given the support is a ratio of two marginal
/// likelihoods of the linear-Gaussian model: log p(D_s ∪ D_q | θ) − log p(D_s | θ). Each is
/// evaluated from sufficient statistics (A, b, c, n) with the Woodbury identity: with
/// M = σ²I + LᵀAL = R Rᵀ, r = b − Aμ, eᵀe = c − 2μᵀb + μᵀAμ, t = Lᵀr and w = M⁻¹t,
///
///     log|V| = (n − d) log σ² + log|M|,        eᵀV⁻¹e = (eᵀe − tᵀw)/σ²,
///     ΦᵀV⁻¹e = (r − ALw)/σ²,                   ΦᵀV⁻¹Φ = (A − UᵀU)/σ², U = R⁻¹LᵀA,
///     eᵀV⁻²e = (eᵀe − tᵀw − σ²wᵀw)/σ⁴,         tr V⁻¹ = (n − d)/σ² + tr M⁻¹,
///
/// for V = σ²I + ΦΣΦᵀ. The Fisher identities then give ∂ℓ/∂μ = ΦᵀV⁻¹e,
/// ∂ℓ/∂Σ = ½(ΦᵀV⁻¹e eᵀV⁻¹Φ − ΦᵀV⁻¹Φ), ∂ℓ/∂σ² = ½(eᵀV⁻²e − tr V⁻¹), chained to
/// ∂/∂L = 2 (∂ℓ/∂Σ) L and ∂/∂log σ² = σ² ∂ℓ/∂σ². M is positive definite for any L (also a
/// singular Σ) as long as σ² > 0, so no Σ⁻¹ appears.
final class EpisodicObjective {
    static let chunkSize = 64
    let statistics: EpisodeStatistics
    let structure: CovarianceStructure
    /// r: the columns of L for the full structure (L is d×r, lower-trapezoidal: entries
    /// (i, j) with j ≤ min(i, r − 1)), so Σ = LLᵀ has rank at most r; d for the others.
    let columns: Int

    init(statistics: EpisodeStatistics, structure: CovarianceStructure, columns: Int? = nil) {
        self.statistics = statistics
        self.structure = structure
        let d = statistics.dimension
        self.columns = structure == .full ? Swift.min(Swift.max(columns ?? d, 1), d) : d
    }

    /// The free entries (i, j) of L, row by row.
    private var freeEntries: [(row: Int, column: Int)] {
        let d = statistics.dimension
        return (0..<d).flatMap { i in (0...Swift.min(i, columns - 1)).map { (row: i, column: $0) } }
    }

    /// Number of parameters: d means, the free entries of L (d·r − r(r−1)/2 for the full
    /// structure), and log σ².
    var parameterCount: Int {
        let d = statistics.dimension
        let factor = structure == .full ? d * columns - columns * (columns - 1) / 2 : structure.parameterCount(dimension: d)
        return d + factor + 1
    }

    /// Packs θ = (μ, L, log σ²) from L stored row-major d×d (columns from r on are ignored).
    func parameters(mean: [Double], factor: [Double], noiseVariance: Double) -> [Double] {
        let d = statistics.dimension
        let entries = structure == .full ? freeEntries.map { factor[$0.row * d + $0.column] }
                                         : structure.parameters(ofFactor: factor, dimension: d)
        return mean + entries + [log(noiseVariance)]
    }

    /// Unpacks θ into μ, L (row-major d×d, zero from column r on) and σ².
    func unpack(_ theta: [Double]) -> (mean: [Double], factor: [Double], noiseVariance: Double) {
        let d = statistics.dimension
        var lambda = [Double](repeating: 0, count: d * d)
        if structure == .full {
            for (k, entry) in freeEntries.enumerated() { lambda[entry.row * d + entry.column] = theta[d + k] }
        } else {
            structure.fillFactor(Array(theta[d..<(theta.count - 1)]), dimension: d, into: &lambda)
        }
        return (Array(theta[0..<d]), lambda, exp(theta[theta.count - 1]))
    }

    /// ∂/∂Σ of Σ_e w_e log p(y_q | D_s, θ) (d×d, symmetric, row-major) at μ, Σ = LLᵀ for any
    /// d×d `factor` (not restricted to the parameterisation), and σ²: the boundary test's G.
    func covarianceGradient(mean: [Double], factor: [Double], noiseVariance: Double) throws -> [Double] {
        let d = statistics.dimension
        let total = try totals(mean: mean, lambda: factor, sigma2: noiseVariance, wantGradient: true)
        var g = Array(total[(1 + d)..<(1 + d + d * d)])
        for i in 0..<d { for j in 0..<i { let v = 0.5 * (g[i * d + j] + g[j * d + i]); g[i * d + j] = v; g[j * d + i] = v } }
        return g
    }

    /// Σ_e w_e log p(y_q | D_s, θ) and, if asked, its gradient in θ.
    func evaluate(_ theta: [Double], gradient wantGradient: Bool = true) throws -> (value: Double, gradient: [Double]) {
        let (mean, lambda, sigma2) = unpack(theta)
        let total = try totals(mean: mean, lambda: lambda, sigma2: sigma2, wantGradient: wantGradient)
        guard wantGradient else { return (total[0], []) }
        return (total[0], chain(total, factor: lambda, noiseVariance: sigma2))
    }

    /// The objective and its gradient in (μ, Σ, σ²), summed over episodes: [value, ∂/∂μ (d),
    /// ∂/∂Σ (d×d), ∂/∂σ²], at μ, Σ = LLᵀ for any d×d `lambda`, and σ².
    func totals(mean: [Double], lambda: [Double], sigma2: Double, wantGradient: Bool) throws -> [Double] {
        let d = statistics.dimension
        let s = statistics
        let stride = 2 + d + d * d
        let chunks = DeterministicParallel.chunkCount(count: s.count, chunkSize: Self.chunkSize)
        var partial = [Double](repeating: 0, count: Swift.max(chunks, 1) * stride)
        var failure: Error?
        let lock = NSLock()
        partial.withUnsafeMutableBufferPointer { P in
            DeterministicParallel.forEachChunk(count: s.count, chunkSize: Self.chunkSize) { chunk, range in
                var work = MarginalWorkspace(dimension: d)
                let sums = P.baseAddress! + chunk * stride
                do {
                    for k in range where s.weights[k] != 0 {
                        let w = s.weights[k]
                        let joint = try s.jointGram.withUnsafeBufferPointer { a in
                            try s.jointCross.withUnsafeBufferPointer { b in
                                try work.accumulate(a: a.baseAddress! + k * d * d, b: b.baseAddress! + k * d, c: s.jointSquares[k], n: s.jointCounts[k],
                                                    mean: mean, factor: lambda, noiseVariance: sigma2, weight: w,
                                                    gradient: wantGradient ? sums + 1 : nil)
                            }
                        }
                        let support = try s.supportGram.withUnsafeBufferPointer { a in
                            try s.supportCross.withUnsafeBufferPointer { b in
                                try work.accumulate(a: a.baseAddress! + k * d * d, b: b.baseAddress! + k * d, c: s.supportSquares[k], n: s.supportCounts[k],
                                                    mean: mean, factor: lambda, noiseVariance: sigma2, weight: -w,
                                                    gradient: wantGradient ? sums + 1 : nil)
                            }
                        }
                        sums[0] += w * (joint - support)
                    }
                } catch {
                    lock.lock(); if failure == nil { failure = error }; lock.unlock()
                }
            }
        }
        if let failure { throw GSLError(.domain, operation: "episodic objective", reason: "\(failure)") }
        var total = [Double](repeating: 0, count: stride)
        for chunk in 0..<chunks { for i in 0..<stride { total[i] += partial[chunk * stride + i] } }
        return total
    }

    /// Per-episode log p(y_q | D_s, θ) (unweighted), for held-out comparisons.
    func perEpisode(_ theta: [Double]) throws -> [Double] {
        let d = statistics.dimension
        let (mean, lambda, sigma2) = unpack(theta)
        let s = statistics
        var out = [Double](repeating: 0, count: s.count)
        var failure: Error?
        let lock = NSLock()
        out.withUnsafeMutableBufferPointer { O in
            DeterministicParallel.forEachChunk(count: s.count, chunkSize: Self.chunkSize) { _, range in
                var work = MarginalWorkspace(dimension: d)
                do {
                    for k in range {
                        let joint = try work.logMarginal(a: s.jointGram, b: s.jointCross, offset: k, c: s.jointSquares[k], n: s.jointCounts[k],
                                                         mean: mean, factor: lambda, noiseVariance: sigma2)
                        let support = try work.logMarginal(a: s.supportGram, b: s.supportCross, offset: k, c: s.supportSquares[k], n: s.supportCounts[k],
                                                           mean: mean, factor: lambda, noiseVariance: sigma2)
                        O[k] = joint - support
                    }
                } catch {
                    lock.lock(); if failure == nil { failure = error }; lock.unlock()
                }
            }
        }
        if let failure { throw GSLError(.domain, operation: "episodic objective", reason: "\(failure)") }
        return out
    }

    /// From the accumulated (∂/∂μ, ∂/∂Σ, ∂/∂σ²) to the gradient in θ = (μ, L, log σ²).
    private func chain(_ total: [Double], factor lambda: [Double], noiseVariance sigma2: Double) -> [Double] {
        let d = statistics.dimension
        let gMean = Array(total[1...d])
        var gSigma = Array(total[(1 + d)..<(1 + d + d * d)])
        for i in 0..<d { for j in 0..<i { let v = 0.5 * (gSigma[i * d + j] + gSigma[j * d + i]); gSigma[i * d + j] = v; gSigma[j * d + i] = v } }
        var gL = [Double](repeating: 0, count: d * d)
        PointerKernels.multiply(gSigma, lambda, into: &gL, m: d, n: d, k: d, alpha: 2)
        let gFactor = structure == .full ? freeEntries.map { gL[$0.row * d + $0.column] } : structure.projectGradient(gL, dimension: d)
        return gMean + gFactor + [sigma2 * total[1 + d + d * d]]
    }
}

/// Scratch space for one thread: the log marginal likelihood of one set of statistics and
/// its gradient in (μ, Σ, σ²), allocation-free.
struct MarginalWorkspace {
    let d: Int
    var c: [Double], m: [Double], rinv: [Double], am: [Double], r: [Double], t: [Double], v: [Double], lw: [Double], alw: [Double]

    init(dimension d: Int) {
        self.d = d
        c = [Double](repeating: 0, count: d * d); m = c; rinv = c
        am = [Double](repeating: 0, count: d); r = am; t = am; v = am; lw = am; alw = am
    }

    mutating func logMarginal(a: [Double], b: [Double], offset k: Int, c cc: Double, n: Int,
                              mean: [Double], factor: [Double], noiseVariance: Double) throws -> Double {
        let d = self.d
        return try a.withUnsafeBufferPointer { A in
            try b.withUnsafeBufferPointer { B in
                try accumulate(a: A.baseAddress! + k * d * d, b: B.baseAddress! + k * d, c: cc, n: n, mean: mean, factor: factor,
                               noiseVariance: noiseVariance, weight: 1, gradient: nil)
            }
        }
    }

    /// The Woodbury core that ``accumulate`` and `ray` share: Aμ in `am`, r = b − Aμ in `r`,
    /// C = LᵀA in `c`, the Cholesky factor R of M = CL + σ²I (RRᵀ) in `m`, and t = Lᵀr in `t`.
    mutating func factorPredictive(a: UnsafePointer<Double>, b: UnsafePointer<Double>, mean mu: [Double], factor L: [Double],
                                   noiseVariance s2: Double) throws {
        let d = self.d
        PointerKernels.multiply(a, vector: mu, into: &am, rows: d, columns: d)
        for i in 0..<d { r[i] = b[i] - am[i] }
        PointerKernels.multiply(L, a, into: &c, m: d, n: d, k: d, transposeA: true)
        PointerKernels.multiply(c, L, into: &m, m: d, n: d, k: d)
        for i in 0..<d {
            m[i * d + i] += s2
            for j in 0..<i { let s = 0.5 * (m[i * d + j] + m[j * d + i]); m[i * d + j] = s; m[j * d + i] = s }
        }
        try PointerKernels.choleskyInPlace(&m, n: d)
        PointerKernels.multiply(L, vector: r, into: &t, rows: d, columns: d, transpose: true)
    }

    /// log p(D | μ, LLᵀ, σ²) from A = ΦᵀΦ, b = Φᵀy, c = yᵀy, n; adds `weight` × its gradient
    /// (∂/∂μ: d, ∂/∂Σ: d×d, ∂/∂σ²: 1, in that order) to `gradient` when given.
    mutating func accumulate(a: UnsafePointer<Double>, b: UnsafePointer<Double>, c cc: Double, n: Int,
                             mean mu: [Double], factor L: [Double], noiseVariance s2: Double, weight: Double,
                             gradient: UnsafeMutablePointer<Double>?) throws -> Double {
        let d = self.d
        try factorPredictive(a: a, b: b, mean: mu, factor: L, noiseVariance: s2)
        // eᵀe = c − 2μᵀb + μᵀAμ
        var ee = cc
        for i in 0..<d { ee += mu[i] * (am[i] - 2 * b[i]) }
        // v = R⁻¹t, w = R⁻ᵀv (w kept in t's place after tᵀw is taken)
        for i in 0..<d { v[i] = t[i] }
        PointerKernels.solveLower(m, n: d, vector: &v)
        var tw = 0.0
        for i in 0..<d { tw += v[i] * v[i] }
        let logDetM = PointerKernels.logDeterminant(cholesky: m, n: d)
        let nd = Double(n - d)
        let logDetV = nd * log(s2) + logDetM
        let quad = (ee - tw) / s2
        let value = -0.5 * (Double(n) * log(2 * Double.pi) + logDetV + quad)
        guard let g = gradient else { return value }
        PointerKernels.solveLower(m, n: d, vector: &v, transpose: true)   // v = w = M⁻¹t
        var ww = 0.0
        for i in 0..<d { ww += v[i] * v[i] }
        // g = (r − A L w)/σ²
        PointerKernels.multiply(L, vector: v, into: &lw, rows: d, columns: d)
        PointerKernels.multiply(a, vector: lw, into: &alw, rows: d, columns: d)
        for i in 0..<d { lw[i] = (r[i] - alw[i]) / s2 }
        // U = R⁻¹C in c; X = (A − UᵀU)/σ²
        PointerKernels.solveLower(m, n: d, &c, columns: d)
        // R⁻¹ for tr M⁻¹ = ‖R⁻¹‖²_F
        for i in 0..<(d * d) { rinv[i] = 0 }
        for i in 0..<d { rinv[i * d + i] = 1 }
        PointerKernels.solveLower(m, n: d, &rinv, columns: d)
        var traceMInverse = 0.0
        for i in 0..<(d * d) { traceMInverse += rinv[i] * rinv[i] }
        // ∂/∂μ
        for i in 0..<d { g[i] += weight * lw[i] }
        // ∂/∂Σ = ½(g gᵀ − (A − UᵀU)/σ²): UᵀU into rinv (no longer needed)
        PointerKernels.multiply(c, c, into: &rinv, m: d, n: d, k: d, transposeA: true)
        let gs = g + d
        for i in 0..<d {
            for j in 0..<d {
                let x = (a[i * d + j] - rinv[i * d + j]) / s2
                gs[i * d + j] += weight * 0.5 * (lw[i] * lw[j] - x)
            }
        }
        // ∂/∂σ²
        let eV2e = (ee - tw - s2 * ww) / (s2 * s2)
        let traceV = nd / s2 + traceMInverse
        g[d + d * d] += weight * 0.5 * (eV2e - traceV)
        return value
    }
}
