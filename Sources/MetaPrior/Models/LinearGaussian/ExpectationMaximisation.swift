// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// EM for θ = (μ, Σ, σ²) of the linear-Gaussian model (DESIGN.md §2), written with a factor
/// F of Σ (never Σ⁻¹) so that it stays exact as Σ approaches singularity:
///
///     M = σ²I + FᵀAF = RRᵀ,  Y = R⁻¹Fᵀ,  g = b − Aμ
///     m = μ + YᵀY g,  S = σ² YᵀY              (E-step: the posterior of each task)
///     μ ← mean_w m,  Σ ← mean_w [S + (m − μ)(m − μ)ᵀ],  σ² ← Σ w r / Σ w n
///     r = c − 2mᵀb + mᵀAm + tr(AS)            (M-step)
///
/// Each step cannot lower the likelihood; it returns the log-likelihood *before* the update.
struct ExpectationMaximisation {
    let statistics: TaskStatistics
    let structure: CovarianceStructure
    private(set) var mean: [Double]
    private(set) var factor: [Double]  // F, row-major d×d
    private(set) var noiseVariance: Double
    /// Whether the step runs ``FusedTaskKernels`` for d ≤ 8; tests turn it off to compare
    /// with the general loops.
    var usesFusedKernels = true
    /// Lower bound of σ² (``PriorFitOptions/noiseFloor``), or `nil`. The M-step then maximises
    /// −N/2·log σ² − S/(2σ²) over σ² ≥ bound, which is max(S/N, bound) (the function is
    /// unimodal in σ²), so EM stays monotone in the bounded ℓ.
    ///
    /// Why: unbounded, EM on a basis that interpolates every task drives σ² far below the floor
    /// (1e-13 on the harmonic fourier:16 fit, against a floor of 1e-6), and its Σ/σ², the
    /// starting factor of the bounded fit, was then orders of magnitude too large: on a
    /// noise-free linear case (NoiseFloorBoundaryTests) Σ started at 3e7 against an optimum of
    /// order 1, where ℓ is so flat in Λ that BFGS stopped after two iterations, not converged.
    var noiseFloor: Double? {
        didSet { if let bound = noiseFloor { noiseVariance = Swift.max(noiseVariance, bound) } }
    }

    /// Starts from the pooled least-squares fit (μ, σ²) and Σ = σ²I (Λ = I, as lme4 does).
    init(statistics: TaskStatistics, structure: CovarianceStructure) throws {
        self.statistics = statistics
        self.structure = structure
        let d = statistics.dimension
        var gram = Matrix(rows: d, columns: d)
        var cross = [Double](repeating: 0, count: d)
        var squares = 0.0
        for t in 0..<statistics.taskCount {
            let w = statistics.weights[t]
            for i in 0..<(d * d) { gram[i / d, i % d] += w * statistics.gram[t * d * d + i] }
            for i in 0..<d { cross[i] += w * statistics.cross[t * d + i] }
            squares += w * statistics.targetSquares[t]
        }
        // A tiny ridge keeps the start defined when the pooled design is rank-deficient.
        var ridged = gram
        let ridge = 1e-10 * Swift.max(gram.trace / Double(d), 1e-300)
        for i in 0..<d { ridged[i, i] += ridge }
        let mu = try Cholesky(symmetrized(ridged), jitter: .allowed(maximum: 1e6 * ridge + 1)).solve(cross)
        var rss = squares
        for i in 0..<d { rss -= 2 * mu[i] * cross[i] }
        let gmu = try gram.multiplied(by: mu)
        for i in 0..<d { rss += mu[i] * gmu[i] }
        let n = statistics.weightedObservations
        let sigma2 = Swift.max(rss / Swift.max(n - Double(d), 1), 1e-12 * Swift.max(squares / n, 1e-300))
        self.mean = mu
        self.noiseVariance = sigma2
        var f = [Double](repeating: 0, count: d * d)
        for i in 0..<d { f[i * d + i] = sigma2.squareRoot() }
        self.factor = f
    }

