// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Scratch memory for the Laplace approximation of tasks of up to a given size, allocated once
/// per chunk of tasks: at 12 observations and q = 3 a task's whole computation is a few hundred
/// flops, and the two dozen small arrays it would otherwise allocate cost more than that.
final class LaplaceWorkspace {
    let capacity: Int, p: Int, q: Int
    private let memory: UnsafeMutablePointer<Double>
    let fixed, z, eta, score, weight, slope, c, wzv: UnsafeMutablePointer<Double>
    let h, xwz, m: UnsafeMutablePointer<Double>
    /// The mode û after ``laplace(_:family:beta:lambda:start:gradientInto:)``.
    let u: UnsafeMutablePointer<Double>
    let g, step, trial, row, v, xr, xc, xwzv: UnsafeMutablePointer<Double>

    init(observations n: Int, p: Int, q: Int) {
        capacity = n
        self.p = p
        self.q = q
        let sizes = [n, n * q, n, n, n, n, n, n, q * q, q * q, q, q, q, q, q, q, q, q, q, q]
        let memory = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(1, sizes.reduce(0, +)))
        self.memory = memory
        var offset = 0
        func take(_ k: Int) -> UnsafeMutablePointer<Double> { defer { offset += k }; return memory + offset }
        fixed = take(n); z = take(n * q); eta = take(n); score = take(n); weight = take(n); slope = take(n)
        c = take(n); wzv = take(n); h = take(q * q); xwz = take(q * q); m = take(q)
        u = take(q); g = take(q); step = take(q); trial = take(q); row = take(q); v = take(q)
        xr = take(q); xc = take(q); xwzv = take(q)
    }

    deinit { memory.deallocate() }

    /// The Laplace approximation of `task` (at most ``capacity`` observations) at β (p entries;
    /// may be nil when p = 0) and Λ (q × q row-major, lower triangular), the inner Newton loop
    /// started at `start`. Leaves û in ``u``; with `gradientInto`, adds ∂/∂β and ∂/∂θ (Λ's lower
    /// triangle column by column) to its p + q(q+1)/2 entries. The formulas are in `TaskLaplace`.
    /// - Returns: the value (constants included) and log |H|; `nil` when η overflows or H is not
    ///   positive definite in floating point.
    func laplace(_ task: GeneralizedTask, family: ResponseFamily, beta: UnsafePointer<Double>?, lambda: UnsafePointer<Double>,
                 start: [Double], gradientInto out: UnsafeMutablePointer<Double>?) -> (value: Double, logDeterminant: Double)? {
        let n = task.count, p = self.p, q = self.q
        precondition(n <= capacity && task.p == p && task.q == q, "LaplaceWorkspace: task larger than the workspace")
        task.shared.withUnsafeBufferPointer { f in
            task.offset.withUnsafeBufferPointer { o in
                for j in 0..<n {
                    var s = o[j]
                    if let beta { for k in 0..<p { s += f[j * p + k] * beta[k] } }
                    fixed[j] = s
                }
            }
        }
        task.specific.withUnsafeBufferPointer { x in
            for j in 0..<n {
                for b in 0..<q {
                    var s = 0.0
                    for a in b..<q { s += x[j * q + a] * lambda[a * q + b] }
                    z[j * q + b] = s
                }
            }
        }
        for b in 0..<q { u[b] = start[b] }
        let response = task.response, size = task.size
        // h(point): with `derivatives`, also the score, weights, g and the factor of H.
        func evaluate(_ point: UnsafeMutablePointer<Double>, derivatives: Bool) -> Double? {
            var total = 0.0
            for j in 0..<n {
                var e = fixed[j]
                for b in 0..<q { e += z[j * q + b] * point[b] }
                eta[j] = e
                let t = family.terms(response: response[j], size: size[j], eta: e)
                guard t.logLikelihood.isFinite else { return nil }
                total += t.logLikelihood
                if derivatives { score[j] = t.score; weight[j] = t.weight; slope[j] = t.weightSlope }
            }
            for b in 0..<q { total -= 0.5 * point[b] * point[b] }
            guard derivatives else { return total }
            for a in 0..<q {
                var s = -point[a]
                for j in 0..<n { s += z[j * q + a] * score[j] }
                g[a] = s
                for b in 0...a {
                    var t = a == b ? 1.0 : 0.0
                    for j in 0..<n { t += z[j * q + a] * weight[j] * z[j * q + b] }
                    h[a * q + b] = t
                    h[b * q + a] = t
                }
            }
            return (try? PointerKernels.choleskyInPlace(h, n: q)) != nil ? total : nil
        }
        guard var value = evaluate(u, derivatives: true) else { return nil }
        for _ in 0..<100 {
            for b in 0..<q { step[b] = g[b] }
            solveFactored(h, q, step)
            var decrement = 0.0
            for b in 0..<q { decrement += g[b] * step[b] }
            if decrement <= 1e-24 * Swift.max(1, abs(value)) { break }
            var t = 1.0, moved = false
            while t >= 1e-10 {
                for b in 0..<q { trial[b] = u[b] + t * step[b] }
                if let trialValue = evaluate(trial, derivatives: false), trialValue >= value {
                    for b in 0..<q { u[b] = trial[b] }
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
        let result = (value: value + task.constant - 0.5 * logDeterminant, logDeterminant: logDeterminant)
        guard let out else { return result }
        // c_j = w′_j (Z H⁻¹ Zᵀ)_jj, with (ZH⁻¹Zᵀ)_jj = |L⁻¹ z_j|², L the factor of H.
        for j in 0..<n {
            for b in 0..<q { row[b] = z[j * q + b] }
            PointerKernels.solveLower(h, n: q, vector: row)
            var s = 0.0
            for b in 0..<q { s += row[b] * row[b] }
            c[j] = slope[j] * s
        }
        for b in 0..<q {
            var s = 0.0
            for j in 0..<n { s += z[j * q + b] * c[j] }
            v[b] = s
        }
        solveFactored(h, q, v)
        for j in 0..<n {
            var s = 0.0
            for b in 0..<q { s += z[j * q + b] * v[b] }
            wzv[j] = weight[j] * s
        }
        task.shared.withUnsafeBufferPointer { f in
            for k in 0..<p {
                var s = 0.0
                for j in 0..<n { s += f[j * p + k] * (score[j] - 0.5 * c[j] + 0.5 * wzv[j]) }
                out[k] += s
            }
        }
        for a in 0..<q { xr[a] = 0; xc[a] = 0; xwzv[a] = 0 }
        for a in 0..<(q * q) { xwz[a] = 0 }
        task.specific.withUnsafeBufferPointer { x in
            for j in 0..<n {
                for a in 0..<q {
                    let xa = x[j * q + a]
                    xr[a] += xa * score[j]; xc[a] += xa * c[j]; xwzv[a] += xa * wzv[j]
                    let xw = xa * weight[j]
                    for b in 0..<q { xwz[a * q + b] += xw * z[j * q + b] }
                }
            }
        }
        // M = XᵀWXΛ H⁻¹ row by row; ∂/∂Λ_ab for a ≥ b, packed column by column after β.
        // Column b of Λ starts at p + bq − b(b − 1)/2 in the packed gradient.
        for a in 0..<q {
            for b in 0..<q { m[b] = xwz[a * q + b] }
            solveFactored(h, q, m)
            for b in 0...a {
                out[p + b * q - b * (b - 1) / 2 + (a - b)] += xr[a] * u[b] - m[b] - 0.5 * xc[a] * u[b] - 0.5 * v[b] * xr[a] + 0.5 * u[b] * xwzv[a]
            }
        }
        return result
    }
}

/// x ← (LLᵀ)⁻¹x for the lower factor L.
private func solveFactored(_ l: UnsafeMutablePointer<Double>, _ q: Int, _ x: UnsafeMutablePointer<Double>) {
    PointerKernels.solveLower(l, n: q, vector: x)
    PointerKernels.solveLower(l, n: q, vector: x, transpose: true)
}
