// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// Elliptical slice sampling against exact posteriors.
@Suite("Elliptical slice sampler")
struct EllipticalSliceTests {
    /// A logistic regression through the origin with one coefficient φ ~ N(0.5, 1.5²) and six
    /// points: its posterior has no closed form but is one-dimensional, so its mean and
    /// quantiles come from quadrature (GSL QAGS on [−30, 30], where the density is below 1e-80
    /// at the ends).
    static let inputs = [-1.5, -0.4, 0.3, 0.9, 1.6, 2.2]
    static let outcomes = [0.0, 1, 0, 1, 1, 1]
    static let priorMean = 0.5, priorSD = 1.5

    static func logLikelihood(_ phi: Double) -> Double {
        zip(inputs, outcomes).reduce(0) { sum, point in
            let eta = phi * point.0
            // log σ(η) = −log1p(e^−η), log(1 − σ(η)) = −log1p(e^η), each in its stable form.
            let logistic = eta > 0 ? -log1p(exp(-eta)) : eta - log1p(exp(eta))
            return sum + (point.1 == 1 ? logistic : logistic - eta)
        }
    }

    static func unnormalisedPosterior(_ phi: Double) -> Double {
        let z = (phi - priorMean) / priorSD
        return exp(logLikelihood(phi) - 0.5 * z * z)
    }

    /// The exact posterior's mean and p-quantile by quadrature and bisection on the CDF.
    static func exact() throws -> (mean: Double, q05: Double, q95: Double) {
        let mass = try integrate(from: -30, to: 30, relativeTolerance: 1e-12, unnormalisedPosterior).value
        let first = try integrate(from: -30, to: 30, relativeTolerance: 1e-12) { $0 * unnormalisedPosterior($0) }.value
        func quantile(_ p: Double) throws -> Double {
            var low = -30.0, high = 30.0
            for _ in 0..<60 {
                let middle = (low + high) / 2
                let cdf = try integrate(from: -30, to: middle, relativeTolerance: 1e-12, unnormalisedPosterior).value / mass
                if cdf < p { low = middle } else { high = middle }
            }
            return (low + high) / 2
        }
        return (first / mass, try quantile(0.05), try quantile(0.95))
    }

    static func sampler() throws -> EllipticalSliceSampler {
        try EllipticalSliceSampler(mean: [priorMean], factor: Matrix(rows: 1, columns: 1, elements: [priorSD])) {
            logLikelihood($0[0])
        }
    }

    /// The draws' mean and 5 % and 95 % quantiles lie within 3 Monte Carlo standard errors of
    /// the exact values (each check fails by chance with probability 0.003 for a correct
    /// sampler; the seed is fixed, so the test is deterministic).
    @Test func matchesTheExactPosteriorOfALogisticCoefficient() throws {
        let truth = try Self.exact()
        let run = try Self.sampler().sample(chains: 4, warmup: 200, draws: 2000, seed: 11)
        let chains = run.parameter(0)
        let d = try ChainDiagnostics(chains: chains)
        #expect(d.rHat < 1.01)
        #expect(d.bulkESS > 1000)
        let all = chains.flatMap { $0 }, sorted = all.sorted()
        let mean = all.reduce(0, +) / Double(all.count)
        #expect(abs(mean - truth.mean) < 3 * d.meanStandardError, "mean \(mean) vs exact \(truth.mean) ± \(d.meanStandardError)")
        for (p, exact) in [(0.05, truth.q05), (0.95, truth.q95)] {
            let q = typeSevenQuantile(sorted, p)
            let se = try ChainDiagnostics.quantileStandardError(chains: chains, probability: p)
            #expect(abs(q - exact) < 3 * se, "quantile \(p): \(q) vs exact \(exact) ± \(se)")
        }
    }

    /// A Gaussian remainder makes the target Gaussian with a closed-form mean and covariance:
    /// reference N(0, I₂) times exp(−½(φ − a)ᵀB(φ − a)) with B = diag(4, 1) gives covariance
    /// (I + B)⁻¹ = diag(0.2, 0.5) and mean (I + B)⁻¹Ba = (0.8·a₁, 0.5·a₂).
    @Test func gaussianTargetInTwoDimensions() throws {
        let a = [1.0, -2.0]
        let sampler = try EllipticalSliceSampler(mean: [0, 0], factor: Matrix([[1, 0], [0, 1]])) { phi in
            -0.5 * (4 * (phi[0] - a[0]) * (phi[0] - a[0]) + (phi[1] - a[1]) * (phi[1] - a[1]))
        }
        let run = try sampler.sample(chains: 4, warmup: 100, draws: 2500, seed: 5)
        for (index, exactMean, exactVariance) in [(0, 0.8, 0.2), (1, -1.0, 0.5)] {
            let chains = run.parameter(index)
            let d = try ChainDiagnostics(chains: chains)
            let all = chains.flatMap { $0 }
            let mean = all.reduce(0, +) / Double(all.count)
            #expect(abs(mean - exactMean) < 3 * d.meanStandardError, "coordinate \(index): mean \(mean)")
            // The variance's MCSE: for a Gaussian, sd(s²) ≈ s²·√(2/ESS) (ESS of the squares ≈ bulk ESS).
            let variance = all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count - 1)
            #expect(abs(variance - exactVariance) < 3 * exactVariance * (2 / d.bulkESS).squareRoot(),
                    "coordinate \(index): variance \(variance)")
        }
    }

    /// The same seed gives the same draws on one thread and on many.
    @Test func drawsDoNotDependOnThreads() throws {
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = 1
        let serial = try Self.sampler().sample(chains: 3, warmup: 10, draws: 50, seed: 3)
        DeterministicParallel.maximumThreads = 0
        let parallel = try Self.sampler().sample(chains: 3, warmup: 10, draws: 50, seed: 3)
        #expect(serial == parallel)
        #expect(serial.chains[0] != serial.chains[1])
    }

    @Test func refusesBadShapesAndStarts() throws {
        #expect(throws: SamplerError.self) {
            _ = try EllipticalSliceSampler(mean: [0, 0], factor: Matrix(rows: 1, columns: 1, elements: [1])) { _ in 0 }
        }
        let truncated = try EllipticalSliceSampler(mean: [0], factor: Matrix(rows: 1, columns: 1, elements: [1])) {
            $0[0] > 0 ? 0 : -.infinity
        }
        #expect(throws: SamplerError.start) { _ = try truncated.sample(chains: 1, warmup: 0, draws: 5, seed: 1, start: [-1]) }
        let broken = try EllipticalSliceSampler(mean: [0], factor: Matrix(rows: 1, columns: 1, elements: [1])) { _ in .nan }
        #expect(throws: SamplerError.self) { _ = try broken.sample(chains: 1, warmup: 0, draws: 5, seed: 1) }
    }
}
