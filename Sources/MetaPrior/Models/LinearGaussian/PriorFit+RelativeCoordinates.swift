// SPDX-License-Identifier: GPL-3.0-or-later

extension PriorFit {
    /// Coordinates u for the truncated Newton steps, centred on a factor Λ₀ (u = 0 is Λ₀):
    /// relative changes of Λ₀'s columns.
    ///
    /// Full structure: Λ(u) = Λ₀ + (P K)[:, :r] with K the d×r lower-trapezoidal matrix of u
    /// (in the order of the parameters θ) and P the d×d lower-triangular matrix whose first r
    /// columns are Λ₀ and whose others are new directions along the features r…d−1 (scaled to
    /// the smallest column of Λ̂₀). So Λ changes by Λ₀K_top — a relative change of Σ̃,
    /// Σ̃ + Λ₀(K_top + K_topᵀ)Λ₀ᵀ to first order — plus the new directions E·K_bottom. P is
    /// lower-triangular, so the map is linear and one-to-one on lower-trapezoidal factors.
    ///
    /// Why: at the noise floor the eigenvalues of Σ̃ span many orders of magnitude (the signal
    /// directions ~1e6, others ~1), and ℓ's curvature along an entry of Λ scales as 1/(its
    /// direction's variance); in the entries of Λ (even column-scaled) the Hessian's condition
    /// number is the square of that span, and conjugate gradients use all their iterations
    /// while ℓ creeps up. Where Σ̃ dominates each task's sampling variance, ℓ's Hessian in
    /// relative coordinates is about −T times a fixed well-conditioned form (Fisher information
    /// of a covariance, ½T·tr(Σ̃⁻¹ΔΣ̃⁻¹Δ), for ΔΣ̃ = Λ₀(K + Kᵀ)Λ₀ᵀ: ½T·‖K + Kᵀ‖²), whatever Σ̃'s
    /// spectrum. For the diagonal and isotropic structures relative coordinates are the column
    /// scaling θ_j(1 + u_j).
    struct RelativeCoordinates {
        /// The parameters θ at u.
        let theta: ([Double]) -> [Double]
        /// ∂ℓ/∂u from ∂ℓ/∂θ (the map is linear, so this is the transposed Jacobian).
        let pullback: ([Double]) -> [Double]

        init(_ likelihood: ProfiledLikelihood, at theta0: [Double]) {
            let k = theta0.count
            guard likelihood.structure == .full else {
                let top = theta0.reduce(0) { Swift.max($0, abs($1)) }
                let column = theta0.map { abs($0) > 1e-8 * top ? abs($0) : Swift.max(1e-8 * top, 1e-300) }
                theta = { u in (0..<k).map { theta0[$0] + column[$0] * u[$0] } }
                pullback = { g in zip(g, column).map { $0 * $1 } }
                return
            }
            let d = likelihood.statistics.dimension, r = likelihood.columns
            let lambda = likelihood.factor(theta0)
            let scales = likelihood.featureScales
            // Column norms of Λ̂₀ = D^{1/2}Λ₀: the scale of the new directions, and the floor of
            // each diagonal entry of P (a zero diagonal would make P singular; 1e-3 of the
            // column keeps the coordinates' condition number moderate).
            let norms = (0..<r).map { j in (j..<d).reduce(0.0) { $0 + pow2(scales[$1] * lambda[$1 * r + j]) }.squareRoot() }
            let positive = norms.filter { $0 > 0 && $0.isFinite }
            let smallest = positive.min() ?? 1
            var p = [Double](repeating: 0, count: d * d)
            for j in 0..<d {
                if j < r {
                    for i in j..<d { p[i * d + j] = lambda[i * r + j] }
                    let floor = 1e-3 * (norms[j] > 0 ? norms[j] : smallest) / scales[j]
                    if abs(p[j * d + j]) < floor { p[j * d + j] = p[j * d + j] < 0 ? -floor : floor }
                } else {
                    p[j * d + j] = smallest / scales[j]
                }
            }
            let matrix = p
            // A packed lower-trapezoidal d×r array (row by row) as a dense row-major one.
            let unpack: ([Double]) -> [Double] = { packed in
                var dense = [Double](repeating: 0, count: d * r)
                var index = 0
                for i in 0..<d { for j in 0...Swift.min(i, r - 1) { dense[i * r + j] = packed[index]; index += 1 } }
                return dense
            }
            theta = { u in
                // K from u (row-major d×r, lower-trapezoidal), Λ = Λ₀ + (P K).
                let kk = unpack(u)
                var out = [Double](repeating: 0, count: k)
                var index = 0
                for i in 0..<d {
                    for j in 0...Swift.min(i, r - 1) {
                        var s = lambda[i * r + j]
                        for a in j...i { s += matrix[i * d + a] * kk[a * r + j] }
                        out[index] = s
                        index += 1
                    }
                }
                return out
            }
            pullback = { g in
                // ∂ℓ/∂K_ab = Σ_{i ≥ a} P_ia ∂ℓ/∂Λ_ib.
                let gl = unpack(g)
                var out = [Double](repeating: 0, count: k)
                var index = 0
                for a in 0..<d {
                    for b in 0...Swift.min(a, r - 1) {
                        var s = 0.0
                        for i in a..<d { s += matrix[i * d + a] * gl[i * r + b] }
                        out[index] = s
                        index += 1
                    }
                }
                return out
            }
        }
    }
}

private func pow2(_ x: Double) -> Double { x * x }
