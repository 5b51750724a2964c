// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The situation of a learned basis on noise-free tasks: an RBF basis nearly interpolates every
/// task, σ² sits at its floor, so every direction of Σ̃ = Σ/σ² looks strong by signal-to-noise
/// and the fit starts at full rank with more than ``PriorFit/newtonParameterLimit`` parameters
/// (truncated Newton). Such fits used to stop at the iteration limit with the stationarity
/// measure flat near 1e-4 while ℓ crept up; they must converge, and the point returned must
/// satisfy the first-order (KKT) conditions, checked independently of ``ProfiledLikelihood`` by
/// central differences of the direct sum of multivariate-normal log densities
/// (``BoundaryFitTests/direct(_:_:mean:noise:relative:)``).
@Suite("Prior fit: learned-basis-like fit at the noise floor")
struct LearnedBasisFloorFitTests {
    /// 100 noise-free sinusoid tasks (MAML's family) × 20 points, basis rbf:16 (d = 17, 153
    /// free entries of Λ at full rank).
    static func fit() throws -> (fit: PriorFitResult, data: MetaDataset, map: FeatureMap, floor: Double) {
        let fitted = try BoundaryFitTests.boundedFit(try BasisLearningTests.simulated(.sinusoid, tasks: 100, points: 20, seed: 1, noise: 0),
                                                     spec: try BasisSpec(parsing: "rbf:16"))
        return (fitted.fit, fitted.data, fitted.map, fitted.floor ?? 0)
    }

