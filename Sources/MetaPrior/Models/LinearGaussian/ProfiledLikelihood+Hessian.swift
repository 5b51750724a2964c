// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The exact Hessian of the profiled ℓ in the parameters θ of Λ, in one pass over the tasks.
///
/// Derivation. Write Σ̃ = ΛΛᵀ and, per task, X = ΦᵀṼ⁻¹Φ, e = ΦᵀṼ⁻¹(y − Φμ̂) = z − Xμ̂. At
/// μ and σ² held fixed, the second differential of Σ w ℓ_i in symmetric changes Δ, Δ' of Σ̃ is
///
///     D²ℓ[Δ, Δ'] = Σ w (½ tr(XΔXΔ') − eᵀΔXΔ'e/σ²)
///
/// (from d Ṽ = ΦΔΦᵀ: −½ log|Ṽ| gives ½ tr(XΔXΔ'), −r̃ᵀṼ⁻¹r̃/(2σ²) gives −eᵀΔXΔ'e/σ²).
/// Λ is linear in θ, so an entry (a, b) of Λ moves Σ̃ by Δ_ab = e_a l_bᵀ + l_b e_aᵀ (l_b the
/// b-th column of Λ) to first order and by E_ab E_cfᵀ + E_cf E_abᵀ to second, where ⟨G, ·⟩
/// (G = ∂ℓ/∂Σ̃) gives 2 G_ac [b = f]. With P = XΛ, N = ΛᵀXΛ and s = Λᵀe per task,
///
///     ½ tr(XΔ_abXΔ_cf) = P_af P_cb + X_ac N_bf,
///     eᵀΔ_abXΔ_cf e = s_b s_f X_ac + s_b e_c P_af + e_a s_f P_cb + e_a e_c N_bf,
///
/// products of per-task quantities: that is the pass (``FusedTaskKernels/addTaskHessian``),
/// O(K²) per task for K entries. Profiling then adds the Schur complements of the nuisance
/// block, which is block-diagonal at (μ̂, σ̂²) because Σ w e = 0 there:
/// μ adds c_abᵀ (Σ wX/σ²)⁻¹ c_cf with c_ab = Σ w X Δ_ab e/σ² (summed in the same pass), and σ²,
/// where it is profiled rather than held at ``noiseFloor``, adds 2 h_ab h_cf / N with
/// h_ab = ⟨E, Δ_ab⟩/(2σ²) = (EΛ)_ab/σ² (∂²ℓ/∂(σ²)² = −N/(2σ⁴) at σ̂²). The entry Hessian maps to θ
/// by summing the entries each parameter sets (one each for the full and diagonal structures,
/// the d diagonal ones for the isotropic).
///
/// Why: the Newton polish needed 2k gradient evaluations per Hessian by differences (each a
/// pass over the tasks); this is one pass. With task descriptors μ_i = B z̃_i and the Schur
/// complement of B is not written here: ``hessian(at:)`` throws and the polish keeps
/// differences.
extension ProfiledLikelihood {
    /// The entries (a, b) of Λ that the parameters set, and the parameter of each.
    var hessianEntries: (rows: [Int], columns: [Int], parameter: [Int]) {
        let d = statistics.dimension, r = columns
        switch structure {
        case .full:
            let pairs = (0..<d).flatMap { i in (0...Swift.min(i, r - 1)).map { (i, $0) } }
            return (pairs.map(\.0), pairs.map(\.1), Array(pairs.indices))
        case .diagonal: return (Array(0..<d), Array(0..<d), Array(0..<d))
        case .isotropic: return (Array(0..<d), Array(0..<d), [Int](repeating: 0, count: d))
        }
    }

