// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// A fit past ``PriorFit/newtonParameterLimit`` parameters with σ² held at its floor (the
/// situation of a learned basis on noise-free tasks) converges by truncated Newton, and the
/// point it returns satisfies the first-order (KKT) conditions of max ℓ over (μ, Σ ⪰ 0,
/// σ² ≥ floor), checked independently of ``ProfiledLikelihood`` by central differences of the
/// direct sum of multivariate-normal log densities (``BoundaryFitTests/direct(_:_:mean:noise:relative:)``).
@Suite("Prior fit: many parameters, noise at its floor")
struct NoiseFloorFitTests {
    /// T = 60 noise-free tasks in d = 15 (intercept + 14 inputs), n = 20 points, φ_i ~ N(μ, BBᵀ)
    /// with B 15×15 (full rank): every task is fitted exactly, so σ² goes to its floor and Σ has
    /// full rank — 120 free entries of Λ, past the dense-Newton limit of 100.
    static func data(tasks: Int = 60, points: Int = 20, seed: UInt64 = 20261130) throws -> MetaDataset {
        let stream = RandomStream(seed: seed)
        let d = 15
        let mu = (0..<d).map { 0.5 * sin(Double($0) + 1) }
        let b = (0..<(d * d)).map { _ in 0.3 * stream.standardNormal() }
        let tasks = try (0..<tasks).map { i -> TaskData in
            let z = (0..<d).map { _ in stream.standardNormal() }
            let phi = (0..<d).map { j in mu[j] + (0..<d).reduce(0.0) { $0 + b[j * d + $1] * z[$1] } }
            let x = (0..<(points * (d - 1))).map { _ in stream.standardNormal() }
            let y = (0..<points).map { p in phi[0] + (1..<d).reduce(0.0) { $0 + phi[$1] * x[p * (d - 1) + $1 - 1] } }
            return TaskData(id: "\(i)", inputs: try Matrix(rows: points, columns: d - 1, elements: x), targets: y)
        }
        return MetaDataset(inputNames: (1..<d).map { "x\($0)" }, targetName: "y", tasks: tasks)
    }

    @Test func floorFitSatisfiesTheFirstOrderConditions() throws {
        let data = try Self.data()
        let map = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let statistics = try TaskStatistics(dataset: data, featureMap: map)
        var options = PriorFitOptions()
        let floor = NoiseFloor.floor(statistics)
        options.noiseFloor = floor
        let fit = try PriorFit.fit(statistics, options: options)
        let d = 15
        #expect(fit.converged)
        #expect(fit.rank == d)
        // The path under test: more than 100 parameters, so truncated Newton finished the fit.
        #expect(fit.phases.contains { $0.name == "newton-cg" })
        #expect(fit.prior.noiseVariance == floor)

        let designs = try data.tasks.map { try map.design($0.inputs) }
        let targets = data.tasks.map(\.targets)
        let noise = fit.prior.noiseVariance
        let relative = (1 / noise) * fit.prior.covariance
        let mean = fit.prior.mean
        let base = try BoundaryFitTests.direct(designs, targets, mean: mean, noise: noise, relative: relative)
        #expect(abs(base - fit.logMarginalLikelihood) <= 1e-9 * abs(base))
        let n = Double(data.tasks.reduce(0) { $0 + $1.count })

        // G_pq = ∂ℓ/∂Σ̃_pq by central differences with steps h_pq = 1e-5·√(Σ̃_pp Σ̃_qq) (Σ̃ is
        // about 1e4–1e5 here, σ² being 1e-6 of var y). Their error, measured on this fit in the
        // quantity checked below: ∝ h² (3.7e-5 at 1e-3, 3.6e-7 at 1e-4, 5.1e-9 at 1e-5), and
        // round-off below that (2.3e-8 at 1e-6).
        var g = Matrix(rows: d, columns: d)
        for p in 0..<d {
            for q in 0...p {
                let h = 1e-5 * (relative[p, p] * relative[q, q]).squareRoot()
                var plus = relative, minus = relative
                plus[p, q] += h / (p == q ? 1 : 2); plus[q, p] = plus[p, q]
                minus[p, q] -= h / (p == q ? 1 : 2); minus[q, p] = minus[p, q]
                let value = (try BoundaryFitTests.direct(designs, targets, mean: mean, noise: noise, relative: plus)
                             - BoundaryFitTests.direct(designs, targets, mean: mean, noise: noise, relative: minus)) / (2 * h)
                g[p, q] = value
                g[q, p] = value
            }
        }
        // The stated criterion, recomputed from these differences: with Λ = chol(Σ̃) (the fit's
        // factor at full rank: lower-triangular, positive diagonal), ∂ℓ/∂Λ̂ = 2 D^{-1/2} G Λ
        // (Λ̂ = D^{1/2}Λ, D: mean square of each feature per point); its largest entry per
        // observation must meet the fit's tolerance 1e-8, up to the differences' error (≈ 5e-9
        // at this h, above): 1.5e-8.
        let scales = BoundaryFitTests.featureScales(designs)
        let lambda = try Cholesky(symmetrized(relative)).lower
        let gl = try g.multiplied(by: lambda)
        var worst = 0.0
        for p in 0..<d { for q in 0...p { worst = Swift.max(worst, abs(2 * gl[p, q] / scales[p]) / n) } }
        #expect(worst <= 1.5e-8, "max |∂ℓ/∂Λ̂| / N = \(worst)")
        // μ at its optimum: dℓ/dμ_j in units of the feature scale, per observation.
        for j in 0..<d {
            let h = 1e-6 / scales[j]
            var up = mean, down = mean
            up[j] += h; down[j] -= h
            let slope = (try BoundaryFitTests.direct(designs, targets, mean: up, noise: noise, relative: relative)
                         - BoundaryFitTests.direct(designs, targets, mean: down, noise: noise, relative: relative)) / (2 * h)
            #expect(abs(slope / scales[j]) / n <= 1e-6, "dℓ/dμ[\(j)] = \(slope)")
        }
        // σ² at its bound (the KKT condition of σ² ≥ floor): at fixed Σ = σ²Σ̃, raising σ² must
        // not raise ℓ. One-sided difference σ² → σ²(1 + h), Σ̃ → Σ̃/(1 + h), h = 1e-6 relative:
        // σ² ∂ℓ/∂σ² ≤ 0 up to the difference's error (h·|σ⁴ ∂²ℓ/∂σ⁴| ≈ 1e-6·N).
        let h = 1e-6
        let raised = try BoundaryFitTests.direct(designs, targets, mean: mean, noise: noise * (1 + h), relative: (1 / (1 + h)) * relative)
        let slope = (raised - base) / h
        #expect(slope / n <= 1e-5, "σ² ∂ℓ/∂σ² per observation = \(slope / n)")
        // …and the bound is active for a reason: the derivative is clearly negative, not zero.
        #expect(slope / n < -0.05, "σ² ∂ℓ/∂σ² per observation = \(slope / n)")
    }
}
