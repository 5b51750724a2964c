// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension FusedTaskKernels {
    /// The current parameters of an EM step: μ (d), F (d×d, Σ = FFᵀ) and σ².
    struct EMParameters {
        var mean: UnsafePointer<Double>
        var factor: UnsafePointer<Double>
        var noiseVariance: Double
    }

    /// One EM step's pass over `range` (see ``ExpectationMaximisation``): adds Σ w m (d),
    /// Σ w (S + (m − μ)(m − μ)ᵀ) (d²), Σ w r and Σ w ℓ_t to `sums`. Returns false when a task's
    /// M = σ²I + FᵀAF has no Cholesky factor.
    static func expectationMaximisation(order d: Int, _ tasks: Tasks, range: Range<Int>, _ theta: EMParameters,
                                        sums: UnsafeMutablePointer<Double>) -> Bool {
        switch d {
        case 1: return expectationMaximisation(Order1.self, tasks, range, theta, sums)
        case 2: return expectationMaximisation(Order2.self, tasks, range, theta, sums)
        case 3: return expectationMaximisation(Order3.self, tasks, range, theta, sums)
        case 4: return expectationMaximisation(Order4.self, tasks, range, theta, sums)
        case 5: return expectationMaximisation(Order5.self, tasks, range, theta, sums)
        case 6: return expectationMaximisation(Order6.self, tasks, range, theta, sums)
        case 7: return expectationMaximisation(Order7.self, tasks, range, theta, sums)
        case 8: return expectationMaximisation(Order8.self, tasks, range, theta, sums)
        default: preconditionFailure("FusedTaskKernels: order \(d) > \(largestOrder)")
        }
    }

    /// The loop body of ``ExpectationMaximisation/step()`` for one order, its products written
    /// out in the order of the `SmallKernels` calls there.
    private static func expectationMaximisation<D: FixedOrder>(_: D.Type, _ tasks: Tasks, _ range: Range<Int>,
                                                               _ theta: EMParameters, _ sums: UnsafeMutablePointer<Double>) -> Bool {
        let d = D.value
        let mu = theta.mean, f = theta.factor, sigma2 = theta.noiseVariance
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 3 * d * d + 4 * d)
        defer { scratch.deallocate() }
        let work = scratch, m = scratch + d * d, y = scratch + 2 * d * d
        let g = scratch + 3 * d * d, h = g + d, post = h + d, am = post + d
        for t in range where tasks.weights[t] != 0 {
            let w = tasks.weights[t]
            let a = tasks.gram + t * d * d, b = tasks.cross + t * d
            // M = σ²I + FᵀAF, symmetrised; R = chol(M); Y = R⁻¹Fᵀ.
            transposedProduct(D.self, f, a, into: work, alpha: 1)
            product(D.self, work, f, into: m)
            addToDiagonalAndSymmetrise(D.self, m, sigma2)
            guard cholesky(D.self, m) else { return false }
            for i in 0..<d { for j in 0..<d { y[i * d + j] = f[j * d + i] } }
            solveLower(D.self, m, y)
            // g = b − Aμ, h = Y g, m_t = μ + Yᵀh
            for i in 0..<d {
                var sum = 0.0
                for j in 0..<d { sum += mu[j] * a[i * d + j] }
                g[i] = b[i]
                g[i] += -1 * sum
            }
            for i in 0..<d {
                var sum = 0.0
                for j in 0..<d { sum += g[j] * y[i * d + j] }
                h[i] = 0
                h[i] += sum
            }
            for i in 0..<d { post[i] = mu[i] }
            for i in 0..<d {
                let s = h[i]
                if s == 0 { continue }
                for j in 0..<d { post[j] += s * y[i * d + j] }
            }
            // S = σ² YᵀY (into work)
            transposedProduct(D.self, y, y, into: work, alpha: sigma2)
            // r = c − 2mᵀb + mᵀAm + tr(AS)
            for i in 0..<d {
                var sum = 0.0
                for j in 0..<d { sum += post[j] * a[i * d + j] }
                am[i] = 0
                am[i] += sum
            }
            var r = tasks.squares[t]
            var trace = 0.0
            for i in 0..<d {
                r += post[i] * (am[i] - 2 * b[i])
                for j in 0..<d { trace += a[i * d + j] * work[j * d + i] }
            }
            r += trace
            // ℓ_t = −n/2 log 2π − (n−d)/2 log σ² − ½ log|M| − Q/2, Q = [c − 2μᵀb + μᵀAμ − ‖h‖²]/σ²
            var quad = tasks.squares[t]
            for i in 0..<d {
                var amu = 0.0
                for j in 0..<d { amu += a[i * d + j] * mu[j] }
                quad += mu[i] * (amu - 2 * b[i]) - h[i] * h[i]
            }
            var logSum = 0.0
            for i in 0..<d { logSum += log(m[i * d + i]) }
            let n = Double(tasks.counts[t])
            let ll = -0.5 * n * log(2 * Double.pi) - 0.5 * (n - Double(d)) * log(sigma2) - 0.5 * (2 * logSum) - 0.5 * quad / sigma2
            for i in 0..<d { sums[i] += w * post[i] }
            for i in 0..<d { for j in 0..<d { sums[d + i * d + j] += w * (work[i * d + j] + (post[i] - mu[i]) * (post[j] - mu[j])) } }
            sums[d + d * d] += w * r
            sums[d + d * d + 1] += w * ll
        }
        return true
    }
}
