// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// One task's Laplace approximation to log p(y | β, Λ) = log ∫ p(y | η = Fβ + XΛu) N(u; 0, I) du,
/// lme4's (Bates et al. 2015, §5; `glmer`'s nAGQ = 1), and its gradient.
///
/// With h(u) = log p(y | η(u)) − ½|u|², strictly concave for the canonical links, the mode û
/// comes from damped Newton steps (the inner loop; lme4's PIRLS), and
///
///     log p(y | β, Λ) ≈ h(û) − ½ log |H|,   H = ZᵀWZ + I,   Z = XΛ,   W = diag(w(η̂)).
///
/// Writing the random part as u ~ N(0, I) behind the factor Λ keeps Λ = 0 (a zero variance, the
/// boundary) an ordinary point where H = I, and the approximation smooth through it.
///
/// The gradient in (β, Λ) is the total derivative through the mode: ∂h/∂u = 0 there, so û moves
/// only the log-determinant, through W's slope w′ (c_j = w′_j (ZH⁻¹Zᵀ)_jj, v = H⁻¹Zᵀc):
///
///     ∂/∂β    = Fᵀ(r − ½c + ½ W Z v)
///     ∂/∂Λ_ab = (Xᵀr)_a û_b − (XᵀWXΛH⁻¹)_ab − ½ (Xᵀc)_a û_b − ½ v_b (Xᵀr)_a + ½ û_b (XᵀWZv)_a
///
/// with r the scores y − E y. The tests check it against central differences of the value.
struct TaskLaplace {
    /// The approximate log-likelihood of the task (constants included).
    var value: Double
    /// û, the mode of the standardised task effects.
    var mode: [Double]
    /// ∂value/∂β (p).
    var betaGradient: [Double]
    /// ∂value/∂Λ (q × q row-major; entries above the diagonal are 0).
    var lambdaGradient: [Double]
    /// log |H| at the mode (for the Gauss–Hermite rule and reports).
    var logDeterminant: Double
}

