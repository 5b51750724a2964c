// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The exact Hessian of ℓ in the finish's coordinates, in one pass over the tasks.
///
/// Why analytic: by central differences of the gradient a Hessian cost 2p passes (p ≈ 234 at
/// d = 11, K = 3), which made the finish of branch `mix16` take minutes; this is one pass whose
/// work per task is O(K·p²) for the assembly below.
///
/// **Per task and component** (log p = log N(y; Φμ, V), V = σ²I + ΦΣΦᵀ, Σ = LLᵀ; P, u as in
/// ``MixtureFactorObjective``, W = PL, N = LᵀPL, α = Lᵀu, B = I − LM⁻¹LᵀA, q = Bᵀu/σ² =
/// ΦᵀV⁻²e, Q = PB/σ² = ΦᵀV⁻²Φ, v = V⁻¹e). From du = −P dμ − P dΣ u − q dσ²,
/// dP = −P dΣ P − Q dσ², dΣ = dL Lᵀ + L dLᵀ and d(dΣ) = dL dL'ᵀ + dL' dLᵀ, for entries
/// (a, b), (c, f) of L:
///
///     ∂²/∂μ∂μ       = −P
///     ∂²/∂μ_i∂L_ab  = −(P_ia α_b + W_ib u_a)
///     ∂²/∂L_ab∂L_cf = −α_bα_f P_ac − α_f u_a W_cb − α_b u_c W_af − u_a u_c N_bf
///                     + W_af W_cb + P_ac N_bf + (u_a u_c − P_ac)[b = f]
///     ∂²/∂μ∂σ²      = −q
///     ∂²/∂L_ab∂σ²   = −q_a α_b − u_a (qᵀl_b) + (QL)_ab
///     ∂²/∂(σ²)²     = −eᵀV⁻³e + ½ tr V⁻²
///                   = −(‖v‖² − αᵀM⁻¹α)/σ² + ½[(n − r)/σ⁴ + tr M⁻²]
///
/// with ‖v‖² = (eᵀe − tᵀs − σ²sᵀs)/σ⁴ (all from the sufficient statistics, never Σ⁻¹).
///
/// **The mixture.** With ℓ_ik = log π_k + log p(D_i | k), g_ik = ∇ℓ_ik and r_ik the
/// responsibilities, the task's term log Σ_k e^{ℓ_ik} has Hessian
///
///     Σ_k r_ik (∇²ℓ_ik + g_ik g_ikᵀ) − ḡ_i ḡ_iᵀ,   ḡ_i = Σ_k r_ik g_ik,
///
/// where ∇²ℓ_ik is the block above (the logits add −(diag π − ππᵀ), the same for every k).
/// The chain to the coordinates: μ and L are divided by s (×s per index), log σ² gives
/// σ²·∂/∂σ² and, on its diagonal, σ⁴∂²/∂(σ²)² + σ²∂/∂σ².
extension MixtureFactorObjective {
    /// ∂²log p of one task under one component in (μ, the factor's entries row by row, σ²),
    /// row-major (d + e + 1)², from the pieces ``term`` computed: `gramFactor` = AL,
    /// `inverse` = M⁻¹, `weightedResidual` = eᵀe − tᵀs − σ²sᵀs.
    static func localHessian(d: Int, r: Int, factor l: [Double], gramFactor al: [Double], u: [Double], p: [Double], inverse: Matrix,
                             noise sigma2: Double, count n: Int, weightedResidual: Double) -> [Double] {
        let entries = (0..<d).flatMap { a in (0...Swift.min(a, r - 1)).map { (a, $0) } }
        let e = entries.count, m = d + e + 1
        var alpha = [Double](repeating: 0, count: r)
        var w = [Double](repeating: 0, count: d * r)
        for i in 0..<d {
            for b in 0..<r {
                alpha[b] += l[i * r + b] * u[i]
                var s = 0.0
                for k in 0..<d { s += p[i * d + k] * l[k * r + b] }
                w[i * r + b] = s
            }
        }
        var nn = [Double](repeating: 0, count: r * r)
        for b in 0..<r { for f in 0..<r { for i in 0..<d { nn[b * r + f] += l[i * r + b] * w[i * r + f] } } }
        // C = M⁻¹(AL)ᵀ (r×d): B = I − LC, q = (u − Cᵀα)/σ², Q = (P − WC)/σ².
        var cm = [Double](repeating: 0, count: r * d)
        for b in 0..<r { for j in 0..<d { for k in 0..<r { cm[b * d + j] += inverse[b, k] * al[j * r + k] } } }
        var q = [Double](repeating: 0, count: d)
        for j in 0..<d {
            var s = u[j]
            for b in 0..<r { s -= cm[b * d + j] * alpha[b] }
            q[j] = s / sigma2
        }
        var qq = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0..<d {
                var s = p[i * d + j]
                for b in 0..<r { s -= w[i * r + b] * cm[b * d + j] }
                qq[i * d + j] = s / sigma2
            }
        }
        for i in 0..<d { for j in 0..<i { let s = 0.5 * (qq[i * d + j] + qq[j * d + i]); qq[i * d + j] = s; qq[j * d + i] = s } }
        var ql = [Double](repeating: 0, count: d * r), qTl = [Double](repeating: 0, count: r)
        for a in 0..<d {
            for b in 0..<r {
                for k in 0..<d { ql[a * r + b] += qq[a * d + k] * l[k * r + b] }
                qTl[b] += q[a] * l[a * r + b]
            }
        }
        var alphaMAlpha = 0.0, traceSquare = 0.0
        for i in 0..<r {
            for j in 0..<r {
                alphaMAlpha += alpha[i] * inverse[i, j] * alpha[j]
                traceSquare += inverse[i, j] * inverse[i, j]
            }
        }
        var h = [Double](repeating: 0, count: m * m)
        func set(_ i: Int, _ j: Int, _ value: Double) { h[i * m + j] = value; h[j * m + i] = value }
        for i in 0..<d { for j in 0..<d { h[i * m + j] = -p[i * d + j] } }
        for (x, (a, b)) in entries.enumerated() {
            for i in 0..<d { set(i, d + x, -(p[i * d + a] * alpha[b] + w[i * r + b] * u[a])) }
            for (y, (c, f)) in entries.enumerated() where y <= x {
                var value = -alpha[b] * alpha[f] * p[a * d + c] - alpha[f] * u[a] * w[c * r + b] - alpha[b] * u[c] * w[a * r + f]
                    - u[a] * u[c] * nn[b * r + f] + w[a * r + f] * w[c * r + b] + p[a * d + c] * nn[b * r + f]
                if b == f { value += u[a] * u[c] - p[a * d + c] }
                set(d + x, d + y, value)
            }
            set(d + x, m - 1, -q[a] * alpha[b] - u[a] * qTl[b] + ql[a * r + b])
        }
        for i in 0..<d { set(i, m - 1, -q[i]) }
        let vv = weightedResidual / (sigma2 * sigma2)
        h[m * m - 1] = -(vv - alphaMAlpha) / sigma2 + 0.5 * (Double(n - r) / (sigma2 * sigma2) + traceSquare)
        return h
    }

    /// ∂²ℓ/∂x∂xᵀ (row-major, ``count``²) at `x`: one pass over the tasks in fixed chunks (at
    /// most 64, set by the task count), summed in order, so the bytes do not depend on the
    /// number of threads.
    func hessian(_ x: [Double]) throws -> [Double] {
        let d = dimension, k = componentCount, pp = count
        let params = unpack(x)
        var offsets: [Int] = []
        var at = k - 1
        for c in 0..<k { offsets.append(at); at += d + Self.factorEntries(d, ranks[c]) }
        let chunkSize = Swift.max(16, (tasks.count + 63) / 64)
        let chunks = DeterministicParallel.chunkCount(count: tasks.count, chunkSize: chunkSize)
        let partials = try DeterministicParallel.map(count: chunks, chunkSize: 1) { chunk -> [Double] in
            var sum = [Double](repeating: 0, count: pp * pp)
            for t in (chunk * chunkSize)..<Swift.min(tasks.count, (chunk + 1) * chunkSize) where taskWeights[t] != 0 {
                try addTask(t, params, offsets: offsets, into: &sum)
            }
            return sum
        }
        var total = [Double](repeating: 0, count: pp * pp)
        for partial in partials { for i in 0..<(pp * pp) { total[i] += partial[i] } }
        return total
    }

    /// Adds w_i times task `t`'s Hessian (see the type's comment) to `sum`.
    private func addTask(_ t: Int, _ params: Parameters, offsets: [Int], into sum: inout [Double]) throws {
        let d = dimension, k = componentCount, pp = count
        let sigma2 = params.noiseVariance, noiseIndex = pp - 1
        let w = taskWeights[t]
        let terms = try (0..<k).map { try term(t, mean: params.means[$0], factor: params.factors[$0], rank: ranks[$0], noise: sigma2, hessian: true) }
        let logs = (0..<k).map { log(params.weights[$0]) + terms[$0].logLikelihood }
        let norm = logSumExp(logs)
        let resp = logs.map { exp($0 - norm) }
        // g_ik in the coordinates, dense.
        var gradients = [[Double]](repeating: [Double](repeating: 0, count: pp), count: k)
        for c in 0..<k {
            var g = gradients[c]
            for j in 0..<(k - 1) { g[j] = (c == j ? 1 : 0) - params.weights[j] }
            let r = ranks[c], l = params.factors[c], u = terms[c].u, p = terms[c].p
            var at = offsets[c]
            for i in 0..<d { g[at] = u[i] * scale; at += 1 }
            for a in 0..<d {
                for b in 0...Swift.min(a, r - 1) {
                    var s = 0.0
                    for m in 0..<d { s += (u[a] * u[m] - p[a * d + m]) * l[m * r + b] }
                    g[at] = s * scale
                    at += 1
                }
            }
            g[noiseIndex] = terms[c].noiseSlope * sigma2
            gradients[c] = g
        }
        var mean = [Double](repeating: 0, count: pp)
        for c in 0..<k { for i in 0..<pp { mean[i] += resp[c] * gradients[c][i] } }
        for c in 0..<k {
            let wr = w * resp[c]
            guard wr > 0 else { continue }
            // r_ik (g_ik − ḡ)(g_ik − ḡ)ᵀ summed over k is Σ r g gᵀ − ḡḡᵀ.
            let centred = (0..<pp).map { gradients[c][$0] - mean[$0] }
            let nonzero = (0..<pp).filter { centred[$0] != 0 }
            for i in nonzero { for j in nonzero { sum[i * pp + j] += wr * centred[i] * centred[j] } }
            // ∇²ℓ_ik's component block, taken to the coordinates.
            let local = terms[c].hessian!
            let m = Int(Double(local.count).squareRoot().rounded())
            let index = (0..<m).map { $0 < m - 1 ? offsets[c] + $0 : noiseIndex }
            let chain = (0..<m).map { $0 < m - 1 ? scale : sigma2 }
            for i in 0..<m {
                for j in 0..<m { sum[index[i] * pp + index[j]] += wr * chain[i] * chain[j] * local[i * m + j] }
            }
            sum[noiseIndex * pp + noiseIndex] += wr * sigma2 * terms[c].noiseSlope
        }
        // The logits' own curvature, −(diag π − ππᵀ), the same under every component (Σ_k r_ik = 1).
        for i in 0..<(k - 1) {
            for j in 0..<(k - 1) { sum[i * pp + j] -= w * ((i == j ? params.weights[i] : 0) - params.weights[i] * params.weights[j]) }
        }
    }
}