    @Test func floorFitConvergesAndSatisfiesTheFirstOrderConditions() throws {
        let (fit, data, map, floor) = try Self.fit()
        let d = map.dimension
        #expect(floor > 0 && fit.prior.noiseVariance == floor)
        // The path under test: truncated Newton at a rank with more than 100 parameters.
        #expect(fit.phases.contains { $0.name == "newton-cg" })
        // The stated criterion, as the fit reports it.
        let options = PriorFitOptions()
        #expect(fit.converged)
        #expect(fit.criterion.holds(stationarityTolerance: options.gradientTolerance, decrementTolerance: options.decrementTolerance,
                                    boundaryTolerance: options.boundaryTolerance))

        let point = try BoundaryFitTests.FittedPoint(fit, data: data, map: map)
        let (designs, targets, mean, noise, relative, n) = (point.designs, point.targets, point.mean, point.noise, point.relative, point.observations)
        let base = try point.direct()
        #expect(abs(base - fit.logMarginalLikelihood) <= 1e-9 * abs(base))
        let r = fit.rank
        #expect(r < d)

        // The fit's lower-trapezoidal Λ (d×r): the trapezoidal form of Σ̃'s factor, unique for
        // a given Σ̃. D: the mean square of each feature per point (Λ̂ = D^{1/2}Λ).
        let scales = BoundaryFitTests.featureScales(designs)
        let square = PriorFit.trapezoidal(fit.prior.factor.elements.map { $0 / noise.squareRoot() }, rows: d, columns: d)
        var lambda = [Double](repeating: 0, count: d * r)
        for i in 0..<d { for j in 0..<r { lambda[i * r + j] = square[i * d + j] } }
        let g = try Self.sigmaGradient(designs, targets, mean: mean, noise: noise, relative: relative)
        // ∂ℓ/∂Λ̂_ij per observation = 2(GΛ)_ij / (D_ii^{1/2} N).
        func slope(_ i: Int, _ j: Int) -> Double {
            2 * (0..<d).reduce(0.0) { $0 + g[i, $1] * lambda[$1 * r + j] } / scales[i] / n
        }

        // The dense G is the derivative of the direct likelihood: along each free entry of Λ
        // (Σ̃ = ΛΛᵀ stays positive semi-definite on both sides of the step), 4-point central
        // differences with h = 6e-5·‖column‖ agree with 2GΛ. Their error, measured on this fit
        // as the largest entry at several h: O(h⁴) truncation (2.5e-7 at h = 1e-4, 1.9e-5 at
        // 3e-4: the ratio 76 ≈ 3⁴) and round-off ∝ 1/h (2.1e-7 at 3e-5); 1.1e-7 at 6e-5, so
        // 3e-7 allowed.
        func relativeOf(_ l: [Double]) -> Matrix {
            var m = Matrix(rows: d, columns: d)
            for i in 0..<d { for j in 0..<d { m[i, j] = (0..<r).reduce(0.0) { $0 + l[i * r + $1] * l[j * r + $1] } } }
            return m
        }
        func direct(_ l: [Double]) throws -> Double {
            try point.direct(relative: relativeOf(l))
        }
        for j in 0..<r {
            let h = 6e-5 * (0..<d).reduce(0.0) { $0 + lambda[$1 * r + j] * lambda[$1 * r + j] }.squareRoot()
            for i in j..<d {
                func moved(_ t: Double) -> [Double] { var l = lambda; l[i * r + j] += t; return l }
                let difference = (8 * (try direct(moved(h)) - direct(moved(-h))) - (try direct(moved(2 * h)) - direct(moved(-2 * h)))) / (12 * h)
                #expect(abs(difference / scales[i] / n - slope(i, j)) <= 3e-7, "∂ℓ/∂Λ̂[\(i),\(j)]")
            }
        }

        // Stationarity on the rank-r set, as stated: max |∂ℓ/∂Λ̂| / N within the tolerance 1e-8.
        // The dense G reproduces the fit's own measure to 2e-11 (9.532e-9 against 9.549e-9), so
        // 1e-10 is allowed for its round-off.
        var worst = 0.0
        for j in 0..<r { for i in j..<d { worst = Swift.max(worst, abs(slope(i, j))) } }
        #expect(worst <= options.gradientTolerance + 1e-10, "max |∂ℓ/∂Λ̂| / N = \(worst)")

        // No direction outside the range raises ℓ beyond the tolerance: λ_max(G, W) ≤ ½·1e-3
        // (λ_max(E/σ̂², W) − 1 = 2λ_max(G, W)), W = Σ_i Φ_iᵀṼ_i⁻¹Φ_i computed densely.
        let top = try BoundaryFitTests.topEigenvalue(g, designs: designs, relative: relative)
        #expect(top <= 0.5 * options.boundaryTolerance, "λ_max(G, W) = \(top)")
        // …and it is the criterion the fit reports (3.05e-7 here), to round-off.
        #expect(abs(2 * top - fit.criterion.boundaryExcess) <= 1e-8)

        // The σ² bound: ℓ falls as σ² rises from the floor (the KKT sign), at fixed Σ̃ as the
        // fit reports it and at fixed Σ, both by central differences of the direct likelihood
        // with h = 1e-4 relative (truncation O(h²) ≈ 1e-8 of the slope, round-off
        // ≈ 1e-16·|ℓ|/(h·N) ≈ 1e-13 per observation); the reported slope within 1e-6.
        let slope = try #require(fit.criterion.noiseSlope)
        let (atFixedRelative, atFixedSigma) = try point.noiseSlopes(h: 1e-4)
        #expect(slope < 0 && atFixedSigma < 0)
        #expect(abs(atFixedRelative - slope) <= 1e-6, "\(atFixedRelative) vs \(slope)")
    }

    /// G = ∂ℓ/∂Σ̃ = ½ Σ_i Φ_iᵀṼ_i⁻¹(r_i r_iᵀ/σ² − Ṽ_i)Ṽ_i⁻¹Φ_i (r_i = y_i − Φ_iμ, Ṽ_i = I + Φ_iΣ̃Φ_iᵀ),
    /// the derivative of −½Σ_i [log|σ²Ṽ_i| + r_iᵀṼ_i⁻¹r_i/σ²] computed densely on the n×n
    /// covariances — independent of ``ProfiledLikelihood``'s Woodbury form. (Differences of ℓ
    /// cannot resolve G off the range here: Σ̃ is singular, so a two-sided step leaves the
    /// positive semi-definite cone, and at Σ̃ ≈ 1e6 one-sided ones lose it to round-off.)
    static func sigmaGradient(_ designs: [Matrix], _ targets: [[Double]], mean: [Double], noise: Double, relative: Matrix) throws -> Matrix {
        let d = relative.rows
        var g = Matrix(rows: d, columns: d)
        for (phi, y) in zip(designs, targets) {
            var v = try phi.multiplied(by: try relative.multiplied(by: phi, transposeRight: true))
            for i in 0..<v.rows { v[i, i] += 1 }
            let cholesky = try Cholesky(symmetrized(v))
            let fitted = try phi.multiplied(by: mean)
            let q = try cholesky.solve(zip(y, fitted).map { $0 - $1 })
            let x = try phi.multiplied(by: try cholesky.solve(phi), transposeLeft: true)
            let p = try phi.multiplied(by: q, transpose: true)
            for a in 0..<d { for b in 0..<d { g[a, b] += 0.5 * (p[a] * p[b] / noise - x[a, b]) } }
        }
        return symmetrized(g)
    }
}