    /// One EM step; returns the log-likelihood at the parameters it started from.
    mutating func step() throws -> Double {
        let s = statistics
        let d = s.dimension
        let T = s.taskCount
        let chunkSize = TaskStatistics.chunkSize
        let chunks = DeterministicParallel.chunkCount(count: T, chunkSize: chunkSize)
        // Per chunk: Σ w m (d), Σ w (S + (m − μ)(m − μ)ᵀ) (d²), Σ w r, Σ w ℓ_i. The second
        // moment is taken about the current μ, not 0: Σ ← mean(S + m mᵀ) − μ̄μ̄ᵀ loses every
        // digit of a small Σ to cancellation when |μ| is large (constant targets: Σ → 0 under
        // μ ≈ 3 left a −2e-16 eigenvalue and an "indefinite" Σ), and μ is close to μ̄.
        let stride = d + d * d + 2
        var partial = [Double](repeating: 0, count: chunks * stride)
        let (mu, f, sigma2) = (mean, factor, noiseVariance)
        var failed = false
        let lock = NSLock()
        // The loop reads every per-task array through a buffer pointer and keeps its scratch in
        // one allocation per chunk: indexing the arrays of `s` inside the closure retained and
        // released them per access (about 14 % of the d = 3 fit in a profile).
        s.gram.withUnsafeBufferPointer { A in
        s.cross.withUnsafeBufferPointer { B in
        s.weights.withUnsafeBufferPointer { weights in
        s.targetSquares.withUnsafeBufferPointer { squares in
        s.counts.withUnsafeBufferPointer { counts in
        mu.withUnsafeBufferPointer { muBuffer in
        f.withUnsafeBufferPointer { fBuffer in
        partial.withUnsafeMutableBufferPointer { P in
            let mu = muBuffer.baseAddress!, f = fBuffer.baseAddress!
            let fused = usesFusedKernels && d <= FusedTaskKernels.largestOrder
            DeterministicParallel.forEachChunk(count: T, chunkSize: chunkSize) { chunk, range in
                if fused {
                    let tasks = FusedTaskKernels.Tasks(gram: A.baseAddress!, cross: B.baseAddress!, squares: squares.baseAddress!,
                                                       weights: weights.baseAddress!, counts: counts.baseAddress!)
                    let theta = FusedTaskKernels.EMParameters(mean: mu, factor: f, noiseVariance: sigma2)
                    if !FusedTaskKernels.expectationMaximisation(order: d, tasks, range: range, theta, sums: P.baseAddress! + chunk * stride) {
                        lock.lock(); failed = true; lock.unlock()
                    }
                    return
                }
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 3 * d * d + 4 * d)
                defer { scratch.deallocate() }
                let work = scratch, m = scratch + d * d, y = scratch + 2 * d * d
                let g = scratch + 3 * d * d, h = g + d, post = h + d, am = post + d
                let sums = P.baseAddress! + chunk * stride
                for t in range where weights[t] != 0 {
                    let w = weights[t]
                    let a = A.baseAddress! + t * d * d, b = B.baseAddress! + t * d
                    // M = σ²I + FᵀAF
                    PointerKernels.multiply(f, a, into: work, m: d, n: d, k: d, transposeA: true)
                    PointerKernels.multiply(work, f, into: m, m: d, n: d, k: d)
                    for i in 0..<d {
                        m[i * d + i] += sigma2
                        for j in 0..<i { let v = 0.5 * (m[i * d + j] + m[j * d + i]); m[i * d + j] = v; m[j * d + i] = v }
                    }
                    do { try PointerKernels.choleskyInPlace(m, n: d) } catch {
                        lock.lock(); failed = true; lock.unlock(); continue
                    }
                    // Y = R⁻¹Fᵀ
                    for i in 0..<d { for j in 0..<d { y[i * d + j] = f[j * d + i] } }
                    PointerKernels.solveLower(m, n: d, y, columns: d)
                    // g = b − Aμ, h = Y g, m_t = μ + Yᵀh
                    for i in 0..<d { g[i] = b[i] }
                    PointerKernels.multiply(a, vector: mu, into: g, rows: d, columns: d, alpha: -1, beta: 1)
                    PointerKernels.multiply(y, vector: g, into: h, rows: d, columns: d)
                    for i in 0..<d { post[i] = mu[i] }
                    PointerKernels.multiply(y, vector: h, into: post, rows: d, columns: d, transpose: true, beta: 1)
                    // S = σ² YᵀY (into work)
                    PointerKernels.multiply(y, y, into: work, m: d, n: d, k: d, transposeA: true, alpha: sigma2)
                    // r = c − 2mᵀb + mᵀAm + tr(AS)
                    PointerKernels.multiply(a, vector: post, into: am, rows: d, columns: d)
                    var r = squares[t]
                    var trace = 0.0
                    for i in 0..<d {
                        r += post[i] * (am[i] - 2 * b[i])
                        for j in 0..<d { trace += a[i * d + j] * work[j * d + i] }
                    }
                    r += trace
                    // ℓ_t = −n/2 log 2π − (n−d)/2 log σ² − ½ log|M| − Q/2,
                    // Q = [c − 2μᵀb + μᵀAμ − ‖h‖²]/σ²
                    var quad = squares[t]
                    for i in 0..<d {
                        var amu = 0.0
                        for j in 0..<d { amu += a[i * d + j] * mu[j] }
                        quad += mu[i] * (amu - 2 * b[i]) - h[i] * h[i]
                    }
                    let n = Double(counts[t])
                    let ll = -0.5 * n * log(2 * Double.pi) - 0.5 * (n - Double(d)) * log(sigma2)
                        - 0.5 * PointerKernels.logDeterminant(cholesky: m, n: d) - 0.5 * quad / sigma2
                    for i in 0..<d { sums[i] += w * post[i] }
                    for i in 0..<d { for j in 0..<d { sums[d + i * d + j] += w * (work[i * d + j] + (post[i] - mu[i]) * (post[j] - mu[j])) } }
                    sums[d + d * d] += w * r
                    sums[d + d * d + 1] += w * ll
                }
            }
        } } } } } } } }
        if failed { throw GSLError(.domain, operation: "EM step", reason: "a task's posterior precision is not positive definite") }
        var total = [Double](repeating: 0, count: stride)
        for chunk in 0..<chunks { for i in 0..<stride { total[i] += partial[chunk * stride + i] } }
        let weightSum = s.weights.reduce(0, +)
        let newMean = (0..<d).map { total[$0] / weightSum }
        var sigma = Matrix(rows: d, columns: d)
        for i in 0..<d { for j in 0..<d { sigma[i, j] = total[d + i * d + j] / weightSum - (newMean[i] - mu[i]) * (newMean[j] - mu[j]) } }
        sigma = symmetrized(sigma)
        switch structure {
        case .full: break
        case .diagonal: sigma = Matrix.diagonal(sigma.diagonalEntries)
        case .isotropic: sigma = Matrix.diagonal(Array(repeating: Swift.max(sigma.trace / Double(d), 0), count: d))
        }
        let newNoise = Swift.max(total[d + d * d] / s.weightedObservations, noiseFloor ?? 0, 1e-300)
        let prior = try GaussianPrior(mean: newMean, covariance: sigma, noiseVariance: newNoise)
        mean = newMean
        noiseVariance = newNoise
        factor = prior.factor.elements
        return total[d + d * d + 1]
    }

    /// Steps taken by ``iterate(tolerance:options:)`` so far.
    private(set) var iterations = 0
    /// The log-likelihood the last step started from (−∞ before the first).
    private(set) var logLikelihood = -Double.infinity
    /// |ℓ_k − ℓ_{k−1}| of the last step (∞ before the second).
    private var lastChange = Double.infinity

    /// Steps until ℓ changes by at most `tolerance` relative (or ``PriorFitOptions/emIterations``
    /// steps in all, or the deadline), continuing from where the last call stopped: a call with
    /// a loose tolerance followed by one with a tight tolerance takes exactly the steps one call
    /// with the tight tolerance takes. The fit's own tolerance is ``fitTolerance``.
    mutating func iterate(tolerance: Double, options: PriorFitOptions) throws {
        guard options.emIterations > 0 else { return }
        while !hasConverged(tolerance: tolerance) && iterations < options.emIterations && !options.expired {
            let ll = try step()
            iterations += 1
            lastChange = abs(ll - logLikelihood)
            options.progress?(FitProgress(phase: "em", iteration: iterations, logLikelihood: ll, change: ll - logLikelihood))
            logLikelihood = ll
        }
    }

    /// Whether the last step changed ℓ by at most `tolerance` relative (false before a step).
    func hasConverged(tolerance: Double) -> Bool { iterations > 0 && lastChange <= tolerance * abs(logLikelihood) }

    /// The relative change of ℓ at which EM hands over to BFGS and Newton steps.
    static let fitTolerance = 1e-6

    /// A lower-triangular Λ with ΛΛᵀ = Σ/σ² (jitter allowed: this is only a starting point).
    func relativeFactor() throws -> [Double] {
        let d = statistics.dimension
        let f = try Matrix(rows: d, columns: d, elements: factor)
        let relative = (1 / noiseVariance) * (try f.multiplied(by: f, transposeRight: true))
        let cholesky = try Cholesky(symmetrized(relative), jitter: .allowed(maximum: 1))
        return cholesky.lower.elements
    }
}
