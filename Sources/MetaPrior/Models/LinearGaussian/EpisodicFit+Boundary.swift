// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension EpisodicFit {
    /// The boundary test at a point of rank r < d: the best direction v outside the range of
    /// Σ = LLᵀ and what adding variance along it promises.
    struct BoundaryTest {
        /// Unit vector in the null space of Lᵀ: the top eigenvector of PᵀGP (P: an orthonormal
        /// basis of that null space, G = ∂f/∂Σ of the mean log predictive density f per query
        /// point).
        var direction: [Double]
        /// f'(0) = vᵀGv along Σ + s·vvᵀ (the KKT multiplier: ≤ 0 at a boundary optimum).
        var slope: Double
        /// −f''(0) along the same ray (by a difference of the analytic slopes).
        var curvature: Double
        /// The predicted gain ½ slope²/curvature in nats per query point (0 when slope ≤ 0,
        /// +∞ when the curvature is not positive): unit-free, like the Newton decrement.
        var gain: Double
        /// The one-dimensional Newton step slope/curvature in s (nil when it does not exist).
        var step: Double?
    }

    /// The start's factor on a fixed episode set: Σ = VΛVᵀ keeps its eigen-directions with an
    /// eigenvalue above 1e-10 of the largest, as d×r lower-trapezoidal L (row-major d×d, zero
    /// from column r on), r ≥ 1. Why 1e-10: the marginal fit returns Σ = σ²ΛΛᵀ with Λ of
    /// exactly its rank, so the directions it zeroed come back as eigenvalues of round-off
    /// size, ~1e-16 of the largest; a direction it kept has a per-task signal-to-noise
    /// ratio of at least 1e-4 (its shrink rule) and so is, with features of comparable
    /// scale, far above 1e-10 of the largest. A direction misjudged either way is recovered:
    /// a dropped one by the boundary test, a kept one by Newton shrinking it.
    static func startingFactor(_ covariance: Matrix) throws -> (columns: Int, factor: [Double]) {
        let d = covariance.rows
        let eigen = try SymmetricEigen(symmetrized(covariance))
        let top = Swift.max(eigen.values.last ?? 0, 0)
        let kept = (0..<d).reversed().filter { eigen.values[$0] > 1e-10 * top && top > 0 }
        let r = Swift.max(kept.count, 1)
        var lambda = [Double](repeating: 0, count: d * r)
        for (c, k) in kept.enumerated() {
            let root = eigen.values[k].squareRoot()
            for i in 0..<d { lambda[i * r + c] = eigen.vectors[i, k] * root }
        }
        return (r, padded(PriorFit.trapezoidal(lambda, rows: d, columns: r), rows: d, columns: r))
    }

    /// A row-major d×r matrix as d×d with zero columns from r on.
    static func padded(_ lambda: [Double], rows d: Int, columns r: Int) -> [Double] {
        var out = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<r { out[i * d + j] = lambda[i * r + j] } }
        return out
    }

    /// The boundary (KKT) test at θ of an objective at rank r < d. At a maximum over the
    /// positive semi-definite Σ of rank ≤ r, with r < d, no direction v outside Σ's range may
    /// raise f when variance s·vvᵀ is added: f'(0) = vᵀGv ≤ 0 for every v in the null space,
    /// i.e. λ_max(PᵀGP) ≤ 0. Its unit-free form is the gain a one-dimensional Newton step along
    /// the best such v promises, ½ (vᵀGv)²/(−f''(0)), in nats per query point — compared with
    /// the same tolerance as the Newton decrement. f''(0) is the difference of the analytic
    /// slopes at s = 0 and a small s₁ (≤ 1e-3 of the step it implies, so the secant is the
    /// tangent within about 0.1%).
    static func boundaryTest(_ objective: EpisodicObjective, theta: [Double]) throws -> BoundaryTest {
        let d = objective.statistics.dimension, r = objective.columns
        let n = objective.statistics.queryPoints
        let (mean, lambda, noise) = objective.unpack(theta)
        // Null space of Lᵀ: the d − r eigenvectors of LLᵀ with the smallest eigenvalues.
        var sigma = Matrix(rows: d, columns: d)
        for i in 0..<d { for j in 0..<d { sigma[i, j] = (0..<r).reduce(0.0) { $0 + lambda[i * d + $1] * lambda[j * d + $1] } } }
        let eigen = try SymmetricEigen(symmetrized(sigma))
        let nullity = d - r
        let top = Swift.max(eigen.values.last ?? 0, 1e-300)
        func slope(along v: [Double], adding s: Double) throws -> Double {
            var factor = lambda
            if s > 0 { for i in 0..<d { factor[i * d + r] = s.squareRoot() * v[i] } }
            let g = try objective.covarianceGradient(mean: mean, factor: factor, noiseVariance: noise)
            var value = 0.0
            for i in 0..<d { for j in 0..<d { value += v[i] * g[i * d + j] * v[j] } }
            return value / n
        }
        let g = try objective.covarianceGradient(mean: mean, factor: lambda, noiseVariance: noise)
        var projected = Matrix(rows: nullity, columns: nullity)
        for a in 0..<nullity { for b in 0..<nullity {
            var value = 0.0
            for i in 0..<d { for j in 0..<d { value += eigen.vectors[i, a] * g[i * d + j] * eigen.vectors[j, b] } }
            projected[a, b] = value / n
        } }
        let reduced = try SymmetricEigen(symmetrized(projected))
        var v = (0..<d).map { i in (0..<nullity).reduce(0.0) { $0 + eigen.vectors[i, $1] * reduced.vectors[$1, nullity - 1] } }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        v = v.map { $0 / norm }
        let f1 = try slope(along: v, adding: 0)
        guard f1 > 0 else { return BoundaryTest(direction: v, slope: f1, curvature: 0, gain: 0, step: nil) }
        var s1 = 1e-6 * top
        var curvature = 0.0
        for _ in 0..<4 {
            curvature = (f1 - (try slope(along: v, adding: s1))) / s1
            guard curvature > 0 else { break }
            let step = f1 / curvature
            if s1 <= 1e-3 * step { break }
            s1 = 1e-4 * step
        }
        guard curvature > 0 else { return BoundaryTest(direction: v, slope: f1, curvature: curvature, gain: .infinity, step: nil) }
        return BoundaryTest(direction: v, slope: f1, curvature: curvature, gain: 0.5 * f1 * f1 / curvature, step: f1 / curvature)
    }

    /// Grows the rank by one: L gets the column √s·v (then made lower-trapezoidal again), with
    /// s the best of a few multiples of the test's Newton step (or of 1e-4 … 1 of the trace of Σ
    /// when there is none). Nil when none raises the objective.
    static func grow(_ objective: EpisodicObjective, theta: [Double], along test: BoundaryTest) throws
        -> (objective: EpisodicObjective, theta: [Double])? {
        let d = objective.statistics.dimension, r = objective.columns
        let (mean, lambda, noise) = objective.unpack(theta)
        let larger = EpisodicObjective(statistics: objective.statistics, structure: objective.structure, columns: r + 1)
        let current = try objective.evaluate(theta, gradient: false).value
        let top = (0..<d).reduce(0.0) { total, i in total + (0..<r).reduce(0.0) { $0 + lambda[i * d + $1] * lambda[i * d + $1] } }
        let sizes = test.step.map { s in [0.25, 1, 4].map { $0 * s } } ?? [1e-4, 1e-2, 1].map { $0 * Swift.max(top, 1e-300) }
        var best: (theta: [Double], value: Double)?
        for s in sizes {
            var wide = [Double](repeating: 0, count: d * (r + 1))
            for i in 0..<d {
                for j in 0..<r { wide[i * (r + 1) + j] = lambda[i * d + j] }
                wide[i * (r + 1) + r] = s.squareRoot() * test.direction[i]
            }
            let factor = padded(PriorFit.trapezoidal(wide, rows: d, columns: r + 1), rows: d, columns: r + 1)
            let candidate = larger.parameters(mean: mean, factor: factor, noiseVariance: noise)
            guard let value = try? larger.evaluate(candidate, gradient: false).value, value.isFinite else { continue }
            if value > (best?.value ?? current) { best = (candidate, value) }
        }
        return best.map { (larger, $0.theta) }
    }
}
