// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The observed-data log-likelihood ℓ = Σ_i w_i log Σ_k π_k p(D_i | k) of the mixture and its
/// analytic gradient, in the coordinates of the second-order finish (`MixtureNewton`).
///
/// Coordinates x (all free of units): logits a_1 … a_{K−1} of π (a_K = 0, π = softmax(a)), then
/// per component μ_k/s and the entries of a d×r_k lower-trapezoidal factor L_k/s with
/// Σ_k = L_k L_kᵀ (row by row, column j ≤ min(i, r_k − 1)), then log σ²; s = √(tr Σ₁/d), the
/// warm start's between-task scale. Unlike EM's log-Cholesky coordinates (`MixtureCoordinates`)
/// the factor's entries are raw, so Σ_k can reach the singular boundary: near it ℓ is quadratic
/// in the vanishing part of L_k, a non-degenerate maximum for Newton where EM crawls.
///
/// Per task and component, with A = ΦᵀΦ, b = Φᵀy, c = yᵀy, g = b − Aμ, e = y − Φμ and
/// V = σ²I + ΦΣΦᵀ (Woodbury through M = σ²I_r + LᵀAL = RRᵀ, never Σ⁻¹):
///
///     t = Lᵀg,  s = M⁻¹t,  eᵀe = c − 2μᵀb + μᵀAμ
///     log p = −n/2 log 2π − (n − r)/2 log σ² − ½ log|M| − (eᵀe − tᵀs)/(2σ²)
///     u = ΦᵀV⁻¹e = (g − ALs)/σ²,   P = ΦᵀV⁻¹Φ = (A − ALM⁻¹LᵀA)/σ²
///     ∂log p/∂μ = u,  ∂log p/∂L = (uuᵀ − P)L,
///     ∂log p/∂σ² = ½(‖V⁻¹e‖² − tr V⁻¹) = ½[(eᵀe − tᵀs − σ²sᵀs)/σ⁴ − (n − r)/σ² − tr M⁻¹]
///
/// and by Fisher's identity ∂ℓ = Σ_i w_i Σ_k r_ik ∂log p(D_i | k) (r_ik the responsibilities),
/// ∂ℓ/∂a_k = Σ_i w_i (r_ik − π_k).
struct MixtureFactorObjective {
    /// The tasks' sufficient statistics as flat arrays (A row-major).
    let tasks: [(gram: [Double], cross: [Double], squares: Double, count: Int)]
    let taskWeights: [Double]
    let dimension: Int
    /// Columns r_k of each factor.
    private(set) var ranks: [Int]
    /// s = √(tr Σ₁/d).
    let scale: Double

    init(statistics: TaskStatistics, ranks: [Int], scale: Double) throws {
        let d = statistics.dimension
        tasks = try (0..<statistics.taskCount).map { t in
            let task = try statistics.task(t)
            return ((0..<(d * d)).map { task.gram[$0 / d, $0 % d] }, task.cross, task.squares, task.count)
        }
        taskWeights = statistics.weights
        dimension = d
        self.ranks = ranks
        self.scale = scale
    }

    /// A copy with other ranks.
    func with(ranks: [Int]) -> MixtureFactorObjective {
        var copy = self
        copy.ranks = ranks
        return copy
    }

    var componentCount: Int { ranks.count }
    /// Entries of a d×r lower-trapezoidal factor.
    static func factorEntries(_ d: Int, _ r: Int) -> Int { (0..<d).reduce(0) { $0 + Swift.min($1, r - 1) + 1 } }
    /// Number of coordinates.
    var count: Int { componentCount - 1 + ranks.reduce(0) { $0 + dimension + Self.factorEntries(dimension, $1) } + 1 }

    /// θ as weights, means, factors (d×r_k row-major) and σ².
    struct Parameters {
        var weights: [Double]
        var means: [[Double]]
        var factors: [[Double]]
        var noiseVariance: Double
    }

    /// The coordinates of θ (each factor lower-trapezoidal, d×r_k).
    func pack(_ p: Parameters) -> [Double] {
        let d = dimension, k = componentCount
        let last = log(p.weights[k - 1])
        var x = (0..<(k - 1)).map { log(p.weights[$0]) - last }
        for c in 0..<k {
            x += p.means[c].map { $0 / scale }
            let r = ranks[c]
            for i in 0..<d { for j in 0...Swift.min(i, r - 1) { x.append(p.factors[c][i * r + j] / scale) } }
        }
        x.append(log(p.noiseVariance))
        return x
    }