    /// ∂²ℓ/∂θ∂θᵀ (row-major k×k, k = ``parameterCount``) at `e`, an evaluation with the
    /// gradient. Deterministic: at most 64 chunks, fixed by the task count, summed in order.
    func hessian(at e: Evaluation) throws -> [Double] {
        guard statistics.descriptors == nil else {
            throw InputError("the exact Hessian of the marginal likelihood is not available with task descriptors")
        }
        precondition(!e.residualOuter.isEmpty, "hessian(at:) needs an evaluation with the gradient")
        let d = statistics.dimension, r = e.columns, T = statistics.taskCount
        let (rows, cols, parameter) = hessianEntries
        let kk = rows.count, stride = kk * kk + kk * d
        // Few chunks: each holds a K×K block (K ≤ 300 at the dense polish's limit).
        let chunkSize = Swift.max(TaskStatistics.chunkSize, (T + 63) / 64)
        let chunks = DeterministicParallel.chunkCount(count: T, chunkSize: chunkSize)
        var partial = [Double](repeating: 0, count: chunks * stride)
        var failure: [Int: Error] = [:]
        let lock = NSLock()
        let sigma2 = e.noiseVariance
        let fused = fusedKernelsApply
        rows.withUnsafeBufferPointer { R in
        cols.withUnsafeBufferPointer { C in
        e.factor.withUnsafeBufferPointer { L in
        e.mean.withUnsafeBufferPointer { mu in
        partial.withUnsafeMutableBufferPointer { P in
        statistics.withFusedTasks { tasks in
            let entries = FusedTaskKernels.HessianEntries(rows: R.baseAddress!, columns: C.baseAddress!, count: kk)
            DeterministicParallel.forEachChunk(count: T, chunkSize: chunkSize) { chunk, range in
                let sums = P.baseAddress! + chunk * stride
                if fused {
                    if let t = FusedTaskKernels.hessian(order: d, tasks, range: range, factor: L.baseAddress!, mean: mu.baseAddress!,
                                                        noiseVariance: sigma2, entries: entries, sums: sums) {
                        lock.lock(); failure[t] = GSLError(.domain, operation: "Cholesky factorisation", reason: "matrix is not positive definite"); lock.unlock()
                    }
                    return
                }
                // The r-form for every task (a thin task's X and z are the same numbers).
                var scratch = TaskProjection(dimension: d, columns: r)
                var p = [Double](repeating: 0, count: d * r), n = [Double](repeating: 0, count: r * r)
                var s = [Double](repeating: 0, count: r)
                for t in range where tasks.weights[t] != 0 {
                    do { try scratch.project(tasks, task: t, factor: L.baseAddress!) } catch {
                        lock.lock(); failure[t] = error; lock.unlock(); continue
                    }
                    PointerKernels.multiply(scratch.x, vector: mu.baseAddress!, into: &scratch.z, rows: d, columns: d, alpha: -1, beta: 1)
                    PointerKernels.multiply(scratch.x, L.baseAddress!, into: &p, m: d, n: r, k: d)
                    PointerKernels.multiply(L.baseAddress!, p, into: &n, m: r, n: r, k: d, transposeA: true)
                    PointerKernels.multiply(L.baseAddress!, vector: scratch.z, into: &s, rows: d, columns: r, transpose: true)
                    FusedTaskKernels.addTaskHessian(dimension: d, columns: r, x: scratch.x, residual: scratch.z, projected: p, inner: n,
                                                    loadings: s, weight: tasks.weights[t], noiseVariance: sigma2,
                                                    entries: entries, sums: sums)
                }
            }
        } } } } } }
        if let (task, error) = failure.min(by: { $0.key < $1.key }) {
            throw GSLError(.domain, operation: "marginal likelihood Hessian", reason: "task \(task + 1): \(error)")
        }
        var total = [Double](repeating: 0, count: stride)
        for chunk in 0..<chunks { for i in 0..<stride { total[i] += partial[chunk * stride + i] } }
        // μ's Schur complement: Q = (Σ wX/σ²)⁻¹ Cᵀ (d×K).
        let coupling = try Matrix(rows: kk, columns: d, elements: Array(total[(kk * kk)...]))
        let information = symmetrized(try Matrix(rows: d, columns: d, elements: e.weightedProjection.map { $0 / sigma2 }))
        let solved = try Cholesky(information).solve(coupling.transposed)
        // σ²'s: h = (EΛ)_ab/σ², where σ² is profiled.
        var el = [Double](repeating: 0, count: d * r)
        PointerKernels.multiply(e.residualOuter, e.factor, into: &el, m: d, n: r, k: d)
        let profiledNoise = !PriorFit.atNoiseFloor(self, e)
        let h = (0..<kk).map { el[rows[$0] * r + cols[$0]] / sigma2 }
        let g = e.sigmaGradient
        let observations = statistics.weightedObservations
        let k = parameterCount
        var hessian = [Double](repeating: 0, count: k * k)
        for m in 0..<kk {
            for q in m..<kk {
                var value = total[m * kk + q]
                if cols[m] == cols[q] { value += 2 * g[rows[m] * d + rows[q]] }
                for i in 0..<d { value += coupling[m, i] * solved[i, q] }
                if profiledNoise { value += 2 * h[m] * h[q] / observations }
                hessian[parameter[m] * k + parameter[q]] += value
                if m != q { hessian[parameter[q] * k + parameter[m]] += value }
            }
        }
        return hessian
    }
}

/// Scratch for one task's X = A − UᵀU and z = b − Uᵀv at Λ (d×r) in the r-form of
/// ``ProfiledLikelihood`` (U = R⁻¹ΛᵀA, v = R⁻¹Λᵀb, RRᵀ = I + ΛᵀAΛ), for passes that need X
/// itself (the Hessians); any task, thin or not.
struct TaskProjection {
    let d: Int, r: Int
    var c: [Double], m: [Double], v: [Double]
    /// X (d×d) and z (d) of the last ``project(_:task:factor:)``.
    var x: [Double], z: [Double]

    init(dimension d: Int, columns r: Int) {
        self.d = d; self.r = r
        c = [Double](repeating: 0, count: r * d); m = [Double](repeating: 0, count: r * r); v = [Double](repeating: 0, count: r)
        x = [Double](repeating: 0, count: d * d); z = [Double](repeating: 0, count: d)
    }

    mutating func project(_ tasks: FusedTaskKernels.Tasks, task t: Int, factor lambda: UnsafePointer<Double>) throws {
        let a = tasks.gram + t * d * d, b = tasks.cross + t * d
        PointerKernels.multiply(lambda, a, into: &c, m: r, n: d, k: d, transposeA: true)
        PointerKernels.multiply(c, lambda, into: &m, m: r, n: r, k: d)
        for i in 0..<r {
            m[i * r + i] += 1
            for j in 0..<i { let s = 0.5 * (m[i * r + j] + m[j * r + i]); m[i * r + j] = s; m[j * r + i] = s }
        }
        try PointerKernels.choleskyInPlace(&m, n: r)
        PointerKernels.solveLower(m, n: r, &c, columns: d)
        PointerKernels.multiply(lambda, vector: b, into: &v, rows: d, columns: r, transpose: true)
        PointerKernels.solveLower(m, n: r, vector: &v)
        for i in 0..<(d * d) { x[i] = a[i] }
        PointerKernels.multiply(c, c, into: &x, m: d, n: d, k: r, transposeA: true, alpha: -1, beta: 1)
        for i in 0..<d { z[i] = b[i] }
        PointerKernels.multiply(c, vector: v, into: &z, rows: r, columns: d, transpose: true, alpha: -1, beta: 1)
    }
}
