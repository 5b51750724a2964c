// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The noise floor as a boundary of the fit, on a small noise-free case (fast): σ² ≥ floor is a
/// constraint like Σ ⪰ 0, and a fit that stops on it has converged only if the KKT sign holds
/// there — ℓ falls as σ² rises from the floor (the gradient pushes below it). The sign is
/// checked independently of ``ProfiledLikelihood`` by central differences of the direct sum of
/// multivariate-normal log densities (``BoundaryFitTests/direct(_:_:mean:noise:relative:)``),
/// and the rule ``FitCriterion/holds(stationarityTolerance:decrementTolerance:boundaryTolerance:growthTolerance:)``
/// must refuse a floor the gradient pushes away from.
@Suite("Prior fit: the noise floor as a KKT boundary (small, noise-free)")
struct NoiseFloorBoundaryTests {
    /// T = 40 tasks, n = 8 points, y = φ₀ + φ₁x₁ + φ₂x₂ (+ noise of sd `noise`), φ_i ~ N(μ, BBᵀ)
    /// with B 3×3 of full rank: without noise every task is fitted exactly, so σ̂² = r/N would
    /// go far below the floor.
    static func data(noise: Double, seed: UInt64 = 20261201) throws -> MetaDataset {
        let stream = RandomStream(seed: seed)
        let d = 3, points = 8
        let mu = [0.5, -1.0, 2.0]
        let b = (0..<(d * d)).map { _ in 0.7 * stream.standardNormal() }
        let tasks = try (0..<40).map { i -> TaskData in
            let z = (0..<d).map { _ in stream.standardNormal() }
            let phi = (0..<d).map { j in mu[j] + (0..<d).reduce(0.0) { $0 + b[j * d + $1] * z[$1] } }
            let x = (0..<(points * (d - 1))).map { _ in stream.standardNormal() }
            let y = (0..<points).map { p in
                phi[0] + phi[1] * x[p * 2] + phi[2] * x[p * 2 + 1] + noise * stream.standardNormal()
            }
            return TaskData(id: "\(i)", inputs: try Matrix(rows: points, columns: d - 1, elements: x), targets: y)
        }
        return MetaDataset(inputNames: ["x1", "x2"], targetName: "y", tasks: tasks)
    }

    static func fit(noise: Double) throws -> (fit: PriorFitResult, data: MetaDataset, map: FeatureMap, floor: Double) {
        let fitted = try BoundaryFitTests.boundedFit(try Self.data(noise: noise), spec: .linear)
        return (fitted.fit, fitted.data, fitted.map, try #require(fitted.floor))
    }

    @Test func noiseFreeFitStopsOnTheFloorWithTheKKTSign() throws {
        let (fit, data, map, floor) = try Self.fit(noise: 0)
        let options = PriorFitOptions()
        // The fit ends on the bound, converged by the stated criterion, with the bound's condition
        // part of it.
        #expect(fit.prior.noiseVariance == floor)
        #expect(fit.converged)
        let slope = try #require(fit.criterion.noiseSlope)
        #expect(fit.criterion.holds(stationarityTolerance: options.gradientTolerance, decrementTolerance: options.decrementTolerance,
                                    boundaryTolerance: options.boundaryTolerance))

        let point = try BoundaryFitTests.FittedPoint(fit, data: data, map: map)
        let base = try point.direct()
        #expect(abs(base - fit.logMarginalLikelihood) <= 1e-9 * abs(base))

        // (σ²/N)·∂ℓ/∂σ² by central differences, h = 1e-4 relative: truncation O(h²) ≈ 1e-8 of the
        // slope (σ⁴∂²ℓ/∂σ⁴ is of order N), round-off ≈ 1e-16·|ℓ|/(h·N) ≈ 1e-11 per observation.
        let (atFixedRelative, atFixedSigma) = try point.noiseSlopes(h: 1e-4)
        // The reported slope is the derivative at fixed Σ̃, and the KKT sign holds at fixed Σ too
        // (the two differ by ⟨G, Σ̃⟩/N, zero at a stationary point): both clearly negative, so
        // the bound binds for a reason — the unbounded σ̂² would lie below it.
        #expect(abs(atFixedRelative - slope) <= 1e-6, "\(atFixedRelative) vs \(slope)")
        #expect(abs(atFixedSigma - atFixedRelative) <= 1e-6, "\(atFixedSigma) vs \(atFixedRelative)")
        #expect(slope < -0.1 && atFixedSigma < -0.1, "slope \(slope), at fixed Σ \(atFixedSigma)")
    }

    /// With noise the floor does not bind: σ² is profiled and no floor condition is reported.
    @Test func noisyFitIsInteriorInNoise() throws {
        let (fit, _, _, floor) = try Self.fit(noise: 0.1)
        #expect(fit.converged)
        #expect(fit.prior.noiseVariance > 100 * floor)
        #expect(fit.criterion.noiseSlope == nil)
    }

    /// The rule: on the floor the fit has converged only where ℓ falls as σ² rises (slope ≤ 0);
    /// a floor the gradient pushes away from (slope > 0) is not a maximum, whatever the other
    /// conditions say.
    @Test(arguments: [(-0.5, true), (0.0, true), (1e-3, false), (0.2, false)])
    func criterionRefusesAFloorTheGradientLeaves(slope: Double, holds: Bool) {
        var criterion = FitCriterion(stationarity: 1e-10, boundaryExcess: -0.5)
        criterion.noiseSlope = slope
        let options = PriorFitOptions()
        #expect(criterion.holds(stationarityTolerance: options.gradientTolerance, decrementTolerance: options.decrementTolerance,
                                boundaryTolerance: options.boundaryTolerance) == holds)
    }
}
