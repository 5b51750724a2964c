// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Evaluate: few-shot scores and calibration")
struct EvaluateCalibrationTests {
    static let mean = [1.0, 2.0]
    static let covariance = try! Matrix([[1, 0.3], [0.3, 0.5]])
    static let noise = 0.5

    static func tasks(_ n: Int, seed: UInt64) throws -> MetaDataset {
        try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: n, points: 20, seed: seed, noise: noise,
                                             mean: mean, covariance: covariance)).dataset
    }

    /// One episode per task (without replacement): episodes of the same task are correlated
    /// (they share its φ), which the standard error over episodes would not see.
    static func episodes(_ data: MetaDataset, shots: Int) throws -> [Episode] {
        try EpisodeSampler(dataset: data, spec: EpisodeSpec(shots: shots, query: .count(5), withReplacement: false, seed: 21))
            .episodes(count: data.tasks.count)
    }

    /// On linear-gaussian data the model is true: with the true θ, the central 50/90/95%
    /// predictive intervals cover their nominal fraction of query points within 3 standard
    /// errors over episodes.
    @Test(arguments: [0, 2, 5])
    func trueModelIntervalsReachNominalCoverage(shots: Int) throws {
        let data = try Self.tasks(3000, seed: 4)
        let basis = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let prior = try GaussianPrior(mean: Self.mean, covariance: Self.covariance, noiseVariance: Self.noise * Self.noise)
        let method = try FewShotMethod(name: "true", description: "true prior", gaussian: prior, basis: basis)
        let score = try FewShotEvaluation.score([method], episodes: try Self.episodes(data, shots: shots), dataset: data)[0]
        for (l, level) in FewShotEvaluation.levels.enumerated() {
            #expect(abs(score.coverage[l] - level) <= 3 * score.coverageSE[l], "K = \(shots), \(level): \(score.coverage[l]) ± \(score.coverageSE[l])")
        }
        // The NLL of a calibrated Gaussian: E[−log N] = ½ log(2π v) + ½ averaged over points.
        #expect(score.nll.isFinite && score.mse > 0)
    }

    /// A prior fitted on other tasks of the same family is also calibrated, within 3 standard
    /// errors plus 0.01 for the estimation error of θ (400 training tasks), and beats both
    /// baselines on MSE and NLL at K = 2.
    @Test func fittedPriorIsCalibratedAndBeatsBaselines() throws {
        let train = try Self.tasks(400, seed: 1)
        let test = try Self.tasks(2000, seed: 2)
        let basis = try FeatureMap(spec: .linear, inputNames: train.inputNames, trainingInputs: train.tasks.map(\.inputs))
        let fit = try PriorFit.fit(try TaskStatistics(dataset: train, featureMap: basis))
        let methods = [try FewShotMethod(name: "marginal prior", description: "", gaussian: fit.prior, basis: basis),
                       try FewShotMethod.independent(basis: basis, noiseVariance: fit.prior.noiseVariance),
                       FewShotMethod.pooled(basis: basis)]
        let scores = try FewShotEvaluation.score(methods, episodes: try Self.episodes(test, shots: 2), dataset: test)
        let learned = scores[0]
        for (l, level) in FewShotEvaluation.levels.enumerated() {
            #expect(abs(learned.coverage[l] - level) <= 3 * learned.coverageSE[l] + 0.01, "\(level): \(learned.coverage[l]) ± \(learned.coverageSE[l])")
        }
        for baseline in scores.dropFirst() {
            #expect(learned.mse < baseline.mse, "\(baseline.name)")
            #expect(learned.nll < baseline.nll, "\(baseline.name)")
            // The paired difference is the difference of the means, with its own SE.
            let paired = try #require(baseline.versusFirst)
            #expect(abs(paired.mse - (baseline.mse - learned.mse)) <= 1e-9 * baseline.mse)
            #expect(paired.nll > 3 * paired.nllSE)
        }
        #expect(learned.versusFirst == nil)
    }

    /// The scores do not depend on the number of threads.
    @Test func threadIndependent() throws {
        let data = try Self.tasks(60, seed: 3)
        let basis = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let methods = [try FewShotMethod.independent(basis: basis, noiseVariance: 0.25), FewShotMethod.pooled(basis: basis)]
        let episodes = try Self.episodes(data, shots: 3)
        let saved = DeterministicParallel.maximumThreads
        DeterministicParallel.maximumThreads = 1
        let serial = try FewShotEvaluation.score(methods, episodes: episodes, dataset: data)
        DeterministicParallel.maximumThreads = saved
        #expect(serial == (try FewShotEvaluation.score(methods, episodes: episodes, dataset: data)))
    }

    /// The conditions check: episodic shots and marginal task sizes.
    @Test func supportSizeMismatch() throws {
        var episodic = PriorFile.TrainingConditions(objective: .episodic, dataFile: "x", dataDigest: nil)
        episodic.shots = "2-8"
        episodic.query = "10"
        episodic.seed = 4
        #expect(episodic.supportSizeMismatch(2) == nil)
        #expect(episodic.supportSizeMismatch(8) == nil)
        #expect(episodic.supportSizeMismatch(9)?.contains("K = 9 is outside") == true)
        #expect(episodic.supportSizeMismatch(1) != nil)
        #expect(episodic.episodeSpec?.shots == 8)
        var marginal = PriorFile.TrainingConditions(objective: .marginal, dataFile: "x", dataDigest: nil)
        marginal.taskSizeMax = 20
        #expect(marginal.supportSizeMismatch(20) == nil)
        #expect(marginal.supportSizeMismatch(21) != nil)
        #expect(throws: InputError.self) { try ShotRange(parsing: "5-2") }
        #expect(throws: InputError.self) { try ShotRange(parsing: "five") }
    }

    /// Clustered standard error: one episode per task gives s/√E; repeats of a task do not
    /// shrink it as if they were independent.
    @Test func clusteredStandardError() throws {
        let x = [1.0, 2, 4, 7]
        let plain = FewShotEvaluation.meanAndStandardError(x, clusters: [0, 1, 2, 3])
        let mean = 3.5
        let s = (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 3).squareRoot()
        #expect(abs(plain.se - s / 2) < 1e-12)
        let doubled = FewShotEvaluation.meanAndStandardError(x + x, clusters: [0, 1, 2, 3, 0, 1, 2, 3])
        #expect(abs(doubled.se - plain.se) < 1e-12)
    }
}