    /// θ at coordinates x.
    func unpack(_ x: [Double]) -> Parameters {
        let d = dimension, k = componentCount
        let logits = (0..<k).map { $0 < k - 1 ? x[$0] : 0 }
        let top = logits.max()!
        let raw = logits.map { exp($0 - top) }
        let total = raw.reduce(0, +)
        var at = k - 1
        var means: [[Double]] = [], factors: [[Double]] = []
        for c in 0..<k {
            means.append((0..<d).map { x[at + $0] * scale })
            at += d
            let r = ranks[c]
            var factor = [Double](repeating: 0, count: d * r)
            for i in 0..<d { for j in 0...Swift.min(i, r - 1) { factor[i * r + j] = x[at] * scale; at += 1 } }
            factors.append(factor)
        }
        return Parameters(weights: raw.map { $0 / total }, means: means, factors: factors, noiseVariance: exp(x[at]))
    }

    /// The ``GaussianMixture`` at coordinates x (Σ_k = L_k L_kᵀ, singular where r_k < d).
    func mixture(_ x: [Double]) throws -> GaussianMixture {
        let p = unpack(x)
        let d = dimension
        let covariances = try p.factors.enumerated().map { c, factor in
            let r = ranks[c]
            var sigma = Matrix(rows: d, columns: d)
            for i in 0..<d { for j in 0..<d { sigma[i, j] = (0..<r).reduce(0) { $0 + factor[i * r + $1] * factor[j * r + $1] } } }
            return try Matrix(rows: d, columns: d, elements: (0..<(d * d)).map { sigma[$0 / d, $0 % d] })
        }
        return try GaussianMixture(weights: p.weights, means: p.means, covariances: covariances, noiseVariance: p.noiseVariance)
    }

    /// One task under one component: log p, u, P (d×d) and ∂log p/∂σ².
    struct TaskTerm {
        var logLikelihood: Double
        var u: [Double]
        var p: [Double]
        var noiseSlope: Double
        /// With `hessian: true`: ∂²log p in (μ, the factor's entries, σ²), natural units
        /// (``localHessian``).
        var hessian: [Double]? = nil
    }

    /// ``TaskTerm`` of task `t` under mean `mu`, factor `l` (d×r) and σ².
    func term(_ t: Int, mean mu: [Double], factor l: [Double], rank r: Int, noise sigma2: Double, hessian: Bool = false) throws -> TaskTerm {
        let d = dimension
        let (a, b, c, n) = tasks[t]
        var al = [Double](repeating: 0, count: d * r)
        for i in 0..<d { for k in 0..<d where a[i * d + k] != 0 { let aik = a[i * d + k]; for j in 0..<r { al[i * r + j] += aik * l[k * r + j] } } }
        var m = Matrix(rows: r, columns: r)
        for i in 0..<r { for j in 0...i {
            var s = 0.0
            for k in 0..<d { s += l[k * r + i] * al[k * r + j] }
            m[i, j] = s; m[j, i] = s
        } }
        for i in 0..<r { m[i, i] += sigma2 }
        let chol = try Cholesky(m)
        var aMu = [Double](repeating: 0, count: d)
        for i in 0..<d { for k in 0..<d { aMu[i] += a[i * d + k] * mu[k] } }
        let g = (0..<d).map { b[$0] - aMu[$0] }
        var ee = c
        for i in 0..<d { ee += mu[i] * (aMu[i] - 2 * b[i]) }
        let tv = (0..<r).map { j in (0..<d).reduce(0.0) { $0 + l[$1 * r + j] * g[$1] } }
        let sv = try chol.solve(tv)
        let ts = zip(tv, sv).reduce(0) { $0 + $1.0 * $1.1 }
        let ss = sv.reduce(0) { $0 + $1 * $1 }
        let nn = Double(n), rr = Double(r)
        let logp = -0.5 * nn * log(2 * Double.pi) - 0.5 * (nn - rr) * log(sigma2) - 0.5 * chol.logDeterminant - 0.5 * (ee - ts) / sigma2
        var u = g
        for i in 0..<d { for j in 0..<r { u[i] -= al[i * r + j] * sv[j] } ; u[i] /= sigma2 }
        // Z = R⁻¹(AL)ᵀ (r×d); ALM⁻¹LᵀA = ZᵀZ.
        var alT = Matrix(rows: r, columns: d)
        for i in 0..<d { for j in 0..<r { alT[j, i] = al[i * r + j] } }
        let z = try chol.solveLower(alT)
        var p = a
        for i in 0..<d { for j in 0...i {
            var s = 0.0
            for k in 0..<r { s += z[k, i] * z[k, j] }
            p[i * d + j] = (a[i * d + j] - s) / sigma2
            p[j * d + i] = p[i * d + j]
        } }
        let inverse = try chol.inverse()
        let traceInverse = (0..<r).reduce(0.0) { $0 + inverse[$1, $1] }
        let slope = 0.5 * ((ee - ts - sigma2 * ss) / (sigma2 * sigma2) - (nn - rr) / sigma2 - traceInverse)
        var result = TaskTerm(logLikelihood: logp, u: u, p: p, noiseSlope: slope)
        if hessian {
            result.hessian = Self.localHessian(d: d, r: r, factor: l, gramFactor: al, u: u, p: p, inverse: inverse, noise: sigma2,
                                               count: n, weightedResidual: ee - ts - sigma2 * ss)
        }
        return result
    }

