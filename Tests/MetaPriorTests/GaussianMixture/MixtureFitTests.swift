// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Mixture prior: EM fit")
struct MixtureFitTests {
    /// Statistics of simulated tasks under a basis.
    static func statistics(_ settings: SimulationSettings, basis: BasisSpec) throws -> (MetaDataset, FeatureMap, TaskStatistics) {
        let dataset = try simulateTasks(settings).dataset
        let map = try FeatureMap(spec: basis, inputNames: dataset.inputNames, trainingInputs: dataset.tasks.map(\.inputs))
        return (dataset, map, try TaskStatistics(dataset: dataset, featureMap: map))
    }

    /// EM is monotone: ℓ at every accepted point (each SQUAREM cycle's θ₀, θ₁ and, when
    /// accepted, its extrapolated θ′) and at the end never falls, on every start.
    /// Tolerance 1e-10·|ℓ|: ℓ is a sum of T = 80 task terms, each exact to about 1e-13 of its
    /// size (an 11×11 Cholesky), so rounding moves it by far less; any real decrease of an EM
    /// step with a wrong M-step is of the order of the step itself (≫ 1e-6 here).
    @Test func emNeverLowersTheLikelihood() throws {
        let (_, _, statistics) = try Self.statistics(SimulationSettings(family: .sinusoidLine, tasks: 80, points: 12, seed: 7, noise: 0.1), basis: .radial(centres: 10, width: nil))
        let start = try MixtureStart(statistics: statistics)
        var options = MixtureFitOptions(components: 3)
        options.maximumIterations = 150
        for s in 0..<2 {
            let result = try GaussianMixtureFit.run(statistics, from: try start.mixture(components: 3, start: s, seed: 11), scale: start.scale, options: options)
            #expect(result.history.count >= 10)
            for i in 1..<result.history.count {
                #expect(result.history[i] >= result.history[i - 1] - 1e-10 * abs(result.history[i - 1]), "start \(s), iteration \(i)")
            }
            #expect(result.dropped == 0)
        }
    }

    /// The acceleration pays where plain EM crawls: sinusoid-line with noise 0.1 (the README
    /// example's data, 120 tasks), rbf:10, K = 2, whose components put Σ_k near singular. With
    /// the same budget of 300 EM steps (E-steps over all tasks) from the same start, SQUAREM with
    /// boundary moves must end higher than plain EM by more than 0.1 nats (plain EM is still
    /// climbing there; measured: 795.24 against 794.42), and every accepted point must rise
    /// (checked above).
    @Test func accelerationClimbsAbovePlainEM() throws {
        let (_, _, statistics) = try Self.statistics(SimulationSettings(family: .sinusoidLine, tasks: 120, points: 20, seed: 1, noise: 0.1), basis: .radial(centres: 10, width: nil))
        let start = try MixtureStart(statistics: statistics)
        var options = MixtureFitOptions(components: 2)
        options.maximumIterations = 300
        let from = try start.mixture(components: 2, start: 0, seed: 1)
        let accelerated = try GaussianMixtureFit.run(statistics, from: from, scale: start.scale, options: options)
        #expect(accelerated.iterations <= options.maximumIterations)
        var em = try MixtureEM(statistics: statistics, start: from, floor: options.floorFraction * start.scale)
        for _ in 0..<options.maximumIterations { _ = try em.step(meanScale: start.scale.squareRoot()) }
        let plain = try em.logLikelihood()
        #expect(accelerated.logLikelihood > plain + 0.1, "accelerated \(accelerated.logLikelihood), plain EM \(plain)")
        print("sinusoid-line K = 2: accelerated ℓ \(accelerated.logLikelihood) (\(accelerated.extrapolations) extrapolations, \(accelerated.boundaryMoves) boundary moves; converged \(accelerated.converged)), plain EM ℓ \(plain) after \(options.maximumIterations) EM steps")
    }

    /// K = 1 is the linear-Gaussian model: the fit (EM, then the Newton finish) reaches the
    /// same ℓ as `linear_gaussian`'s quasi-Newton fit to 1e-8 relative (the finish stops at a
    /// Newton decrement of 1e-9 nats per task, so ℓ is within ~1e-7 nats of its maximum, ~1e-10
    /// of |ℓ|; `linear_gaussian` stops at a gradient of 1e-8 per observation), and the same μ
    /// and σ² (to 1e-5 relative: both are at the maximum, where they are smooth in the data).
    @Test func oneComponentIsTheLinearGaussianFit() throws {
        let dataset = try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: 120, points: 8, seed: 5)).dataset
        var request = FitRequest(basis: .linear)
        let single = try LinearGaussianFamily.fitInDetail(dataset, request: request)
        #expect(single.fitted.converged)
        request.mixture = MixtureRequest(components: .fixed(1))
        let mixture = try GaussianMixtureFamily.fit(dataset, request: request)
        #expect(mixture.converged)
        let rel = abs(mixture.logMarginalLikelihood - single.fitted.logMarginalLikelihood) / abs(single.fitted.logMarginalLikelihood)
        #expect(rel < 1e-8, "ℓ mixture \(mixture.logMarginalLikelihood), linear_gaussian \(single.fitted.logMarginalLikelihood)")
        let fitted = try #require(mixture.prior as? GaussianMixturePrior).mixture.components[0]
        for j in 0..<2 { #expect(abs(fitted.mean[j] - single.prior.gaussian.mean[j]) <= 1e-5 * Swift.max(1, abs(fitted.mean[j]))) }
        #expect(abs(fitted.noiseVariance / single.prior.gaussian.noiseVariance - 1) < 1e-5)
    }

    /// K above the number of tasks, and K = 0, are refused naming --components.
    @Test func componentsOutOfRangeAreRefused() throws {
        let (_, _, statistics) = try Self.statistics(SimulationSettings(family: .linearGaussian, tasks: 3, points: 5, seed: 1), basis: .linear)
        for k in [0, 4] {
            #expect(throws: InputError.self) { try GaussianMixtureFit.fit(statistics, options: MixtureFitOptions(components: k)) }
        }
        #expect(throws: InputError.self) { try ComponentCount(parsing: "0") }
        #expect(throws: InputError.self) { try ComponentCount(parsing: "5-2") }
        #expect(try ComponentCount(parsing: "auto") == .choose(1...5))
        #expect(try ComponentCount(parsing: "2-4") == .choose(2...4))
    }
}
