// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The objective along a ray of variance, g(t) = f(μ, Σ₀ + t·vvᵀ, σ²) for t ∈ [0, ∞], in
/// closed form. With V₀ = σ²I + ΦΣ₀Φᵀ, a = Φv, q = aᵀV₀⁻¹a and p = aᵀV₀⁻¹(y − Φμ) for one set
/// of points, the matrix determinant lemma and Sherman–Morrison give
///
///     log p(y | Σ₀ + t vvᵀ) = log p(y | Σ₀) − ½ log(1 + tq) + ½ t p²/(1 + tq),
///
/// and the predictive log p(y_q | D_s) is the joint's minus the support's. As t → ∞ the
/// −½ log t of the two cancel (when the support sees v, q_S > 0), so the limit is finite:
///
///     g(∞) − g(t) = ½ Σ_e w_e { log1p(1/(t q_J)) − log1p(1/(t q_S))
///                              + p_J²/(q_J(1 + t q_J)) − p_S²/(q_S(1 + t q_S)) },
///
/// the gain left by letting the variance along v go to infinity — the supremum of a noise-free
/// fit can lie there (the support points pin that component down, so an unbounded prior
/// variance along it costs nothing in the limit). Only quantities at Σ₀ appear, so it is
/// exact however large t is, where evaluating at Σ₀ + t·vvᵀ directly loses digits.
struct VarianceRay {
    var weights: [Double] = [], jointQ: [Double] = [], jointP: [Double] = [], supportQ: [Double] = [], supportP: [Double] = []

    /// g(t₁) − g(t₀), summed over episodes (finite t₀, t₁ ≥ 0).
    func change(from t0: Double, to t1: Double) -> Double {
        func h(_ t: Double, _ q: Double, _ p: Double) -> Double { -0.5 * log1p(t * q) + 0.5 * t * p * p / (1 + t * q) }
        return weights.indices.reduce(0.0) { total, e in
            total + weights[e] * ((h(t1, jointQ[e], jointP[e]) - h(t1, supportQ[e], supportP[e]))
                                  - (h(t0, jointQ[e], jointP[e]) - h(t0, supportQ[e], supportP[e])))
        }
    }

    /// g(∞) − g(t), summed over episodes (t > 0); −∞ when some episode's support does not see v
    /// but its query does (the predictive variance of the query then grows without bound).
    func remainingGain(from t: Double) -> Double {
        var total = 0.0
        for e in weights.indices where weights[e] != 0 && jointQ[e] > 0 {
            let qJ = jointQ[e], qS = supportQ[e]
            guard qS > 1e-12 * qJ else { return -.infinity }
            total += 0.5 * weights[e] * (log1p(1 / (t * qJ)) - log1p(1 / (t * qS))
                                         + jointP[e] * jointP[e] / (qJ * (1 + t * qJ)) - supportP[e] * supportP[e] / (qS * (1 + t * qS)))
        }
        return total
    }
}

extension MarginalWorkspace {
    /// (q, p) = (aᵀV⁻¹a, aᵀV⁻¹e) for a = Φv, e = y − Φμ, V = σ²I + ΦLLᵀΦᵀ, from A, b, c, n
    /// (Woodbury, as `accumulate`): ΦᵀV⁻¹Φ = (A − UᵀU)/σ² with U = R⁻¹LᵀA, ΦᵀV⁻¹e = (r − ALw)/σ².
    mutating func ray(a: UnsafePointer<Double>, b: UnsafePointer<Double>, mean mu: [Double], factor L: [Double],
                      noiseVariance s2: Double, direction dir: [Double]) throws -> (q: Double, p: Double) {
        let d = self.d
        try factorPredictive(a: a, b: b, mean: mu, factor: L, noiseVariance: s2)
        PointerKernels.solveLower(m, n: d, vector: &t)
        PointerKernels.solveLower(m, n: d, vector: &t, transpose: true)   // w = M⁻¹Lᵀr
        PointerKernels.multiply(L, vector: t, into: &lw, rows: d, columns: d)
        PointerKernels.multiply(a, vector: lw, into: &alw, rows: d, columns: d)
        var p = 0.0
        for i in 0..<d { p += dir[i] * (r[i] - alw[i]) / s2 }
        // q = (vᵀAv − ‖R⁻¹LᵀAv‖²)/σ²: Av in am, LᵀAv in v.
        PointerKernels.multiply(a, vector: dir, into: &am, rows: d, columns: d)
        PointerKernels.multiply(L, vector: am, into: &v, rows: d, columns: d, transpose: true)
        PointerKernels.solveLower(m, n: d, vector: &v)
        var q = 0.0
        for i in 0..<d { q += dir[i] * am[i] - v[i] * v[i] }
        return (Swift.max(q / s2, 0), p)
    }
}

