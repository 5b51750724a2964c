// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension FusedTaskKernels {
    /// The exact Hessian's pass over `range` (ProfiledLikelihood+Hessian.swift) at Λ (d×d,
    /// r = d): per task X = A − UᵀU, e = z − Xμ̂, then ``addTaskHessian`` of its terms for
    /// the `count` entries of Λ at `rows`, `columns`. Returns the first task whose M̃ has no
    /// Cholesky factor, or `nil`.
    static func hessian(order d: Int, _ tasks: Tasks, range: Range<Int>, factor: UnsafePointer<Double>, mean: UnsafePointer<Double>,
                        noiseVariance: Double, entries: HessianEntries, sums: UnsafeMutablePointer<Double>) -> Int? {
        switch d {
        case 1: return hessian(Order1.self, tasks, range, factor, mean, noiseVariance, entries, sums)
        case 2: return hessian(Order2.self, tasks, range, factor, mean, noiseVariance, entries, sums)
        case 3: return hessian(Order3.self, tasks, range, factor, mean, noiseVariance, entries, sums)
        case 4: return hessian(Order4.self, tasks, range, factor, mean, noiseVariance, entries, sums)
        case 5: return hessian(Order5.self, tasks, range, factor, mean, noiseVariance, entries, sums)
        case 6: return hessian(Order6.self, tasks, range, factor, mean, noiseVariance, entries, sums)
        case 7: return hessian(Order7.self, tasks, range, factor, mean, noiseVariance, entries, sums)
        case 8: return hessian(Order8.self, tasks, range, factor, mean, noiseVariance, entries, sums)
        default: preconditionFailure("FusedTaskKernels: order \(d) > \(largestOrder)")
        }
    }

    private static func hessian<D: FixedOrder>(_: D.Type, _ tasks: Tasks, _ range: Range<Int>, _ lambda: UnsafePointer<Double>,
                                                _ mu: UnsafePointer<Double>, _ sigma2: Double, _ entries: HessianEntries,
                                                _ sums: UnsafeMutablePointer<Double>) -> Int? {
        let d = D.value
        // u, m (d×d), v (d); X, P = XΛ, N = ΛᵀP (d×d); e, s = Λᵀe (d).
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 5 * d * d + 3 * d)
        defer { scratch.deallocate() }
        let u = scratch, m = u + d * d, x = m + d * d, p = x + d * d, n = p + d * d
        let v = n + d * d, e = v + d, s = e + d
        for t in range where tasks.weights[t] != 0 {
            let w = tasks.weights[t]
            let a = tasks.gram + t * d * d, b = tasks.cross + t * d
            guard project(D.self, lambda, a, b, u, v, m) else { return t }
            // X = A − UᵀU, e = (b − Uᵀv) − Xμ̂.
            for i in 0..<(d * d) { x[i] = a[i] }
            for q in 0..<d {
                for i in 0..<d {
                    let c = u[q * d + i]
                    if c == 0 { continue }
                    for j in 0..<d { x[i * d + j] -= c * u[q * d + j] }
                }
            }
            for i in 0..<d {
                var sum = b[i]
                for q in 0..<d { sum -= u[q * d + i] * v[q] }
                for j in 0..<d { sum -= x[i * d + j] * mu[j] }
                e[i] = sum
            }
            product(D.self, x, lambda, into: p)
            transposedProduct(D.self, lambda, p, into: n, alpha: 1)
            for j in 0..<d {
                var sum = 0.0
                for i in 0..<d { sum += lambda[i * d + j] * e[i] }
                s[j] = sum
            }
            addTaskHessian(dimension: d, columns: d, x: x, residual: e, projected: p, inner: n, loadings: s,
                           weight: w, noiseVariance: sigma2, entries: entries, sums: sums)
        }
        return nil
    }

    /// The entries (a, b) of Λ (d×r) whose second derivatives the Hessian pass sums.
    struct HessianEntries {
        var rows: UnsafePointer<Int>
        var columns: UnsafePointer<Int>
        var count: Int
    }

    /// Adds one task's part of the entry Hessian (upper triangle of K×K at `sums`) and of the
    /// μ coupling (K×d after it), K = `entries.count`; see ProfiledLikelihood+Hessian.swift for
    /// the formula. X (d×d), e (d), P = XΛ (d×r), N = ΛᵀXΛ (r×r), s = Λᵀe (r).
    @inline(__always)
    static func addTaskHessian(dimension d: Int, columns r: Int, x: UnsafePointer<Double>, residual e: UnsafePointer<Double>,
                               projected p: UnsafePointer<Double>, inner n: UnsafePointer<Double>, loadings s: UnsafePointer<Double>,
                               weight w: Double, noiseVariance sigma2: Double, entries: HessianEntries,
                               sums: UnsafeMutablePointer<Double>) {
        let k = entries.count, ws = w / sigma2
        let coupling = sums + k * k
        for first in 0..<k {
            let a = entries.rows[first], b = entries.columns[first]
            let sb = s[b], ea = e[a]
            // c_m += (w/σ²)·X g_m with g_m = s_b e_a + e_a Λ_{:b}: X g_m = s_b X_{:a} + e_a P_{:b}.
            let c = coupling + first * d
            for i in 0..<d { c[i] += ws * (sb * x[i * d + a] + ea * p[i * r + b]) }
            let row = sums + first * k
            for second in first..<k {
                let cc = entries.rows[second], f = entries.columns[second]
                let paf = p[a * r + f], pcb = p[cc * r + b], xac = x[a * d + cc], nbf = n[b * r + f]
                row[second] += w * (paf * pcb + xac * nbf) - ws * ((sb * xac + ea * pcb) * s[f] + (sb * paf + ea * nbf) * e[cc])
            }
        }
    }
}
