// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The log marginal likelihood Σ_i w_i log p(D_i | θ) with μ and σ² profiled out, as a
/// function of the relative covariance factor Λ (Σ = σ² Λ Λᵀ) — the objective lme4
/// optimises for `REML = FALSE`, written with per-task sufficient statistics.
///
/// Λ is d×r with r ≤ d columns (``columns``): for the full structure it is lower-trapezoidal
/// (Λ_ij = 0 for j > i, which fixes the rotation Λ → ΛQ that leaves Σ unchanged), so a
/// rank-r Σ — the singular boundary where a flexible basis puts the optimum — is an interior
/// point of the parameter space rather than a limit the optimiser crawls towards. For the
/// diagonal and isotropic structures Λ is d×d diagonal (r = d) and zero entries are allowed.
///
/// For each task, with M̃ = I_r + ΛᵀA Λ = R Rᵀ (r×r), U = R⁻¹ΛᵀA (r×d) and v = R⁻¹Λᵀb, the
/// Woodbury identity gives, for Ṽ = I + ΦΛΛᵀΦᵀ (so V = σ²Ṽ):
///
///     X = ΦᵀṼ⁻¹Φ = A − UᵀU,   z = ΦᵀṼ⁻¹y = b − Uᵀv,   q = yᵀṼ⁻¹y = c − vᵀv,
///     log|Ṽ| = log|M̃| = 2 Σ log R_jj.
///
/// Then μ̂ = (Σ wX)⁻¹ Σ wz (generalised least squares), σ̂² = (Σ wq − μ̂ᵀΣ wz) / Σ w n, and
///
///     ℓ(Λ) = −(Σ w n)/2 · (log 2πσ̂² + 1) − ½ Σ w log|M̃|.
///
/// By the envelope theorem the gradient is that of the unprofiled likelihood at (μ̂, σ̂²):
/// ∂ℓ/∂Λ = 2GΛ with G = ½(E/σ̂² − Σ wX), e = z − Xμ̂ and E = Σ w e eᵀ; G = ∂ℓ/∂Σ̃ is the
/// gradient in Σ̃ = Σ/σ², which the convergence test (``FitCriterion``) uses. No Σ⁻¹
/// appears anywhere, so a singular Σ is an ordinary point of the objective. Per task the
/// cost is O(d²r), not O(d³): Σ w A is summed once, and only −Σ w UᵀU changes with Λ.
///
/// A task with fewer points than columns (n < r) whose rows ``TaskStatistics`` kept takes the
/// thin form instead when that saves work (ProfiledLikelihood+Thin.swift): the same X, z, q
/// and log-determinant from the n×n factor of I + ΦΛΛᵀΦᵀ, O(n·d·r + d²·n).
final class ProfiledLikelihood {
    let statistics: TaskStatistics
    let structure: CovarianceStructure
    /// r: the number of columns of Λ (the largest rank Σ can have).
    let columns: Int
    private let sumGram: [Double]          // Σ w A over the tasks not in thin form, fixed
    /// Σ w A: the weighted Gram matrix of all tasks (row-major d×d).
    let weightedGram: [Double]
    private(set) var projectedFactor: [Double]  // U_t (r×d) for every task, kept for the gradient pass (empty if all are thin)
    private(set) var projectedCross: [Double]   // v_t (r) for every task (empty if all are thin)
    /// Whether each task is evaluated in its thin form (n_i < r and its rows kept): see
    /// ProfiledLikelihood+Thin.swift.
    let isThin: [Bool]
    /// Z_t = L⁻¹Φ_t (n×d) of the thin tasks, at the rows of ``TaskRows/offsets``.
    var thinProjectedRows: [Double]
    /// s_t = L⁻¹y_t (n) of the thin tasks.
    var thinProjectedTargets: [Double]

    /// Lower bound of σ² (``PriorFitOptions/noiseFloor``), or `nil`.
    let noiseFloor: Double?
    /// Evaluations with the gradient so far (``PriorFitResult/gradientEvaluations``).
    private(set) var gradientEvaluations = 0
    /// Whether the per-task passes run ``FusedTaskKernels`` where they apply (d ≤ 8, r = d, no
    /// thin task); tests turn it off to compare with the general loops.
    var usesFusedKernels = true
    /// Whether ``FusedTaskKernels`` serve this likelihood's shape.
    var fusedKernelsApply: Bool {
        usesFusedKernels && statistics.dimension <= FusedTaskKernels.largestOrder && columns == statistics.dimension && !hasThinTask
    }
    private let hasThinTask: Bool