    /// ℓ, its gradient in x, and per component Ū_k = Σ_i w_i r_ik u uᵀ and P̄_k = Σ_i w_i r_ik P
    /// (for the boundary condition). `parallel`: tasks in parallel fixed chunks (summed in task
    /// order either way, so the result does not depend on the number of threads).
    struct Evaluation {
        var logLikelihood: Double
        var gradient: [Double]
        var outer: [[Double]]
        var information: [[Double]]
    }

    func evaluate(_ x: [Double], parallel: Bool = true) throws -> Evaluation {
        let d = dimension, k = componentCount
        let p = unpack(x)
        let body = { (t: Int) throws -> [TaskTerm]? in
            guard self.taskWeights[t] != 0 else { return nil }
            return try (0..<k).map { try self.term(t, mean: p.means[$0], factor: p.factors[$0], rank: self.ranks[$0], noise: p.noiseVariance) }
        }
        let terms = parallel ? try DeterministicParallel.map(count: tasks.count, chunkSize: 16, body) : try (0..<tasks.count).map(body)
        var ll = 0.0
        var weightGradient = [Double](repeating: 0, count: k)
        var meanGradient = [[Double]](repeating: [Double](repeating: 0, count: d), count: k)
        var outer = [[Double]](repeating: [Double](repeating: 0, count: d * d), count: k)
        var information = outer
        var noiseGradient = 0.0
        for (t, term) in terms.enumerated() {
            guard let term else { continue }
            let w = taskWeights[t]
            let logs = (0..<k).map { log(p.weights[$0]) + term[$0].logLikelihood }
            let norm = logSumExp(logs)
            ll += w * norm
            for c in 0..<k {
                let r = exp(logs[c] - norm)
                weightGradient[c] += w * (r - p.weights[c])
                let wr = w * r
                guard wr > 0 else { continue }
                noiseGradient += wr * term[c].noiseSlope
                let u = term[c].u
                for i in 0..<d {
                    meanGradient[c][i] += wr * u[i]
                    for j in 0..<d {
                        outer[c][i * d + j] += wr * u[i] * u[j]
                        information[c][i * d + j] += wr * term[c].p[i * d + j]
                    }
                }
            }
        }
        var gradient = Array(weightGradient.prefix(k - 1))
        for c in 0..<k {
            gradient += meanGradient[c].map { $0 * scale }
            let r = ranks[c], l = p.factors[c]
            // ∂ℓ/∂L = (Ū − P̄)L.
            for i in 0..<d { for j in 0...Swift.min(i, r - 1) {
                var s = 0.0
                for m in 0..<d { s += (outer[c][i * d + m] - information[c][i * d + m]) * l[m * r + j] }
                gradient.append(s * scale)
            } }
        }
        gradient.append(noiseGradient * p.noiseVariance)
        return Evaluation(logLikelihood: ll, gradient: gradient, outer: outer, information: information)
    }
}
