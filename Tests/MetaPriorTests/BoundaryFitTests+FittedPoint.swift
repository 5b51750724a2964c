// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The setup the noise-floor checks share with ``BoundaryFitTests/direct(_:_:mean:noise:relative:)``:
/// a fit under the bounded noise floor, and its point in the terms of the direct likelihood.
extension BoundaryFitTests {
    /// A fit's θ̂ = (μ̂, σ̂², Σ̃ = Σ̂/σ̂²) with the tasks it was fitted to (designs Φ_i and
    /// targets), as the direct likelihood takes them.
    struct FittedPoint {
        let designs: [Matrix]
        let targets: [[Double]]
        let mean: [Double]
        let noise: Double
        let relative: Matrix
        /// N, the number of observations.
        let observations: Double

        init(_ fit: PriorFitResult, data: MetaDataset, map: FeatureMap) throws {
            designs = try data.tasks.map { try map.design($0.inputs) }
            targets = data.tasks.map(\.targets)
            mean = fit.prior.mean
            noise = fit.prior.noiseVariance
            relative = (1 / noise) * fit.prior.covariance
            observations = Double(data.tasks.reduce(0) { $0 + $1.count })
        }

        /// ℓ summed directly (``BoundaryFitTests/direct(_:_:mean:noise:relative:)``) at μ̂, with
        /// σ² and Σ̃ the fit's unless given.
        func direct(noise: Double? = nil, relative: Matrix? = nil) throws -> Double {
            try BoundaryFitTests.direct(designs, targets, mean: mean, noise: noise ?? self.noise, relative: relative ?? self.relative)
        }

        /// (σ²/N)·∂ℓ/∂σ² at σ̂² by central differences of the direct ℓ with the relative step
        /// `h`: at fixed Σ̃ (the slope the fit reports) and at fixed Σ = σ²Σ̃.
        func noiseSlopes(h: Double) throws -> (atFixedRelative: Double, atFixedSigma: Double) {
            func perObservation(_ f: (Double) throws -> Double) rethrows -> Double {
                (try f(noise * (1 + h)) - f(noise * (1 - h))) / (2 * h * noise) * noise / observations
            }
            return (try perObservation { try direct(noise: $0) },
                    try perObservation { try direct(noise: $0, relative: (noise / $0) * relative) })
        }
    }

    /// The largest eigenvalue of G relative to W (W's Cholesky factor C: that of C⁻¹GC⁻ᵀ), with
    /// W = Σ_i Φ_iᵀṼ_i⁻¹Φ_i computed densely at Σ̃ = `relative` (``denseW(_:relative:)``): the
    /// largest gain in ℓ of a direction outside the range of Σ̃.
    static func topEigenvalue(_ g: Matrix, designs: [Matrix], relative: Matrix) throws -> Double {
        let d = g.rows
        let c = try Cholesky(symmetrized(try denseW(designs, relative: relative)))
        let left = try c.solveLower(g)
        var leftT = left
        for i in 0..<d { for j in 0..<d { leftT[i, j] = left[j, i] } }
        return try SymmetricEigen(symmetrized(try c.solveLower(leftT))).values.last!
    }

    /// `data` fitted in the basis `spec` as `fit` does it, σ² bounded below by the noise floor
    /// (``BasisSelection/bounded(_:_:)``); the floor is returned beside the fit.
    static func boundedFit(_ data: MetaDataset, spec: BasisSpec) throws -> (fit: PriorFitResult, data: MetaDataset, map: FeatureMap, floor: Double?) {
        let map = try FeatureMap(spec: spec, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let statistics = try TaskStatistics(dataset: data, featureMap: map)
        let options = BasisSelection.bounded(PriorFitOptions(), statistics)
        return (try PriorFit.fit(statistics, options: options), data, map, options.noiseFloor)
    }
}
