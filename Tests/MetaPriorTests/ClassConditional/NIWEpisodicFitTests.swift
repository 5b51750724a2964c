// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// Model A's episodic objective ("conditions match", issue 15 item 4): its value against the
/// Student-t classifier, its analytic gradient against central differences, and the fit.
@Suite("class_gaussian episodic objective and fit")
struct NIWEpisodicFitTests {
    /// `count` 3-way 2-shot episodes with 2 query points per class, d = 2, from the recovery
    /// truth (seeded).
    static func episodes(_ count: Int, seed: UInt64) throws -> [NIWEpisode] {
        let stream = RandomStream(seed: seed)
        return try (0..<count).map { _ in
            let classes = try NIWSimulation.classes(3, points: 4, prior: try NIWSimulation.truth(), stream: stream)
            return NIWEpisode(support: try classes.map { try ClassStatistics(points: Array($0.prefix(2))) },
                              queries: classes.flatMap { $0.suffix(2) }, labels: [0, 0, 1, 1, 2, 2])
        }
    }

    /// J is the mean over query points of log p(y | x, support) as ``ClassConditionalClassifier``
    /// computes it (Student-t densities, not ratios of marginal likelihoods): equal to 1e-10
    /// relative (a dozen rounded log-densities summed).
    @Test func valueIsTheClassifiersLogProbability() throws {
        let episodes = try Self.episodes(5, seed: 1)
        let prior = try NIWSimulation.truth()
        let coordinates = NIWCoordinates(dimension: 2, structure: .full)
        var gradient: [Double] = []
        let j = try NIWEpisodicObjective(episodes: episodes, coordinates: coordinates).value(at: try coordinates.coordinates(of: prior), gradient: &gradient)
        var total = 0.0, count = 0.0
        for episode in episodes {
            let classifier = try ClassConditionalClassifier(prior: prior, support: episode.support)
            for (x, y) in zip(episode.queries, episode.labels) {
                total += try classifier.logProbabilities(x)[y]
                count += 1
            }
        }
        #expect(abs(j - total / count) <= 1e-10 * abs(j), "\(j) vs \(total / count)")
    }

    /// The analytic ∂J/∂u against central differences (step 1e-5) at a seeded random point
    /// near the truth, for each structure of Ψ. The difference quotient's error is
    /// O(h² J''') + O(ε |J| / h) ≈ 1e-10; the bound 1e-6 · max(1, |g|) leaves room for
    /// J''' of order 10⁴, and a wrong term of the gradient is off by far more.
    @Test(arguments: CovarianceStructure.allCases)
    func gradientMatchesCentralDifferences(structure: CovarianceStructure) throws {
        let episodes = try Self.episodes(6, seed: 2)
        let coordinates = NIWCoordinates(dimension: 2, structure: structure)
        let objective = NIWEpisodicObjective(episodes: episodes, coordinates: coordinates)
        let stream = RandomStream(seed: 9)
        let u = try coordinates.coordinates(of: try NIWSimulation.truth()).map { $0 + 0.3 * stream.standardNormal() }
        var gradient: [Double] = []
        _ = try objective.value(at: u, gradient: &gradient)
        let h = 1e-5
        for k in u.indices {
            var up = u, down = u, scratch: [Double] = []
            up[k] += h
            down[k] -= h
            let difference = (try objective.value(at: up, gradient: &scratch) - (try objective.value(at: down, gradient: &scratch))) / (2 * h)
            #expect(abs(gradient[k] - difference) <= 1e-6 * max(1, abs(gradient[k])), "\(structure) coordinate \(k): \(gradient[k]) vs \(difference)")
        }
    }

