// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The profiled deviance of the linear mixed model, as lme4 computes it (Bates et al. 2015,
/// "Fitting linear mixed-effects models using lme4", §3): β and σ² are profiled out, so the
/// deviance is a function of the relative covariance factor Λ alone, Σ = σ² ΛΛᵀ.
///
/// Per task, with M_i = I_q + ΛᵀX_iᵀX_iΛ (Woodbury: (I + X_iΛΛᵀX_iᵀ)⁻¹ needs only M_i),
///
///     FᵀWF = Σ_i F_iᵀF_i − (F_iᵀX_iΛ) M_i⁻¹ (ΛᵀX_iᵀF_i),   Fᵀwy and yᵀWy alike,
///     β̂ = (FᵀWF)⁻¹ FᵀWy,   r² = yᵀWy − FᵀWyᵀ β̂,
///     ML:   −2ℓ   = Σ log|M_i| + N (1 + log(2π r²/N)),          σ̂² = r²/N,
///     REML: −2ℓ_R = Σ log|M_i| + log|FᵀWF| + (N − p)(1 + log(2π r²/(N − p))),  σ̂² = r²/(N − p),
///
/// which are lme4's `deviance` (ML) and `REMLcrit` (REML).
struct MixedDeviance {
    /// The tasks' statistics (all with the same p and q), packed.
    let tasks: MixedStatisticsTable
    /// Restricted (REML) or full maximum likelihood.
    let reml: Bool
    /// Whether Λ is diagonal (`(x || g)`): then θ holds the q diagonal entries only.
    let diagonal: Bool
    let p: Int, q: Int
    /// Σ_i n_i.
    let observations: Int

    init(tasks: [MixedTaskStatistics], reml: Bool, diagonal: Bool) {
        self.reml = reml
        self.diagonal = diagonal
        p = tasks.first?.p ?? 0
        q = tasks.first?.q ?? 0
        self.tasks = MixedStatisticsTable(tasks, p: p, q: q)
        observations = tasks.reduce(0) { $0 + $1.count }
    }

    /// Number of entries of θ: q (diagonal) or q(q+1)/2 (lower triangle, column by column as
    /// lme4 orders `getME(fit, "theta")`).
    var parameterCount: Int { diagonal ? q : q * (q + 1) / 2 }

    /// Λ (q×q, row-major) from θ.
    func factor(_ theta: [Double]) -> [Double] {
        var lambda = [Double](repeating: 0, count: q * q)
        if diagonal {
            for j in 0..<q { lambda[j * q + j] = theta[j] }
        } else {
            var k = 0
            for j in 0..<q { for i in j..<q { lambda[i * q + j] = theta[k]; k += 1 } }
        }
        return lambda
    }

    /// A task's G Λ (G = XᵀX) and M = I + ΛᵀGΛ, the q×q core of the Woodbury identity
    /// (I + XΛΛᵀXᵀ)⁻¹ = I − XΛM⁻¹ΛᵀXᵀ, into `gl` and `m` (row-major).
    @inline(__always)
    func woodburyCore(_ t: MixedStatisticsTable.Task, _ lambda: UnsafePointer<Double>, gl: UnsafeMutablePointer<Double>, m: UnsafeMutablePointer<Double>) {
        for i in 0..<q { for j in 0..<q {
            var s = 0.0
            for k in 0..<q { s += t.xtx[i * q + k] * lambda[k * q + j] }
            gl[i * q + j] = s
        } }
        for i in 0..<q { for j in 0..<q {
            var s = i == j ? 1.0 : 0.0
            for k in 0..<q { s += lambda[k * q + i] * gl[k * q + j] }
            m[i * q + j] = s
        } }
    }

    /// Tasks per chunk of the parallel loops (fixed, never from the core count).
    static let chunkSize = 512

    /// One chunk's share of the deviance's sums.
    struct Sums {
        var fwf: [Double], fwy: [Double], ywy = 0.0, logDetM = 0.0
    }