extension GeneralizedTask {
    /// The Laplace approximation at (β, Λ) from the inner start `start` (û of a nearby point
    /// saves Newton steps; any start converges, h being strictly concave).
    /// - Returns: `nil` when η overflows (a Poisson rate beyond the doubles) or H is not
    ///   positive definite in floating point.
    func laplace(family: ResponseFamily, beta: [Double], lambda: [Double], start: [Double], gradient: Bool) -> TaskLaplace? {
        let n = count
        var fixed = offset
        if p > 0 { for j in 0..<n { for k in 0..<p { fixed[j] += shared[j * p + k] * beta[k] } } }
        var z = [Double](repeating: 0, count: n * q)  // Z = XΛ, Λ lower triangular
        for j in 0..<n { for b in 0..<q { var s = 0.0; for a in b..<q { s += specific[j * q + a] * lambda[a * q + b] }; z[j * q + b] = s } }
        var u = start
        var eta = [Double](repeating: 0, count: n)
        var score = eta, weight = eta, slope = eta
        var h = [Double](repeating: 0, count: q * q), g = [Double](repeating: 0, count: q)
        // Evaluates h(u), and with `derivatives` the score, weights, g and the factor of H.
        func evaluate(_ u: [Double], derivatives: Bool) -> Double? {
            var total = 0.0
            for j in 0..<n {
                var e = fixed[j]
                for b in 0..<q { e += z[j * q + b] * u[b] }
                eta[j] = e
                let t = family.terms(response: response[j], size: size[j], eta: e)
                guard t.logLikelihood.isFinite else { return nil }
                total += t.logLikelihood
                if derivatives { score[j] = t.score; weight[j] = t.weight; slope[j] = t.weightSlope }
            }
            for b in 0..<q { total -= 0.5 * u[b] * u[b] }
            guard derivatives else { return total }
            for a in 0..<q {
                var s = -u[a]
                for j in 0..<n { s += z[j * q + a] * score[j] }
                g[a] = s
                for b in 0...a {
                    var t = a == b ? 1.0 : 0.0
                    for j in 0..<n { t += z[j * q + a] * weight[j] * z[j * q + b] }
                    h[a * q + b] = t
                    h[b * q + a] = t
                }
            }
            return choleskyInPlace(&h, q) ? total : nil
        }
        guard var value = evaluate(u, derivatives: true) else { return nil }
        for _ in 0..<100 {
            var step = g
            solveCholesky(h, q, &step)
            let decrement = zip(g, step).reduce(0) { $0 + $1.0 * $1.1 }
            if decrement <= 1e-24 * Swift.max(1, abs(value)) { break }
            var t = 1.0, moved = false
            while t >= 1e-10 {
                let trial = (0..<q).map { u[$0] + t * step[$0] }
                if let v = evaluate(trial, derivatives: false), v >= value {
                    u = trial
                    moved = true
                    break
                }
                t /= 2
            }
            guard moved, let v = evaluate(u, derivatives: true) else { break }
            value = v
            if decrement <= 1e-14 * Swift.max(1, abs(value)) { break }  // that step was the last one needed
        }
        var logDeterminant = 0.0
        for a in 0..<q { logDeterminant += 2 * log(h[a * q + a]) }
        var result = TaskLaplace(value: value + constant - 0.5 * logDeterminant, mode: u,
                                 betaGradient: [], lambdaGradient: [], logDeterminant: logDeterminant)
        guard gradient else { return result }
        // c_j = w′_j (Z H⁻¹ Zᵀ)_jj, with (ZH⁻¹Zᵀ)_jj = |L⁻¹ z_j|², L the factor of H.
        var c = [Double](repeating: 0, count: n), row = [Double](repeating: 0, count: q)
        for j in 0..<n {
            for b in 0..<q { row[b] = z[j * q + b] }
            solveLower(h, q, &row)
            c[j] = slope[j] * row.reduce(0) { $0 + $1 * $1 }
        }
        var v = [Double](repeating: 0, count: q)
        for b in 0..<q { for j in 0..<n { v[b] += z[j * q + b] * c[j] } }
        solveCholesky(h, q, &v)
        var wzv = [Double](repeating: 0, count: n)
        for j in 0..<n { var s = 0.0; for b in 0..<q { s += z[j * q + b] * v[b] }; wzv[j] = weight[j] * s }
        var betaGradient = [Double](repeating: 0, count: p)
        for k in 0..<p { for j in 0..<n { betaGradient[k] += shared[j * p + k] * (score[j] - 0.5 * c[j] + 0.5 * wzv[j]) } }
        var xr = [Double](repeating: 0, count: q), xc = xr, xwzv = xr
        var xwz = [Double](repeating: 0, count: q * q)  // XᵀWZ = XᵀWXΛ
        for j in 0..<n {
            for a in 0..<q {
                let x = specific[j * q + a]
                xr[a] += x * score[j]; xc[a] += x * c[j]; xwzv[a] += x * wzv[j]
                for b in 0..<q { xwz[a * q + b] += x * weight[j] * z[j * q + b] }
            }
        }
        // M = XᵀWXΛ H⁻¹: each row of XᵀWZ solved against H.
        var lambdaGradient = [Double](repeating: 0, count: q * q)
        for a in 0..<q {
            var m = Array(xwz[(a * q)..<((a + 1) * q)])
            solveCholesky(h, q, &m)
            for b in 0...a {
                lambdaGradient[a * q + b] = xr[a] * u[b] - m[b] - 0.5 * xc[a] * u[b] - 0.5 * v[b] * xr[a] + 0.5 * u[b] * xwzv[a]
            }
        }
        result.betaGradient = betaGradient
        result.lambdaGradient = lambdaGradient
        return result
    }
}

/// In place: the lower Cholesky factor of a symmetric q × q matrix (row-major). `false` when it
/// is not positive definite.
private func choleskyInPlace(_ a: inout [Double], _ q: Int) -> Bool {
    for j in 0..<q {
        var d = a[j * q + j]
        for k in 0..<j { d -= a[j * q + k] * a[j * q + k] }
        guard d > 0, d.isFinite else { return false }
        let l = d.squareRoot()
        a[j * q + j] = l
        for i in (j + 1)..<max(j + 1, q) {
            var s = a[i * q + j]
            for k in 0..<j { s -= a[i * q + k] * a[j * q + k] }
            a[i * q + j] = s / l
        }
    }
    return true
}

/// x ← L⁻¹x for the lower factor L (row-major, upper part ignored).
private func solveLower(_ l: [Double], _ q: Int, _ x: inout [Double]) {
    for i in 0..<q {
        var s = x[i]
        for k in 0..<i { s -= l[i * q + k] * x[k] }
        x[i] = s / l[i * q + i]
    }
}

/// x ← (LLᵀ)⁻¹x.
private func solveCholesky(_ l: [Double], _ q: Int, _ x: inout [Double]) {
    solveLower(l, q, &x)
    for i in stride(from: q - 1, through: 0, by: -1) {
        var s = x[i]
        for k in (i + 1)..<max(i + 1, q) { s -= l[k * q + i] * x[k] }
        x[i] = s / l[i * q + i]
    }
}
