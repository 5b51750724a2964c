// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Profiled marginal likelihood")
struct ProfiledLikelihoodTests {
    static func statistics(basis: BasisSpec = .linear) throws -> TaskStatistics {
        let data = try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: 40, points: 5, seed: 11,
                                                        mean: [1, -1, 0.5], covariance: try Matrix([[1, 0.2, 0], [0.2, 0.6, 0.1], [0, 0.1, 0.3]]))).dataset
        let map = try FeatureMap(spec: basis, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        return try TaskStatistics(dataset: data, featureMap: map)
    }

    /// The analytic gradient against central finite differences, h = 1e-6 (truncation error
    /// O(h²) ≈ 1e-12 times the third derivative, round-off ≈ 1e-16·|ℓ|/h ≈ 1e-8): agreement to
    /// 1e-5 relative (or 1e-6 absolute) leaves a margin for both.
    @Test(arguments: CovarianceStructure.allCases)
    func gradientMatchesFiniteDifferences(structure: CovarianceStructure) throws {
        let s = try Self.statistics()
        let likelihood = ProfiledLikelihood(statistics: s, structure: structure)
        let k = structure.parameterCount(dimension: 3)
        let theta = (0..<k).map { 0.4 + 0.13 * Double($0) }
        let analytic = try likelihood.evaluate(theta).gradient
        try expectGradientMatchesCentralDifferences(likelihood, at: theta, analytic: analytic)
    }

    /// The profiled likelihood at (μ̂, σ̂², Λ) equals the direct sum of multivariate-normal
    /// log densities y_i ~ N(Φ_i μ, Φ_i Σ Φ_iᵀ + σ²I), computed here with GSL's
    /// MultivariateNormal on the full n×n covariance (an independent route), to 1e-10.
    @Test func equalsTheDirectMarginalDensity() throws {
        let data = try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: 12, points: 4, seed: 5)).dataset
        let map = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let s = try TaskStatistics(dataset: data, featureMap: map)
        let likelihood = ProfiledLikelihood(statistics: s, structure: .full)
        let e = try likelihood.evaluate([0.9, 0.2, 0.7])
        let lambda = try Matrix(rows: 2, columns: 2, elements: e.factor)
        let sigma = e.noiseVariance * (try lambda.multiplied(by: lambda, transposeRight: true))
        var direct = 0.0
        for task in data.tasks {
            let phi = try map.design(task.inputs)
            var cov = try phi.multiplied(by: try sigma.multiplied(by: phi, transposeRight: true))
            for i in 0..<cov.rows { cov[i, i] += e.noiseVariance }
            let mean = try phi.multiplied(by: e.mean)
            direct += try MultivariateNormal(mean: mean, covariance: symmetrized(cov)).logDensity(task.targets)
        }
        #expect(abs(e.logLikelihood - direct) <= 1e-10 * abs(direct))
    }
}
