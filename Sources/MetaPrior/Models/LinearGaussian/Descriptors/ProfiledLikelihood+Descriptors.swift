// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The GLS step of the profiled likelihood when the prior mean is μ_i = B z̃_i.
///
/// The model is a linear mixed model whose fixed-effect design for task i is Φ_i(z̃_iᵀ ⊗ I_d)
/// acting on β = vec B (column after column of B). With X_i = Φ_iᵀṼ_i⁻¹Φ_i and
/// z_i = Φ_iᵀṼ_i⁻¹y_i (the per-task pieces ``ProfiledLikelihood`` already forms), the GLS
/// normal equations are
///
///     [Σ w (z̃z̃ᵀ) ⊗ X] β̂ = Σ w z̃ ⊗ z,
///
/// and ℓ keeps its form with β̂ᵀ(Σ w z̃ ⊗ z) in place of μ̂ᵀΣ wz. With p = 1 and z̃ = 1 these are
/// the equations of one μ. The gradient keeps its form too (envelope theorem), with
/// e_i = z_i − X_i B̂ z̃_i.
struct DescriptorGLS {
    /// B̂, row-major d×p.
    var coefficients: [Double]
    /// Σ w (z̃z̃ᵀ) ⊗ X, pd×pd in the order of vec B.
    var system: [Double]
    /// β̂ᵀ(Σ w z̃ ⊗ z): what the mean explains of Σ w q.
    var explained: Double
    /// B̂ z̃̄ at the task-weighted mean descriptor.
    var mean: [Double]
}

extension ProfiledLikelihood {
    /// Solves the GLS normal equations from the U_t, v_t stored by the current evaluation.
    /// - Throws: ``InputError`` when the system is singular (B unidentifiable from these tasks).
    func descriptorGLS() throws -> DescriptorGLS {
        let design = statistics.descriptors!
        let d = statistics.dimension, r = columns, p = design.columns, n = p * d
        var system = [Double](repeating: 0, count: n * n)
        var rhs = [Double](repeating: 0, count: n)
        var x = [Double](repeating: 0, count: d * d), z = [Double](repeating: 0, count: d)
        for t in 0..<statistics.taskCount where statistics.weights[t] != 0 {
            taskProjection(t, r: r, x: &x, z: &z)
            let w = statistics.weights[t]
            let zt = Array(design.rows[(t * p)..<((t + 1) * p)])
            for k in 0..<p {
                let wk = w * zt[k]
                for i in 0..<d { rhs[k * d + i] += wk * z[i] }
                for l in 0..<p {
                    let wkl = wk * zt[l]
                    for i in 0..<d { for j in 0..<d { system[(k * d + i) * n + l * d + j] += wkl * x[i * d + j] } }
                }
            }
        }
        let beta: [Double]
        do {
            beta = try Cholesky(symmetrized(try Matrix(rows: n, columns: n, elements: system))).solve(rhs)
        } catch {
            throw InputError(column: "--descriptors", kind: .invalidValue,
                             "B is not identifiable: the features and descriptors are collinear over the tasks (Σ (z̃z̃ᵀ) ⊗ ΦᵀV⁻¹Φ is singular); use fewer descriptor columns or features")
        }
        var coefficients = [Double](repeating: 0, count: d * p)
        for k in 0..<p { for i in 0..<d { coefficients[i * p + k] = beta[k * d + i] } }
        var explained = 0.0
        for i in 0..<n { explained += beta[i] * rhs[i] }
        let average = design.mean(weights: statistics.weights)
        let mean = (0..<d).map { i in (0..<p).reduce(0.0) { $0 + coefficients[i * p + $1] * average[$1] } }
        return DescriptorGLS(coefficients: coefficients, system: system, explained: explained, mean: mean)
    }

    /// X_t = A_t − U_tᵀU_t and z_t = b_t − U_tᵀv_t from the stored U_t, v_t.
    private func taskProjection(_ t: Int, r: Int, x: inout [Double], z: inout [Double]) {
        let d = statistics.dimension
        for i in 0..<(d * d) { x[i] = statistics.gram[t * d * d + i] }
        for i in 0..<d { z[i] = statistics.cross[t * d + i] }
        projectedFactor.withUnsafeBufferPointer { U in
        projectedCross.withUnsafeBufferPointer { V in
            let u = U.baseAddress! + t * r * d
            PointerKernels.multiply(u, u, into: &x, m: d, n: d, k: r, transposeA: true, alpha: -1, beta: 1)
            PointerKernels.multiply(u, vector: V.baseAddress! + t * r, into: &z, rows: r, columns: d, transpose: true, alpha: -1, beta: 1)
        } }
    }

    /// E = Σ w e eᵀ with e_t = z_t − X_t μ_t and μ_t = B z̃_t (B row-major d×p).
    func residualOuter(coefficients: [Double]) -> [Double] {
        let design = statistics.descriptors!
        let d = statistics.dimension, r = columns, p = design.columns
        var outer = [Double](repeating: 0, count: d * d)
        var x = [Double](repeating: 0, count: d * d), e = [Double](repeating: 0, count: d)
        for t in 0..<statistics.taskCount where statistics.weights[t] != 0 {
            taskProjection(t, r: r, x: &x, z: &e)
            let mu = (0..<d).map { i in (0..<p).reduce(0.0) { $0 + coefficients[i * p + $1] * design.rows[t * p + $1] } }
            PointerKernels.multiply(x, vector: mu, into: &e, rows: d, columns: d, alpha: -1, beta: 1)
            let w = statistics.weights[t]
            for i in 0..<d { for j in 0..<d { outer[i * d + j] += w * e[i] * e[j] } }
        }
        return outer
    }
}
