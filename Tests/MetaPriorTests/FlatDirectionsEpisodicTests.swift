// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The natural-coordinate prior at a singular Q, converted to what the prior file holds
/// (`EpisodicNaturalObjective.flatPrior`), predicts each episode's query points with exactly
/// the density the episodic objective sums: Σ_e w_e log p(y_q | D_s) from `adapt`'s posterior
/// and the joint predictive equals `EpisodicNaturalObjective.evaluate` to 1e-9 relative.
@Suite("Flat directions: episodic predictive")
struct FlatDirectionsEpisodicTests {
    /// log N(y; mean, covariance) by Cholesky.
    static func logDensity(_ y: [Double], mean: [Double], covariance: Matrix) throws -> Double {
        let chol = try Cholesky(covariance)
        let z = try chol.solveLower(zip(y, mean).map { $0 - $1 })
        return -0.5 * Double(y.count) * log(2 * Double.pi) - 0.5 * chol.logDeterminant - 0.5 * z.reduce(0.0) { $0 + $1 * $1 }
    }

    static func rows(_ m: Matrix, _ indices: [Int]) throws -> Matrix {
        try Matrix(rows: indices.count, columns: m.columns, elements: indices.flatMap { i in (0..<m.columns).map { m[i, $0] } })
    }

    /// The setting of `EpisodicNaturalObjectiveTests` (30 sinusoid tasks, rbf:4, K = 5, Q = 4,
    /// 40 episodes) at a rank-3 prior with R's last diagonal entry 0: Q singular, one flat
    /// direction. Both sides sum ~160 log densities of size ~1 by different algebra
    /// (information-form posterior then a Q×Q joint predictive, against F(joint) − F(support));
    /// the matrices involved have condition numbers < 1e6, so they agree to ≲ 1e-10 relative,
    /// and 1e-9 is the stated tolerance. The proper case (R intact) is checked the same way and
    /// converts to no flat directions.
    @Test(arguments: [true, false])
    func predictiveMatchesTheNaturalObjective(singular: Bool) throws {
        let data = try simulateTasks(SimulationSettings(family: .sinusoid, tasks: 30, points: 12, seed: 11, noise: 0.1)).dataset
        let map = try FeatureMap(spec: try BasisSpec(parsing: "rbf:4"), inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let sampler = try EpisodeSampler(dataset: data, spec: EpisodeSpec(shots: 5, query: .count(4), seed: 3))
        let episodes = EpisodicFit.episodes(sampler, shots: try ShotRange(5), count: 40)
        let statistics = try EpisodeStatistics(episodes: episodes, dataset: data, featureMap: map)
        let (mean, sigma, noise) = try EpisodicNaturalObjectiveTests.prior(dimension: 5, rank: 3, seed: 4)
        let objective = EpisodicNaturalObjective(statistics: statistics, pivots: EpisodicNaturalObjective.pivots(of: sigma, rank: 3))
        var theta = try objective.parameters(mean: mean, covariance: sigma, noiseVariance: noise)
        if singular { theta[theta.count - 1 - 3 - 1] = 0 }
        let expected = try objective.evaluate(theta, gradient: false).value
        let (gaussian, flat) = try objective.flatPrior(theta, flatTolerance: 1e-12)
        #expect((flat?.count ?? 0) == (singular ? 1 : 0))
        let prior = try LinearGaussianPrior(basis: map, structure: .full, gaussian: gaussian, singular: true, flat: flat)
        var total = 0.0
        for (e, episode) in episodes.enumerated() {
            let task = data.tasks[episode.task]
            let posterior = try prior.gaussianPosterior(inputs: try Self.rows(task.inputs, episode.support),
                                                        targets: episode.support.map { task.targets[$0] })
            let (m, c) = try posterior.jointPredictive(at: try Self.rows(task.inputs, episode.query))
            total += statistics.weights[e] * (try Self.logDensity(episode.query.map { task.targets[$0] }, mean: m, covariance: c))
        }
        #expect(abs(total - expected) <= 1e-9 * abs(expected), "adapt's predictive \(total), objective \(expected)")
    }
}
