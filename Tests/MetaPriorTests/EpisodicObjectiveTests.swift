// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Episodic objective")
struct EpisodicObjectiveTests {
    static func data(seed: UInt64 = 11, tasks: Int = 30, points: Int = 12) throws -> MetaDataset {
        try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: tasks, points: points, seed: seed,
                                             mean: [1, -1, 0.5], covariance: try Matrix([[1, 0.2, 0], [0.2, 0.6, 0.1], [0, 0.1, 0.3]]))).dataset
    }

    static func objective(structure: CovarianceStructure = .full, shots: ShotRange) throws -> EpisodicObjective {
        let data = try data()
        let map = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let sampler = try EpisodeSampler(dataset: data, spec: EpisodeSpec(shots: shots.upper, query: .count(4), seed: 3))
        let stats = try EpisodeStatistics(episodes: EpisodicFit.episodes(sampler, shots: shots, count: 25), dataset: data, featureMap: map)
        return EpisodicObjective(statistics: stats, structure: structure)
    }

    /// Analytic gradient in (μ, L, log σ²) against central differences, h = 1e-6: truncation
    /// O(h²) and round-off ≈ 1e-16·|f|/h ≈ 1e-8 leave agreement to 1e-5 relative (1e-6 absolute).
    @Test(arguments: [(CovarianceStructure.full, "3"), (.full, "0-4"), (.diagonal, "2"), (.isotropic, "1-3")])
    func gradientMatchesFiniteDifferences(structure: CovarianceStructure, shots: String) throws {
        let objective = try Self.objective(structure: structure, shots: try ShotRange(parsing: shots))
        let k = objective.parameterCount
        var theta: [Double] = []
        for i in 0..<(k - 1) { theta.append(0.3 + 0.11 * Double(i % 5) - 0.05 * Double(i)) }
        theta.append(log(0.3))
        let analytic = try objective.evaluate(theta).gradient
        #expect(analytic.count == k)
        for i in 0..<k {
            let h = 1e-6
            var plus = theta, minus = theta
            plus[i] += h; minus[i] -= h
            let numeric = (try objective.evaluate(plus, gradient: false).value - objective.evaluate(minus, gradient: false).value) / (2 * h)
            let a = analytic[i]
            #expect(abs(a - numeric) <= 1e-5 * abs(numeric) + 1e-6, "θ[\(i)]: analytic \(a) vs numeric \(numeric)")
        }
    }

    /// At a reduced rank (L of size d×r, lower-trapezoidal) the gradient in the parameters
    /// also matches central differences (same step and tolerance as above), and so does the
    /// boundary test's G = ∂f/∂Σ: for a unit v, f(L with an added column √s·v) − f(L) =
    /// s·vᵀGv + O(s²), checked by Richardson extrapolation of one-sided differences (s < 0
    /// has no factor): (4(f(s) − f(0)) − (f(2s) − f(0)))/(2s) = vᵀGv + O(s²), s = 1e-5, so
    /// truncation ~1e-10 and round-off ~1e-16·|f|/s ~ 1e-9 (|f| ~ 100) fit 1e-5 relative + 1e-6.
    @Test(arguments: [1, 2])
    func reducedRankGradients(columns: Int) throws {
        let full = try Self.objective(shots: try ShotRange(parsing: "3"))
        let objective = EpisodicObjective(statistics: full.statistics, structure: .full, columns: columns)
        let d = 3
        let k = objective.parameterCount
        #expect(k == d + d * columns - columns * (columns - 1) / 2 + 1)
        var theta: [Double] = []
        for i in 0..<(k - 1) { theta.append(0.3 + 0.11 * Double(i % 5) - 0.05 * Double(i)) }
        theta.append(log(0.3))
        let analytic = try objective.evaluate(theta).gradient
        for i in 0..<k {
            let h = 1e-6
            var plus = theta, minus = theta
            plus[i] += h; minus[i] -= h
            let numeric = (try objective.evaluate(plus, gradient: false).value - objective.evaluate(minus, gradient: false).value) / (2 * h)
            #expect(abs(analytic[i] - numeric) <= 1e-5 * abs(numeric) + 1e-6, "θ[\(i)]: analytic \(analytic[i]) vs numeric \(numeric)")
        }
        // L's entries beyond column r are zero: the parameters are the trapezoid's.
        let (mean, factor, noise) = objective.unpack(theta)
        for i in 0..<d { for j in 0..<d where j >= columns || j > i { #expect(factor[i * d + j] == 0) } }
        let g = try objective.covarianceGradient(mean: mean, factor: factor, noiseVariance: noise)
        let v = [0.6, -0.48, 0.64]   // unit: 0.36 + 0.2304 + 0.4096 = 1
        // Σ + s·vvᵀ through the raw factor [L, √s·v] (column d − 1 is zero for r < d).
        func value(_ s: Double) throws -> Double {
            var f = factor
            for i in 0..<d { f[i * d + d - 1] += s.squareRoot() * v[i] }
            return try objective.totals(mean: mean, lambda: f, sigma2: noise, wantGradient: false)[0]
        }
        let s = 1e-5
        let f0 = try value(0), f1 = try value(s), f2 = try value(2 * s)
        let numeric = (4 * (f1 - f0) - (f2 - f0)) / (2 * s)
        var expected = 0.0
        for i in 0..<d { for j in 0..<d { expected += v[i] * g[i * d + j] * v[j] } }
        #expect(abs(numeric - expected) <= 1e-5 * abs(expected) + 1e-6, "vᵀGv \(expected) vs numeric \(numeric)")
    }

    /// The objective equals the direct joint Gaussian density of the query given the support:
    /// N(y_q; Φ_q m, Φ_q S Φ_qᵀ + σ²I) with (m, S) the posterior of the support.
    @Test func matchesDirectPredictiveDensity() throws {
        let data = try Self.data()
        let map = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let prior = try GaussianPrior(mean: [0.8, -0.9, 0.4], covariance: try Matrix([[0.9, 0.1, 0], [0.1, 0.5, 0.05], [0, 0.05, 0.2]]), noiseVariance: 0.2)
        let sampler = try EpisodeSampler(dataset: data, spec: EpisodeSpec(shots: 2, query: .count(3), seed: 9))
        let episodes = sampler.episodes(count: 5)
        let values = try EpisodicFit.logPredictive(prior, episodes: episodes, dataset: data, featureMap: map)
        for (episode, value) in zip(episodes, values) {
            let (xs, ys) = episode.supportSet(in: data)
            let (xq, yq) = episode.querySet(in: data)
            let post = try prior.posterior(design: try map.design(xs), targets: ys)
            let phi = try map.design(xq)
            let mean = try phi.multiplied(by: post.mean)
            var cov = try phi.multiplied(by: try post.covariance.multiplied(by: phi, transposeRight: true))
            for i in 0..<cov.rows { cov[i, i] += prior.noiseVariance }
            let chol = try Cholesky(symmetrized(cov))
            let z = try chol.solveLower(zip(yq, mean).map { $0 - $1 })
            let direct = -0.5 * Double(yq.count) * log(2 * Double.pi) - 0.5 * chol.logDeterminant - 0.5 * z.reduce(0) { $0 + $1 * $1 }
            #expect(abs(direct - value) <= 1e-9 * Swift.max(1, abs(direct)), "\(direct) vs \(value)")
        }
    }

    /// Thread count does not change a bit of the objective.
    @Test func threadIndependent() throws {
        let objective = try Self.objective(shots: try ShotRange(parsing: "1-5"))
        let theta = (0..<objective.parameterCount).map { 0.2 + 0.01 * Double($0) }
        let saved = DeterministicParallel.maximumThreads
        DeterministicParallel.maximumThreads = 1
        let serial = try objective.evaluate(theta)
        DeterministicParallel.maximumThreads = saved
        let parallel = try objective.evaluate(theta)
        #expect(serial.value == parallel.value)
        #expect(serial.gradient == parallel.gradient)
    }

    /// The whole episodic fit gives the same prior, bit for bit, on one thread or many.
    @Test func fitIsThreadIndependent() throws {
        let data = try Self.data(tasks: 80)
        let map = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let start = try PriorFit.fit(try TaskStatistics(dataset: data, featureMap: map)).prior
        var options = EpisodicFitOptions(shots: try ShotRange(1, 4), query: 5, episodes: 300, seed: 2)
        options.maximumIterations = 30
        let saved = DeterministicParallel.maximumThreads
        DeterministicParallel.maximumThreads = 1
        let serial = try EpisodicFit.fit(data, featureMap: map, start: start, options: options)
        DeterministicParallel.maximumThreads = saved
        let parallel = try EpisodicFit.fit(data, featureMap: map, start: start, options: options)
        #expect(serial.prior == parallel.prior)
        #expect(serial.logPredictive >= serial.startLogPredictive)
    }

    /// The episodic fit does not lower the K-shot log predictive density on held-out episodes
    /// (fresh tasks, fresh seed) compared with its marginal start, beyond noise: the paired
    /// difference may be negative by at most 2 standard errors over episodes.
    @Test func episodicFitDoesNotLowerHeldOutPredictive() throws {
        let train = try simulateTasks(SimulationSettings(family: .sinusoid, tasks: 200, points: 30, seed: 5, noise: 0.1)).dataset
        let test = try simulateTasks(SimulationSettings(family: .sinusoid, tasks: 100, points: 30, seed: 6, noise: 0.1)).dataset
        let map = try FeatureMap(spec: try BasisSpec(parsing: "rbf:8"), inputNames: train.inputNames, trainingInputs: train.tasks.map(\.inputs))
        var marginalOptions = PriorFitOptions()
        marginalOptions.maximumIterations = 100
        let marginal = try PriorFit.fit(try TaskStatistics(dataset: train, featureMap: map), options: marginalOptions).prior
        var options = EpisodicFitOptions(shots: try ShotRange(5), query: 10, episodes: 600, seed: 1)
        options.maximumIterations = 150
        let episodic = try EpisodicFit.fit(train, featureMap: map, start: marginal, options: options)
        #expect(episodic.logPredictive >= episodic.startLogPredictive)
        let heldOut = EpisodicFit.episodes(try EpisodeSampler(dataset: test, spec: options.spec.with(seed: 77)),
                                           shots: options.shots, count: 500)
        let before = try EpisodicFit.logPredictive(marginal, episodes: heldOut, dataset: test, featureMap: map)
        let after = try EpisodicFit.logPredictive(episodic.prior, episodes: heldOut, dataset: test, featureMap: map)
        let differences = zip(after, before).map { $0 - $1 }
        let mean = differences.reduce(0, +) / Double(differences.count)
        let variance = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(differences.count - 1)
        let se = (variance / Double(differences.count)).squareRoot()
        #expect(mean >= -2 * se, "held-out change \(mean) ± \(se) per episode")
    }
}

extension EpisodeSpec {
    func with(seed: UInt64) -> EpisodeSpec { var copy = self; copy.seed = seed; return copy }
}