    init(statistics: TaskStatistics, structure: CovarianceStructure, columns: Int? = nil, noiseFloor: Double? = nil) {
        self.statistics = statistics
        self.structure = structure
        self.noiseFloor = noiseFloor
        let (t, d) = (statistics.taskCount, statistics.dimension)
        let r = structure == .full ? Swift.min(Swift.max(columns ?? d, 1), d) : d
        self.columns = r
        // With descriptors the GLS step needs X_t and z_t of every task from U_t and v_t, so
        // no task takes the thin form.
        let thin = (0..<t).map { statistics.descriptors == nil && statistics.rows.isKept($0) && Self.thinFormPays(points: statistics.counts[$0], dimension: d, columns: r) }
        var gram = [Double](repeating: 0, count: d * d), thick = gram
        for task in 0..<t where statistics.weights[task] != 0 {
            let w = statistics.weights[task]
            for i in 0..<(d * d) { gram[i] += w * statistics.gram[task * d * d + i] }
            if !thin[task] { for i in 0..<(d * d) { thick[i] += w * statistics.gram[task * d * d + i] } }
        }
        weightedGram = gram
        sumGram = thick
        isThin = thin
        hasThinTask = thin.contains(true)
        let allThin = !thin.contains(false)
        projectedFactor = [Double](repeating: 0, count: allThin ? 0 : t * r * d)
        projectedCross = [Double](repeating: 0, count: allThin ? 0 : t * r)
        let anyThin = thin.contains(true)
        thinProjectedRows = [Double](repeating: 0, count: anyThin ? statistics.rows.design.count : 0)
        thinProjectedTargets = [Double](repeating: 0, count: anyThin ? statistics.rows.targets.count : 0)
    }

    /// Number of free entries of Λ: d·r − r(r−1)/2 for the full structure.
    var parameterCount: Int {
        let d = statistics.dimension
        return structure == .full ? d * columns - columns * (columns - 1) / 2 : structure.parameterCount(dimension: d)
    }


    /// One evaluation: the profiled log-likelihood, its gradient in the parameters of Λ, the
    /// profiled μ̂ and σ̂², and the pieces of G = ∂ℓ/∂Σ̃.
    struct Evaluation {
        var logLikelihood: Double
        var gradient: [Double]
        var mean: [Double]
        var noiseVariance: Double
        /// Λ, row-major d×r.
        var factor: [Double]
        var columns: Int
        var noiseFloored: Bool
        /// E = Σ w e eᵀ (row-major d×d; empty without the gradient).
        var residualOuter: [Double]
        /// Σ w X (row-major d×d).
        var weightedProjection: [Double]
        /// The weighted residual Σ w q − μ̂ᵀΣ wz (σ̂² = it / N where σ² is profiled).
        var residual: Double = 0
        /// With descriptors: B̂ (row-major d×p) and the GLS matrix Σ w (z̃z̃ᵀ) ⊗ X (pd×pd, in
        /// the order of vec B); ``mean`` is then B̂ z̃̄. Empty without descriptors.
        var coefficients: [Double] = []
        var coefficientSystem: [Double] = []

        /// G = ½(E/σ̂² − Σ wX) = ∂ℓ/∂Σ̃ (row-major d×d).
        var sigmaGradient: [Double] {
            zip(residualOuter, weightedProjection).map { 0.5 * ($0 / noiseVariance - $1) }
        }
    }

    /// Writes Λ (row-major d×r) for the parameter vector `theta`.
    func factor(_ theta: [Double]) -> [Double] {
        let d = statistics.dimension, r = columns
        guard structure == .full else {
            var lambda = [Double](repeating: 0, count: d * d)
            structure.fillFactor(theta, dimension: d, into: &lambda)
            return lambda
        }
        var lambda = [Double](repeating: 0, count: d * r)
        var k = 0
        for i in 0..<d { for j in 0...Swift.min(i, r - 1) { lambda[i * r + j] = theta[k]; k += 1 } }
        return lambda
    }

    /// The parameters of a d×r factor (the inverse of ``factor(_:)``; entries above the
    /// diagonal are ignored).
    func parameters(ofFactor lambda: [Double]) -> [Double] {
        let d = statistics.dimension, r = columns
        guard structure == .full else { return structure.parameters(ofFactor: lambda, dimension: d) }
        var theta: [Double] = []
        theta.reserveCapacity(parameterCount)
        for i in 0..<d { for j in 0...Swift.min(i, r - 1) { theta.append(lambda[i * r + j]) } }
        return theta
    }

