// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Mixture prior: references of issue 16")
struct MixtureReferenceTests {
    /// On sinusoid-line (half sines, half lines, noise-free as in the README benchmark), basis
    /// rbf:10, 5-shot episodes with 10 query points on held-out tasks: the 2-component prior's
    /// joint NLL per query point is lower than the single Gaussian's (`linear_gaussian`) by more
    /// than 2 standard errors of the paired difference (the same 1000 episodes, SE clustered by
    /// task).
    @Test func twoComponentsBeatOneGaussianOnSinusoidLine() throws {
        let train = try simulateTasks(SimulationSettings(family: .sinusoidLine, tasks: 300, points: 20, seed: 21)).dataset
        let test = try simulateTasks(SimulationSettings(family: .sinusoidLine, tasks: 100, points: 20, seed: 22)).dataset
        var request = FitRequest(basis: .radial(centres: 10, width: nil))
        let single = try LinearGaussianFamily.fitInDetail(train, request: request).prior
        request.mixture = MixtureRequest(components: .fixed(2), seed: 1)
        let mixture = try #require(try GaussianMixtureFamily.fit(train, request: request).prior as? GaussianMixturePrior)
        let episodes = try EpisodeSampler(dataset: test, spec: EpisodeSpec(shots: 5, query: .count(10), seed: 5)).episodes(count: 1000)
        let mixtureScores = try ComponentSelection.heldOutScore(mixture, episodes: episodes, dataset: test).perEpisode
        let singleScores = try episodes.map { episode -> Double in
            let (xs, ys) = episode.supportSet(in: test)
            let (xq, yq) = episode.querySet(in: test)
            let (mean, covariance) = try single.gaussianPosterior(inputs: xs, targets: ys).jointPredictive(at: xq)
            let chol = try Cholesky(covariance)
            let white = try chol.solveLower(zip(yq, mean).map { $0 - $1 })
            return -0.5 * (Double(yq.count) * log(2 * Double.pi) + chol.logDeterminant + white.reduce(0) { $0 + $1 * $1 }) / Double(yq.count)
        }
        // NLL difference, mixture − single: negative favours the mixture.
        let paired = FewShotEvaluation.meanAndStandardError(zip(mixtureScores, singleScores).map { -($0 - $1) }, clusters: episodes.map(\.task))
        #expect(paired.mean < -2 * paired.se, "NLL mixture − single \(paired.mean) ± \(paired.se)")
        print("sinusoid-line rbf:10 K = 5: NLL(2 components) − NLL(linear_gaussian) = \(paired.mean) ± \(paired.se) per query point; "
              + "NLL single \(-singleScores.reduce(0, +) / 1000), mixture \(-mixtureScores.reduce(0, +) / 1000)")
    }

    /// On data drawn from one Gaussian (`simulate linear-gaussian`, seed 8), `--components 1-3`
    /// chooses K = 1: the larger K nest it, so their held-out score can beat it by noise only,
    /// and the one-standard-error rule of ``ComponentSelection`` keeps K = 1 unless a larger K
    /// is better by more than a paired SE.
    @Test func oneGaussianDataChooseOneComponent() throws {
        let dataset = try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: 160, points: 15, seed: 8)).dataset
        var request = FitRequest(basis: .linear)
        request.mixture = MixtureRequest(components: .choose(1...3), seed: 2)
        let prior = try #require(try GaussianMixtureFamily.fit(dataset, request: request).prior as? GaussianMixturePrior)
        #expect(prior.mixture.componentCount == 1)
        #expect(prior.selection.map(\.components) == [1, 2, 3])
        #expect(prior.selection.filter(\.chosen).map(\.components) == [1])
        print(prior.reportLines().joined(separator: "\n"))
    }
}
