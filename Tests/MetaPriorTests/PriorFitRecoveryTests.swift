// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// On data simulated from the model itself the fitted θ must approach the true one.
@Suite("Prior fit: recovery on simulated linear-Gaussian tasks")
struct PriorFitRecoveryTests {
    static func fit(tasks: Int, points: Int, seed: UInt64, structure: CovarianceStructure = .full) throws -> (PriorFitResult, SimulationSettings) {
        let settings = SimulationSettings(family: .linearGaussian, tasks: tasks, points: points, seed: seed)
        let simulated = try simulateTasks(settings)
        let map = try FeatureMap(spec: .linear, inputNames: simulated.dataset.inputNames,
                                 trainingInputs: simulated.dataset.tasks.map(\.inputs))
        let statistics = try TaskStatistics(dataset: simulated.dataset, featureMap: map)
        return (try PriorFit.fit(statistics, options: PriorFitOptions(structure: structure)), settings)
    }

    /// Truth: μ = (1, 2), Σ = [[1, 0.3], [0.3, 0.5]], σ = 0.5, x ~ N(0, 1), T = 4000, n = 10.
    /// Approximate standard errors (each task's least-squares φ̂ has covariance ≈ Σ + σ²/n·I):
    ///   SE(μ_j)   = √((Σ_jj + σ²/n) / T)
    ///   SE(Σ_jk)  = √(((Σ_jj + σ²/n)(Σ_kk + σ²/n) + (Σ_jk)²) / T)   (Wishart variance)
    ///   SE(σ²)    = σ² √(2 / (T (n − d)))
    /// Every estimate must be within 4 SE (a false alarm about once in 16,000 per check).
    @Test func recoversTheTruePrior() throws {
        let (T, n) = (4000, 10)
        let (fit, settings) = try Self.fit(tasks: T, points: n, seed: 20261125)
        #expect(fit.converged)
        let sigma = settings.effectiveCovariance
        let noise = settings.noiseSD * settings.noiseSD
        let spread = (0..<2).map { sigma[$0, $0] + noise / Double(n) }
        for j in 0..<2 {
            let se = (spread[j] / Double(T)).squareRoot()
            #expect(abs(fit.prior.mean[j] - settings.effectiveMean[j]) <= 4 * se, "mu[\(j)]")
            for k in 0..<2 {
                let seSigma = ((spread[j] * spread[k] + sigma[j, k] * sigma[j, k]) / Double(T)).squareRoot()
                #expect(abs(fit.prior.covariance[j, k] - sigma[j, k]) <= 4 * seSigma, "Sigma[\(j),\(k)]")
            }
        }
        let seNoise = noise * (2 / Double(T * (n - 2))).squareRoot()
        #expect(abs(fit.prior.noiseVariance - noise) <= 4 * seNoise)
    }

    /// The same data give bit-identical fits on one thread and on many.
    @Test func fitDoesNotDependOnThreadCount() throws {
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = 1
        let (serial, _) = try Self.fit(tasks: 3000, points: 6, seed: 7)
        DeterministicParallel.maximumThreads = 0
        let (parallel, _) = try Self.fit(tasks: 3000, points: 6, seed: 7)
        #expect(serial.prior == parallel.prior)
        #expect(serial.logMarginalLikelihood.bitPattern == parallel.logMarginalLikelihood.bitPattern)
    }

    /// With no between-task variation in the slope, Σ is singular at the optimum; it is set
    /// exactly singular and reported — a legitimate answer, not an error.
    @Test func singularBoundaryIsFlooredAndReported() throws {
        // y = a_i + 2x + e, a_i ~ N(1, 1), with the noise e made orthogonal to the centred x of
        // its task: every task's least-squares slope is exactly 2, so the observed slope spread
        // is zero while the noise is not — the MLE of the slope variance is exactly on the boundary.
        let stream = RandomStream(seed: 3)
        let tasks = try (0..<300).map { i -> TaskData in
            let a = 1 + stream.standardNormal()
            let x = (0..<8).map { _ in stream.standardNormal() }
            var e = x.map { _ in 0.5 * stream.standardNormal() }
            let xBar = x.reduce(0, +) / 8
            let xc = x.map { $0 - xBar }
            let projection = zip(e, xc).reduce(0) { $0 + $1.0 * $1.1 } / xc.reduce(0) { $0 + $1 * $1 }
            e = zip(e, xc).map { $0 - projection * $1 }
            let y = zip(x, e).map { a + 2 * $0 + $1 }
            return TaskData(id: "\(i)", inputs: try Matrix(rows: 8, columns: 1, elements: x), targets: y)
        }
        let data = MetaDataset(inputNames: ["x"], targetName: "y", tasks: tasks)
        let map = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let fit = try PriorFit.fit(try TaskStatistics(dataset: data, featureMap: map))
        #expect(fit.prior.mean.allSatisfy { $0.isFinite })
        // The MLE here is a rank-1 Σ (lme4 calls it a boundary, singular fit): the slope's
        // between-task variance is tiny and perfectly correlated with the intercept's.
        #expect(fit.singular)
        #expect(fit.prior.covariance[1, 1] < 1e-5)
        let s = fit.prior.covariance
        #expect(abs(s[0, 0] * s[1, 1] - s[0, 1] * s[1, 0]) <= 1e-12 * s[0, 0] * s[0, 0])
        #expect(abs(fit.prior.mean[1] - 2) < 1e-3)
        #expect(fit.converged)
        // The posterior of a new task stays well defined with a singular prior.
        let post = try fit.prior.posterior(design: try map.design(data.tasks[0].inputs), targets: data.tasks[0].targets)
        #expect(post.mean.allSatisfy { $0.isFinite })
    }
}