    /// Σ over the tasks in `range` of FᵀWF, FᵀWy, yᵀWy and log|M_i|; `nil` if an M_i is not
    /// positive definite (overflow).
    func sums(_ range: Range<Int>, _ lambda: [Double]) -> Sums? {
        let w = p + 1
        // The sums on pointers too (FᵀWF, then FᵀWy), and log|M_i| summed as one running
        // product of the determinants (each ≥ 1), its log taken when it passes 1e150.
        let fwf = UnsafeMutablePointer<Double>.allocate(capacity: p * p + p)
        fwf.initialize(repeating: 0, count: p * p + p)
        let fwy = fwf + p * p
        defer { fwf.deallocate() }
        var ywy = 0.0, logDetM = 0.0, determinants = 1.0
        // Scratch for one task, on pointers: GΛ, M (then its Cholesky factor) and the q × (p + 1)
        // right-hand sides [ΛᵀXᵀF | ΛᵀXᵀy], solved together (then L⁻¹ of them).
        let xl = UnsafeMutablePointer<Double>.allocate(capacity: q * q)
        let m = UnsafeMutablePointer<Double>.allocate(capacity: q * q)
        let rhs = UnsafeMutablePointer<Double>.allocate(capacity: q * w)
        defer { xl.deallocate(); m.deallocate(); rhs.deallocate() }
        return lambda.withUnsafeBufferPointer { lp in
            let lambda = lp.baseAddress!
            return tasks.withTasks { task in
                for index in range {
                    let t = task(index)
                    woodburyCore(t, lambda, gl: xl, m: m)
                    for i in 0..<q {
                        var s = 0.0
                        for k in 0..<q { s += lambda[k * q + i] * t.xty[k] }
                        rhs[i * w + p] = s
                        for a in 0..<p {
                            var v = 0.0
                            for k in 0..<q { v += lambda[k * q + i] * t.ftx[a * q + k] }
                            rhs[i * w + a] = v
                        }
                    }
                    guard let determinant = Self.choleskyDeterminant(m, q, logSum: &logDetM) else { return nil }
                    determinants *= determinant
                    if determinants > 1e150 { logDetM += log(determinants); determinants = 1 }
                    PointerKernels.solveLowerOnLoops(m, n: q, rhs, columns: w, transpose: false)
                    for a in 0..<p {
                        var s = t.fty[a]
                        for k in 0..<q { s -= rhs[k * w + a] * rhs[k * w + p] }
                        fwy[a] += s
                        for b in 0..<p {
                            var v = t.ftf[a * p + b]
                            for k in 0..<q { v -= rhs[k * w + a] * rhs[k * w + b] }
                            fwf[a * p + b] += v
                        }
                    }
                    var r = t.yty
                    for k in 0..<q { r -= rhs[k * w + p] * rhs[k * w + p] }
                    ywy += r
                }
                return Sums(fwf: Array(UnsafeBufferPointer(start: fwf, count: p * p)), fwy: Array(UnsafeBufferPointer(start: fwy, count: p)),
                            ywy: ywy, logDetM: logDetM + log(determinants))
            }
        }
    }

    /// Factors the small q × q matrix at `m` in place (lower Cholesky factor) and returns its
    /// determinant — the product of the squared pivots, each ≥ 1 for M = I + ΛᵀGΛ — or `nil`
    /// when it is not positive definite. Past 1e150 the product's log is added to `logSum`
    /// and the product restarts, so it never overflows. A log per pivot, or per task, was a
    /// visible share of an evaluation at q = 2.
    @inline(__always)
    static func choleskyDeterminant(_ m: UnsafeMutablePointer<Double>, _ q: Int, logSum: inout Double) -> Double? {
        var product = 1.0
        for j in 0..<q {
            var d = m[j * q + j]
            for k in 0..<j { d -= m[j * q + k] * m[j * q + k] }
            guard d > 0, d.isFinite else { return nil }
            product *= d
            if product > 1e150 { logSum += log(product); product = 1 }
            let l = d.squareRoot()
            m[j * q + j] = l
            for i in (j + 1)..<Swift.max(j + 1, q) {
                var s = m[i * q + j]
                for k in 0..<j { s -= m[i * q + k] * m[j * q + k] }
                m[i * q + j] = s / l
            }
            for i in 0..<j { m[i * q + j] = 0 }
        }
        return product
    }