    /// Evaluates at parameters `theta` of Λ.
    func evaluate(_ theta: [Double], gradient wantGradient: Bool = true) throws -> Evaluation {
        let d = statistics.dimension
        let r = columns
        let T = statistics.taskCount
        let lambda = factor(theta)
        let chunkSize = TaskStatistics.chunkSize
        let chunks = DeterministicParallel.chunkCount(count: T, chunkSize: chunkSize)
        // Per-chunk partial sums: −Σ wUᵀU (d²), Σ wz (d), Σ wq, Σ w log|M̃|.
        let stride = d * d + d + 2
        var partial = [Double](repeating: 0, count: chunks * stride)
        var failure: [Int: Error] = [:]
        let failureLock = NSLock()
        statistics.gram.withUnsafeBufferPointer { A in
        statistics.cross.withUnsafeBufferPointer { B in
        projectedFactor.withUnsafeMutableBufferPointer { UU in
        projectedCross.withUnsafeMutableBufferPointer { VV in
        thinProjectedRows.withUnsafeMutableBufferPointer { ZZ in
        thinProjectedTargets.withUnsafeMutableBufferPointer { SS in
        partial.withUnsafeMutableBufferPointer { P in
        lambda.withUnsafeBufferPointer { L in
        statistics.withFusedTasks { fusedTasks in
            let tasks = fusedKernelsApply ? fusedTasks : nil
            DeterministicParallel.forEachChunk(count: T, chunkSize: chunkSize) { chunk, range in
                let sums = P.baseAddress! + chunk * stride
                if let tasks {
                    if let t = FusedTaskKernels.profiled(order: d, tasks, range: range, factor: L.baseAddress!, projectedFactor: UU.baseAddress!,
                                                         projectedCross: VV.baseAddress!, sums: sums) {
                        failureLock.lock()
                        failure[t] = GSLError(.domain, operation: "Cholesky factorisation", reason: "matrix is not positive definite")
                        failureLock.unlock()
                    }
                    return
                }
                var m = [Double](repeating: 0, count: r * r)
                for t in range where !isThin[t] {
                    let w = statistics.weights[t]
                    let a = A.baseAddress! + t * d * d, b = B.baseAddress! + t * d
                    let u = UU.baseAddress! + t * r * d, v = VV.baseAddress! + t * r
                    // C = ΛᵀA (r×d, into u), M̃ = I + CΛ, R = chol(M̃)
                    PointerKernels.multiply(L.baseAddress!, a, into: u, m: r, n: d, k: d, transposeA: true)
                    PointerKernels.multiply(u, L.baseAddress!, into: &m, m: r, n: r, k: d)
                    for i in 0..<r {
                        m[i * r + i] += 1
                        for j in 0..<i { let s = 0.5 * (m[i * r + j] + m[j * r + i]); m[i * r + j] = s; m[j * r + i] = s }
                    }
                    do { try PointerKernels.choleskyInPlace(&m, n: r) } catch {
                        failureLock.lock(); failure[t] = error; failureLock.unlock(); continue
                    }
                    // U = R⁻¹C, v = R⁻¹Λᵀb
                    PointerKernels.solveLower(m, n: r, u, columns: d)
                    PointerKernels.multiply(L.baseAddress!, vector: b, into: v, rows: d, columns: r, transpose: true)
                    PointerKernels.solveLower(m, n: r, vector: v)
                    guard w != 0 else { continue }
                    // Σ wX = Σ wA − Σ wUᵀU, z = b − Uᵀv, q = c − vᵀv
                    PointerKernels.multiply(u, u, into: sums, m: d, n: d, k: r, transposeA: true, alpha: -w, beta: 1)
                    for i in 0..<d { sums[d * d + i] += w * b[i] }
                    PointerKernels.multiply(u, vector: v, into: sums + d * d, rows: r, columns: d, transpose: true, alpha: -w, beta: 1)
                    var q = statistics.targetSquares[t]
                    for i in 0..<r { q -= v[i] * v[i] }
                    sums[d * d + d] += w * q
                    sums[d * d + d + 1] += w * PointerKernels.logDeterminant(cholesky: m, n: r)
                }
                if let (t, error) = accumulateThin(range, factor: L.baseAddress!, into: sums,
                                                   projectedRows: ZZ.baseAddress, projectedTargets: SS.baseAddress) {
                    failureLock.lock(); failure[t] = error; failureLock.unlock()
                }
            }
        } } } } } } } } }
        if let (task, error) = failure.min(by: { $0.key < $1.key }) {
            throw GSLError(.domain, operation: "marginal likelihood", reason: "task \(task + 1): \(error)")
        }
        // Combine chunks in order: bit-identical whatever the number of threads.
        var total = [Double](repeating: 0, count: stride)
        for chunk in 0..<chunks { for i in 0..<stride { total[i] += partial[chunk * stride + i] } }
        for i in 0..<(d * d) { total[i] += sumGram[i] }
        let sumX = symmetrized(try Matrix(rows: d, columns: d, elements: Array(total[0..<(d * d)])))
        let sumZ = Array(total[(d * d)..<(d * d + d)])
        let sumQ = total[d * d + d], sumLogDet = total[d * d + d + 1]
        let mean: [Double]
        var gls: DescriptorGLS?
        var residual = sumQ
        if statistics.descriptors != nil {
            let solved = try descriptorGLS()
            mean = solved.mean
            residual -= solved.explained
            gls = solved
        } else {
            do {
                mean = try Cholesky(sumX).solve(sumZ)
            } catch {
                throw InputError("the prior mean is not identifiable: the features are collinear over all tasks (Σ ΦᵀV⁻¹Φ is singular); use fewer features or more varied inputs")
            }
            for i in 0..<d { residual -= mean[i] * sumZ[i] }
        }
        let observations = statistics.weightedObservations
        // σ̂² = 0 means every task is fitted exactly: floor it (a real boundary, reported).
        let floor = 1e-300 * Swift.max(1, observations)
        let noiseFloored = !(residual > floor)
        var noiseVariance = Swift.max(residual, floor) / observations
        var logLikelihood = -0.5 * observations * (log(2 * Double.pi * noiseVariance) + 1) - 0.5 * sumLogDet
        // σ² bounded below: where r/N < bound the maximum over σ² ≥ bound is at the bound, and
        // ℓ = −N/2·log 2πσ² − ½Σ w log|M̃| − r/(2σ²). G = ½(E/σ² − Σ wX) holds at any fixed σ²
        // (μ̂ does not depend on σ²), so the gradient and the KKT test need no change.
        if let bound = noiseFloor, noiseVariance < bound {
            noiseVariance = bound
            logLikelihood = -0.5 * observations * log(2 * Double.pi * bound) - 0.5 * sumLogDet - 0.5 * Swift.max(residual, 0) / bound
        }
        var evaluation = Evaluation(logLikelihood: logLikelihood, gradient: [], mean: mean,
                                    noiseVariance: noiseVariance, factor: lambda, columns: lambda.count / d,
                                    noiseFloored: noiseFloored, residualOuter: [], weightedProjection: sumX.elements,
                                    residual: Swift.max(residual, 0))
        if let gls {
            evaluation.coefficients = gls.coefficients
            evaluation.coefficientSystem = gls.system
        }
        if wantGradient {
            gradientEvaluations += 1
            evaluation.residualOuter = gls == nil ? residualOuter(mean: mean) : residualOuter(coefficients: evaluation.coefficients)
            evaluation.gradient = parameterGradient(evaluation)
        }
        return evaluation
    }

    /// ∂ℓ/∂θ = 2GΛ restricted to the free entries of Λ.
    func parameterGradient(_ e: Evaluation) -> [Double] {
        let d = statistics.dimension, r = e.columns
        let g = e.sigmaGradient
        var full = [Double](repeating: 0, count: d * r)
        PointerKernels.multiply(g, e.factor, into: &full, m: d, n: r, k: d, alpha: 2)
        switch structure {
        case .full:
            var out: [Double] = []
            for i in 0..<d { for j in 0...Swift.min(i, r - 1) { out.append(full[i * r + j]) } }
            return out
        case .diagonal, .isotropic:
            return structure.projectGradient(full, dimension: d)
        }
    }
}

/// (A + Aᵀ)/2: removes round-off asymmetry before a Cholesky factorisation.
func symmetrized(_ a: Matrix) -> Matrix {
    var s = a
    for i in 0..<a.rows { for j in 0..<i { let v = 0.5 * (a[i, j] + a[j, i]); s[i, j] = v; s[j, i] = v } }
    return s
}