    /// On `simulate gaussian-classes --class-dof 6` data the NIW model is well specified, so
    /// the ML-II fit and the episodic fit both estimate the one true θ and both predict near
    /// the Bayes-optimal NLL: the episodic fit, started at ML-II, can only raise the objective
    /// on its training episodes (checked exactly), and on held-out episodes its NLL is within
    /// 2 SE (the clustered SE `evaluate` reports for the ML-II fit's NLL) of ML-II's.
    @Test func episodicFitImprovesTrainingEpisodesAndMatchesMLIIHeldOut() throws {
        var settings = SimulationSettings(family: .gaussianClasses, tasks: 300, points: 8, seed: 21, noise: 1)
        settings.classDegreesOfFreedom = 6
        let train = try simulateTasks(settings).dataset
        settings.seed = 22
        settings.tasks = 200
        let test = try simulateTasks(settings).dataset
        var request = FitRequest()
        request.options.structure = .isotropic
        let marginal = try ClassGaussianFamily.fit(train, request: request)
        var episodic = EpisodicFitOptions(shots: try ShotRange(1), query: 3, episodes: 300, seed: 5)
        episodic.ways = 5
        request.episodic = episodic
        let fitted = try ClassGaussianFamily.fit(train, request: request)
        let summary = try #require(fitted.episodic)
        #expect(summary.logPredictive >= summary.startLogPredictive, "\(summary.logPredictive) < \(summary.startLogPredictive)")
        #expect(fitted.stages.map(\.stage) == ["marginal", "episodic"])
        let a = try #require(marginal.prior as? ClassGaussianPrior), b = try #require(fitted.prior as? ClassGaussianPrior)
        // The start is the ML-II fit: J at the marginal prior is the summary's start value.
        #expect(a.niw == (try NIWFit(classes: Self.classes(train), structure: .isotropic)).prior)
        let sampler = try EpisodeSampler(dataset: test, spec: EpisodeSpec(shots: 1, query: .count(3), ways: 5, seed: 8))
        let evaluation = try ClassificationEvaluation(priors: [("ml2", a), ("episodic", b)], dataset: test,
                                                      episodes: sampler.episodes(count: 1000), baselines: false)
        let ml2 = evaluation.scores[0].nll, epi = evaluation.scores[1].nll
        #expect(abs(epi.value - ml2.value) <= 2 * ml2.standardError, "episodic \(epi) vs ML-II \(ml2)")
    }

    static func classes(_ dataset: MetaDataset) throws -> [ClassStatistics] {
        var classes: [ClassStatistics] = []
        for task in dataset.tasks {
            var byLabel: [Int: [[Double]]] = [:]
            for (row, label) in zip(task.inputs.nestedRows, task.targets) { byLabel[Int(label), default: []].append(row) }
            for label in byLabel.keys.sorted() { classes.append(try ClassStatistics(points: byLabel[label] ?? [])) }
        }
        return classes
    }

    /// The class families' episodic fit needs --ways and one K; a regression family refuses
    /// --ways through the seam.
    @Test func waysIsNeededAndRefusedElsewhere() throws {
        var settings = SimulationSettings(family: .gaussianClasses, tasks: 20, points: 6, seed: 1, noise: 1)
        settings.classDegreesOfFreedom = 6
        let data = try simulateTasks(settings).dataset
        var request = FitRequest()
        request.episodic = EpisodicFitOptions(shots: try ShotRange(1), query: 2, episodes: 10, seed: 1)
        for family: any ModelFamily.Type in [ClassGaussianFamily.self, SoftmaxFamily.self] {
            let error = try #require(throws: InputError.self) { try family.fit(data, request: request) }
            #expect(error.column == "--ways", "\(error)")
        }
        request.episodic?.ways = 3
        request.episodic?.shots = try ShotRange(parsing: "1-2")
        let range = try #require(throws: InputError.self) { try ClassGaussianFamily.fit(data, request: request) }
        #expect(range.column == "--shots", "\(range)")
        let refused = try #require(throws: InputError.self) { try request.refuseSettings(unhonouredBy: LinearGaussianFamily.self, weighted: false) }
        #expect(refused.column == "--ways" && "\(refused)".contains("--ways is not available for the linear_gaussian model"), "\(refused)")
    }
}