extension EpisodicFit {
    /// The ray g(t) = f(μ, Σ₀ + t·vvᵀ, σ²) of `VarianceRay` at Σ₀ = L₀L₀ᵀ (`reduced`, row-major d×d).
    static func varianceRay(_ objective: EpisodicObjective, mean: [Double], reduced: [Double], noiseVariance: Double,
                            direction v: [Double]) throws -> VarianceRay {
        let s = objective.statistics, d = s.dimension
        var ray = VarianceRay(weights: s.weights, jointQ: .init(repeating: 0, count: s.count), jointP: .init(repeating: 0, count: s.count),
                              supportQ: .init(repeating: 0, count: s.count), supportP: .init(repeating: 0, count: s.count))
        var work = MarginalWorkspace(dimension: d)
        for e in 0..<s.count where s.weights[e] != 0 {
            let joint = try s.jointGram.withUnsafeBufferPointer { a in try s.jointCross.withUnsafeBufferPointer { b in
                try work.ray(a: a.baseAddress! + e * d * d, b: b.baseAddress! + e * d, mean: mean, factor: reduced,
                             noiseVariance: noiseVariance, direction: v) } }
            let support = try s.supportGram.withUnsafeBufferPointer { a in try s.supportCross.withUnsafeBufferPointer { b in
                try work.ray(a: a.baseAddress! + e * d * d, b: b.baseAddress! + e * d, mean: mean, factor: reduced,
                             noiseVariance: noiseVariance, direction: v) } }
            (ray.jointQ[e], ray.jointP[e], ray.supportQ[e], ray.supportP[e]) = (joint.q, joint.p, support.q, support.p)
        }
        return ray
    }

    /// The asymptote test at θ: for each eigen-direction v of Σ = LLᵀ (eigenvalue λ > 0), the
    /// gain g(∞) − g(λ) per query point that letting the variance along v go to infinity
    /// still offers (`VarianceRay`, with Σ₀ = Σ − λvvᵀ); the largest, with its direction.
    struct AsymptoteTest {
        /// The eigen-direction of Σ with the largest gain at infinity.
        var direction: [Double]
        /// Its eigenvalue λ.
        var eigenvalue: Double
        /// g(∞) − g(λ) in nats per query point (≤ 0 when the limit is no better; −∞ when the
        /// limit is −∞).
        var gain: Double
        /// The ray along `direction` at Σ₀.
        var ray: VarianceRay
        /// Σ₀ = (I − vvᵀ)L(I − vvᵀ)ᵀ's factor (I − vvᵀ)L, row-major d×d.
        var reduced: [Double]
    }

    /// The asymptote test at θ (full structure): a necessary condition for a supremum that the
    /// Newton decrement, being local, does not see — no single variance sent to infinity beats
    /// the current point by more than the tolerance. Scale-free like the decrement (nats per
    /// query point, invariant to the units of y and of the features). It costs two passes over
    /// the episodes per eigen-direction (eigenvalues above 1e-10 of the largest; those below
    /// are the rank's null space, the boundary test's business). Nil when Σ = 0.
    static func asymptoteTest(_ objective: EpisodicObjective, theta: [Double]) throws -> AsymptoteTest? {
        let d = objective.statistics.dimension, n = objective.statistics.queryPoints
        let (mean, lambda, noise) = objective.unpack(theta)
        var sigma = Matrix(rows: d, columns: d)
        for i in 0..<d { for j in 0..<d { sigma[i, j] = (0..<d).reduce(0.0) { $0 + lambda[i * d + $1] * lambda[j * d + $1] } } }
        let eigen = try SymmetricEigen(symmetrized(sigma))
        let top = eigen.values.last ?? 0
        var best: AsymptoteTest?
        for k in (0..<d).reversed() where top > 0 && eigen.values[k] > 1e-10 * top {
            let v = (0..<d).map { eigen.vectors[$0, k] }
            // (I − vvᵀ)L: removes exactly λvvᵀ from Σ, v being an eigenvector.
            var reduced = lambda
            for j in 0..<d {
                let dot = (0..<d).reduce(0.0) { $0 + v[$1] * lambda[$1 * d + j] }
                for i in 0..<d { reduced[i * d + j] -= v[i] * dot }
            }
            let ray = try varianceRay(objective, mean: mean, reduced: reduced, noiseVariance: noise, direction: v)
            let gain = ray.remainingGain(from: eigen.values[k]) / n
            if best == nil || gain > best!.gain {
                best = AsymptoteTest(direction: v, eigenvalue: eigen.values[k], gain: gain, ray: ray, reduced: reduced)
            }
        }
        return best
    }
}
