// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The profiled likelihood of μ_i = B z̃_i against independent routes: a dense computation
/// over all tasks at once, finite differences, and the unconditioned model it generalises.
@Suite("Descriptor-conditioned likelihood")
struct DescriptorLikelihoodTests {
    /// B₁ used by the simulations here (d = 2 features, q = 2 descriptors).
    static let trueSlopes = try! Matrix([[0.8, -0.5], [0.3, 0.6]])

    static func data(tasks: Int, points: Int, seed: UInt64) throws -> (MetaDataset, FeatureMap, TaskStatistics) {
        var settings = SimulationSettings(family: .linearGaussian, tasks: tasks, points: points, seed: seed)
        settings.descriptorCoefficients = trueSlopes
        let data = try simulateTasks(settings).dataset
        let map = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        return (data, map, try TaskStatistics(dataset: data, featureMap: map).conditioned(on: data))
    }

    /// ℓ at (B̂, σ̂², Λ) equals log N(y | Xβ̂, V) computed densely: all tasks stacked, the fixed
    /// design X with rows z̃_iᵀ ⊗ f(x)ᵀ, V = σ̂² blockdiag(I + Φ_iΛΛᵀΦ_iᵀ) as one n×n matrix
    /// (50×50 here), GSL's MultivariateNormal. B̂ and σ̂² are checked against the dense GLS
    /// solution (XᵀṼ⁻¹X)⁻¹XᵀṼ⁻¹y and its residual. Tolerance 1e-10 relative: both routes
    /// are backward stable at condition numbers near 1e2, so they agree to about 1e-13.
    @Test func equalsTheDenseMarginalDensity() throws {
        let (data, map, s) = try Self.data(tasks: 10, points: 5, seed: 3)
        let likelihood = ProfiledLikelihood(statistics: s, structure: .full)
        let e = try likelihood.evaluate([0.9, 0.2, 0.7])
        let d = 2, p = 3, n = data.tasks.reduce(0) { $0 + $1.count }
        let lambda = try Matrix(rows: d, columns: d, elements: e.factor)
        let relative = try lambda.multiplied(by: lambda, transposeRight: true)
        var x = Matrix(rows: n, columns: p * d), v = Matrix(rows: n, columns: n)
        var y = [Double](repeating: 0, count: n)
        var row = 0
        for task in data.tasks {
            let phi = try map.design(task.inputs)
            let block = try phi.multiplied(by: try relative.multiplied(by: phi, transposeRight: true))
            let zt = [1] + task.descriptor!
            for i in 0..<task.count {
                y[row + i] = task.targets[i]
                for k in 0..<p { for j in 0..<d { x[row + i, k * d + j] = zt[k] * phi[i, j] } }
                for l in 0..<task.count { v[row + i, row + l] = block[i, l] + (i == l ? 1 : 0) }
            }
            row += task.count
        }
        // Dense GLS with Ṽ (β̂ does not depend on σ²).
        let chol = try Cholesky(symmetrized(v))
        let vx = try chol.solve(x), vy = try chol.solve(y)
        let normal = try x.multiplied(by: vx, transposeLeft: true)
        let rhs = try x.multiplied(by: vy, transpose: true)
        let beta = try Cholesky(symmetrized(normal)).solve(rhs)
        for k in 0..<p { for j in 0..<d {
            #expect(abs(e.coefficients[j * p + k] - beta[k * d + j]) <= 1e-10 * Swift.max(1, abs(beta[k * d + j])), "B[\(j), \(k)]")
        } }
        let fitted = try x.multiplied(by: beta)
        let residual = zip(y, fitted).map { $0 - $1 }
        let quadratic = zip(residual, try chol.solve(residual)).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(e.noiseVariance - quadratic / Double(n)) <= 1e-10 * e.noiseVariance)
        let direct = try MultivariateNormal(mean: fitted, covariance: symmetrized(e.noiseVariance * v)).logDensity(y)
        #expect(abs(e.logLikelihood - direct) <= 1e-10 * abs(direct))
    }

    /// The analytic gradient with descriptors against central differences (h = 1e-6; the
    /// tolerance as in ProfiledLikelihoodTests: truncation ≈ 1e-12, round-off ≈ 1e-8).
    @Test(arguments: CovarianceStructure.allCases)
    func gradientMatchesFiniteDifferences(structure: CovarianceStructure) throws {
        let (_, _, s) = try Self.data(tasks: 30, points: 4, seed: 8)
        let likelihood = ProfiledLikelihood(statistics: s, structure: structure)
        let theta = (0..<structure.parameterCount(dimension: 2)).map { 0.4 + 0.13 * Double($0) }
        let analytic = try likelihood.evaluate(theta).gradient
        try expectGradientMatchesCentralDifferences(likelihood, at: theta, analytic: analytic)
    }

    /// With no descriptor columns (z̃ = 1) the GLS step is that of one μ: same ℓ, μ̂ and
    /// gradient as the unconditioned path, to 1e-12 relative (the two differ only in the
    /// order of summation).
    @Test func interceptOnlyIsTheUnconditionedModel() throws {
        let (data, _, conditioned) = try Self.data(tasks: 25, points: 5, seed: 4)
        var plain = conditioned
        plain.descriptors = nil
        var intercept = conditioned
        intercept.descriptors = try DescriptorDesign(names: [], descriptors: data.tasks.map { _ in [] })
        let theta = [0.8, -0.1, 0.5]
        let a = try ProfiledLikelihood(statistics: plain, structure: .full).evaluate(theta)
        let b = try ProfiledLikelihood(statistics: intercept, structure: .full).evaluate(theta)
        #expect(abs(a.logLikelihood - b.logLikelihood) <= 1e-12 * abs(a.logLikelihood))
        for (u, w) in zip(a.mean, b.mean) { #expect(abs(u - w) <= 1e-12 * Swift.max(1, abs(u))) }
        for (u, w) in zip(a.gradient, b.gradient) { #expect(abs(u - w) <= 1e-9 * Swift.max(1, abs(u))) }
    }

    /// A descriptor constant over the tasks cannot be told from the intercept, and two equal
    /// columns cannot be told apart: both refused, naming the problem.
    @Test func unidentifiableDescriptorsAreRefused() throws {
        let (data, map, _) = try Self.data(tasks: 6, points: 4, seed: 1)
        let s = try TaskStatistics(dataset: data, featureMap: map)
        var constant = data
        for i in constant.tasks.indices { constant.tasks[i].descriptor![1] = 2 }
        #expect { try s.conditioned(on: constant) } throws: { "\($0)".contains("constant across the tasks") }
        var collinear = data
        for i in collinear.tasks.indices { collinear.tasks[i].descriptor![1] = 3 * collinear.tasks[i].descriptor![0] }
        #expect { try s.conditioned(on: collinear) } throws: { "\($0)".contains("collinear") }
        #expect { try s.conditioned(on: MetaDataset(inputNames: data.inputNames, targetName: "y", tasks: data.tasks)) } throws: {
            "\($0)".contains("no task descriptors")
        }
    }
}