    /// Everything the deviance profiles at θ.
    struct Profile {
        var deviance: Double
        /// β̂ (p).
        var beta: [Double]
        /// FᵀWF (p×p, row-major); vcov(β̂) = σ̂² (FᵀWF)⁻¹.
        var fwf: [Double]
        /// σ̂² for this criterion.
        var sigma2: Double
    }

    /// The deviance at θ, or `nil` where it is not defined (a non-finite θ).
    /// - Throws: ``InputError`` when the shared columns are collinear (FᵀWF singular).
    func profile(_ theta: [Double]) throws -> Profile? {
        guard theta.allSatisfy(\.isFinite) else { return nil }
        let lambda = factor(theta)
        // The tasks in fixed chunks on all cores, the chunks' sums added in chunk order: the
        // same bits on any number of threads (DeterministicParallel).
        let chunks = DeterministicParallel.chunkCount(count: tasks.count, chunkSize: Self.chunkSize)
        var partials = [Sums?](repeating: nil, count: chunks)
        partials.withUnsafeMutableBufferPointer { slots in
            DeterministicParallel.forEachChunk(count: tasks.count, chunkSize: Self.chunkSize) { chunk, range in
                slots[chunk] = sums(range, lambda)
            }
        }
        var fwf = [Double](repeating: 0, count: p * p)
        var fwy = [Double](repeating: 0, count: p)
        var ywy = 0.0
        var logDetM = 0.0
        for partial in partials {
            // M_i = I + ΛᵀG_iΛ is positive definite for every finite Λ; a chunk fails only on
            // overflow, where the deviance is not defined.
            guard let partial else { return nil }
            for k in fwf.indices { fwf[k] += partial.fwf[k] }
            for k in fwy.indices { fwy[k] += partial.fwy[k] }
            ywy += partial.ywy
            logDetM += partial.logDetM
        }
        // β̂ and r² by the Cholesky factor of FᵀWF.
        var chol = fwf
        var beta = fwy
        var logDetF = 0.0
        do {
            try chol.withUnsafeMutableBufferPointer { cp in
                try PointerKernels.choleskyInPlace(cp.baseAddress!, n: p)
                logDetF = PointerKernels.logDeterminant(cholesky: cp.baseAddress!, n: p)
                beta.withUnsafeMutableBufferPointer { bp in
                    PointerKernels.solveLower(cp.baseAddress!, n: p, vector: bp.baseAddress!, transpose: false)
                }
            }
        } catch {
            throw InputError(kind: .invalidValue, "the shared (fixed-effect) columns are collinear, so their coefficients are not identified; drop a column or a term from the formula")
        }
        // beta holds L⁻¹Fᵀwy now: r² = yᵀWy − ‖L⁻¹FᵀWy‖².
        var r2 = ywy
        for a in 0..<p { r2 -= beta[a] * beta[a] }
        chol.withUnsafeBufferPointer { cp in
            beta.withUnsafeMutableBufferPointer { bp in
                PointerKernels.solveLower(cp.baseAddress!, n: p, vector: bp.baseAddress!, transpose: true)
            }
        }
        let n = Double(observations)
        let dof = reml ? n - Double(p) : n
        guard r2 > 0, dof > 0 else { return nil }
        var deviance = logDetM + dof * (1 + log(2 * Double.pi * r2 / dof))
        if reml { deviance += logDetF }
        return Profile(deviance: deviance, beta: beta, fwf: fwf, sigma2: r2 / dof)
    }
}
