// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension MixedDeviance {
    /// ∂d/∂θ at θ, given the ``Profile`` there (a second pass over the tasks, which needs β̂,
    /// σ̂² and FᵀWF from the first).
    ///
    /// With G_i = X_iᵀX_i, M_i = I + ΛᵀG_iΛ, the residual's g_i = X_iᵀ(y_i − F_iβ̂),
    /// v_i = M_i⁻¹Λᵀg_i, H_i = X_iᵀF_i, V_i = M_i⁻¹ΛᵀH_i, S_i = V_i A⁻¹ V_iᵀ, A = FᵀWF and
    /// ν = N (ML) or N − p (REML), the gradient in Λ is
    ///
    ///     Σ_i 2 G_iΛM_i⁻¹                                   (log|M_i|)
    ///     − (ν / r²) Σ_i (2 g_i v_iᵀ − 2 G_iΛ v_i v_iᵀ)      (ν log r², β̂ held by the envelope theorem)
    ///     − Σ_i (2 H_i A⁻¹ V_iᵀ − 2 G_iΛ S_i)                (log|A|, REML only),
    ///
    /// from d log|M| = tr(M⁻¹dM) and d(uᵀM⁻¹u) = 2vᵀdu − vᵀdM v; its entries at θ's places
    /// (the lower triangle, or the diagonal) are ∂d/∂θ.
    func gradient(_ theta: [Double], at profile: Profile) throws -> [Double] {
        let lambda = factor(theta)
        let nu = reml ? Double(observations - p) : Double(observations)
        let r2 = profile.sigma2 * nu
        // A⁻¹ (p×p).
        var aInverse = [Double](repeating: 0, count: p * p)
        if p > 0 {
            aInverse = try Cholesky(try Matrix(rows: p, columns: p, elements: profile.fwf)).inverse().elements
        }
        // Chunks on all cores, summed in chunk order (DeterministicParallel), as the deviance.
        let chunks = DeterministicParallel.chunkCount(count: tasks.count, chunkSize: Self.chunkSize)
        var partials = [[Double]?](repeating: nil, count: chunks)
        // The chunks read Λ, β̂ and A⁻¹ through pointers (empty arrays: any valid address).
        let beta = profile.beta
        lambda.withUnsafeBufferPointer { lp in beta.withUnsafeBufferPointer { bp in aInverse.withUnsafeBufferPointer { ap in
            let l = lp.baseAddress!, b = bp.baseAddress ?? lp.baseAddress!, a = ap.baseAddress ?? lp.baseAddress!
            partials.withUnsafeMutableBufferPointer { slots in
                DeterministicParallel.forEachChunk(count: tasks.count, chunkSize: Self.chunkSize) { chunk, range in
                    slots[chunk] = gradientSums(range, lambda: l, beta: b, aInverse: a, nu: nu, r2: r2)
                }
            }
        } } }
        var total = [Double](repeating: 0, count: q * q)
        for partial in partials {
            guard let partial else {
                throw InputError(kind: .invalidValue, "the mixed model's gradient overflowed; the data have extreme values")
            }
            for k in total.indices { total[k] += partial[k] }
        }
        if diagonal { return (0..<q).map { total[$0 * q + $0] } }
        var out: [Double] = []
        out.reserveCapacity(parameterCount)
        for j in 0..<q { for i in j..<q { out.append(total[i * q + j]) } }
        return out
    }

    /// One chunk's share of the gradient in Λ (q×q, row-major), or `nil` if an M_i is not
    /// positive definite (overflow). See ``gradient(_:at:)`` for the terms.
    private func gradientSums(_ range: Range<Int>, lambda: UnsafePointer<Double>, beta: UnsafePointer<Double>,
                              aInverse: UnsafePointer<Double>, nu: Double, r2: Double) -> [Double]? {
        // Scratch for one task, on pointers (arrays here were retained and checked for
        // exclusive access at every use): GΛ, M (then its Cholesky factor), M⁻¹, v, g, ΛᵀH then
        // V = M⁻¹ΛᵀH, GΛv, V A⁻¹, S = V A⁻¹ Vᵀ, and the right-hand sides [I | Λᵀg | ΛᵀH].
        let w = q + 1 + p
        let sizes = [q * q, q * q, q * q, q * q, q, q, q * p, q, q * p, q * q, q * w]
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: sizes.reduce(0, +))
        scratch.initialize(repeating: 0, count: sizes.reduce(0, +))
        defer { scratch.deallocate() }
        var offsets: [Int] = []
        var next = 0
        for size in sizes { offsets.append(next); next += size }
        let total = scratch + offsets[0], gl = scratch + offsets[1], m = scratch + offsets[2], mInverse = scratch + offsets[3]
        let v = scratch + offsets[4], g = scratch + offsets[5], vf = scratch + offsets[6], glv = scratch + offsets[7]
        let va = scratch + offsets[8], sMatrix = scratch + offsets[9], rhs = scratch + offsets[10]
        return tasks.withTasks { task in
            for index in range {
                let t = task(index)
                woodburyCore(t, lambda, gl: gl, m: m)
                for k in 0..<q {
                    var s = t.xty[k]
                    for a in 0..<p { s -= t.ftx[a * q + k] * beta[a] }
                    g[k] = s
                }
                for i in 0..<q {
                    var s = 0.0
                    for k in 0..<q { s += lambda[k * q + i] * g[k] }
                    v[i] = s
                    for a in 0..<p {
                        var w = 0.0
                        for k in 0..<q { w += lambda[k * q + i] * t.ftx[a * q + k] }
                        vf[i * p + a] = w
                    }
                }
                // M⁻¹, M⁻¹Λᵀg and M⁻¹ΛᵀH with one forward and one backward solve of
                // [I | Λᵀg | ΛᵀH] (six small solves per task before).
                for i in 0..<q {
                    for j in 0..<q { rhs[i * w + j] = i == j ? 1 : 0 }
                    rhs[i * w + q] = v[i]
                    for a in 0..<p { rhs[i * w + q + 1 + a] = vf[i * p + a] }
                }
                var unused = 0.0
                guard Self.choleskyDeterminant(m, q, logSum: &unused) != nil else { return nil }
                PointerKernels.solveLowerOnLoops(m, n: q, rhs, columns: w, transpose: false)
                PointerKernels.solveLowerOnLoops(m, n: q, rhs, columns: w, transpose: true)
                for i in 0..<q {
                    for j in 0..<q { mInverse[i * q + j] = rhs[i * w + j] }
                    v[i] = rhs[i * w + q]
                    for a in 0..<p { vf[i * p + a] = rhs[i * w + q + 1 + a] }
                }
                // GΛ v (q) for the residual term.
                for i in 0..<q { var s = 0.0; for k in 0..<q { s += gl[i * q + k] * v[k] }; glv[i] = s }
                let scale = nu / r2
                for i in 0..<q { for j in 0..<q {
                    var s = 0.0
                    for k in 0..<q { s += gl[i * q + k] * mInverse[k * q + j] }
                    total[i * q + j] += 2 * s - scale * (2 * g[i] * v[j] - 2 * glv[i] * v[j])
                } }
                if reml && p > 0 {
                    // V A⁻¹ (q×p), then H A⁻¹ Vᵀ and S = V A⁻¹ Vᵀ.
                    for i in 0..<q { for b in 0..<p {
                        var s = 0.0
                        for a in 0..<p { s += vf[i * p + a] * aInverse[a * p + b] }
                        va[i * p + b] = s
                    } }
                    for i in 0..<q { for j in 0..<q {
                        var s = 0.0
                        for a in 0..<p { s += va[i * p + a] * vf[j * p + a] }
                        sMatrix[i * q + j] = s
                    } }
                    for i in 0..<q { for j in 0..<q {
                        var hav = 0.0   // (H A⁻¹ Vᵀ)_ij = Σ_a H_ia (V A⁻¹)_ja, H = FᵀXᵀ
                        for a in 0..<p { hav += t.ftx[a * q + i] * va[j * p + a] }
                        var gls = 0.0
                        for k in 0..<q { gls += gl[i * q + k] * sMatrix[k * q + j] }
                        total[i * q + j] += -2 * hav + 2 * gls
                    } }
                }
            }
            return Array(UnsafeBufferPointer(start: total, count: q * q))
        }
    }
}
