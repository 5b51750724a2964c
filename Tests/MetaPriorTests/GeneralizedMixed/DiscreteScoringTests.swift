// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// What `evaluate` scores for binomial and poisson priors: the discrete predictive of a query
/// point (a distribution: its probabilities sum to 1 and its mean is E[y]), and the expected
/// calibration error.
@Suite("Discrete predictive scores")
struct DiscreteScoringTests {
    /// A poisson prior fitted on the counts of `GLMPriorFileTests`, a new task of two rows.
    static func countPosterior(_ method: PosteriorSampling.Method) throws -> GeneralizedMixedPosterior {
        let frame = try FormulaFrame.parse(csv: Array(GLMPriorFileTests.countsCSV.utf8), formula: try ModelFormula(parsing: "y ~ x + (x | g)"), exposure: "t")
        let prior = try PriorTraining.train(frame, family: PoissonMixedFamily.self, request: FitRequest(),
                                            source: PriorTraining.Source(file: "c.csv", digest: nil)).file.prior
        let sampling = PosteriorSampling(method: method, chains: 2, warmup: 200, drawsPerChain: 500, seed: 3)
        return try #require(try prior.posterior(inputs: try Matrix([[0, 1], [1, 2]]), targets: [1, 4], sampling: sampling) as? GeneralizedMixedPosterior)
    }

    /// Σ_k p(k | D) over k = 0…200 is 1 and Σ_k k·p(k | D) is the reported mean, to 1e-9
    /// (the tail beyond 200 at a rate near 3 is below 1e-100; the rest is rounding).
    @Test(arguments: [PosteriorSampling.Method.laplace, .mcmc])
    func countPredictiveIsADistributionWithItsMean(_ method: PosteriorSampling.Method) throws {
        let posterior = try Self.countPosterior(method)
        let query = try Matrix([[0.5, 1.5]])
        var total = 0.0, first = 0.0, mean = 0.0
        for k in 0...200 {
            let p = try #require(try posterior.scoredPredictions(at: query, observed: [Double(k)], levels: [0.9]).first)
            total += exp(p.logProbability)
            first += Double(k) * exp(p.logProbability)
            mean = p.mean
        }
        #expect(abs(total - 1) <= 1e-9 && abs(first - mean) <= 1e-9 * mean, "Σ p = \(total), Σ k p = \(first), mean \(mean)")
    }

    /// For a 0/1 target the predictive mean is P(y = 1), the probability `predict` reports
    /// (40- and 60-point Gauss–Hermite rules on a smooth integrand agree to 1e-10).
    @Test func binaryMeanIsThePredictedProbability() throws {
        let csv = "g,x,y\n" + (0..<40).map { i in "t\(i / 8),\(Double(i % 8) / 4 - 1),\((i * 7 + i / 8) % 3 == 0 ? 1 : 0)" }.joined(separator: "\n") + "\n"
        let frame = try FormulaFrame.parse(csv: Array(csv.utf8), formula: try ModelFormula(parsing: "y ~ x + (1 | g)"))
        let prior = try PriorTraining.train(frame, family: BinomialMixedFamily.self, request: FitRequest(),
                                            source: PriorTraining.Source(file: "b.csv", digest: nil)).file.prior
        let posterior = try #require(try prior.posterior(inputs: try Matrix([[0.2], [-0.5]]), targets: [1, 0],
                                                         sampling: PosteriorSampling(method: .laplace)) as? GeneralizedMixedPosterior)
        #expect(posterior.isBinary)
        let query = try Matrix([[0.7]])
        let scored = try #require(try posterior.scoredPredictions(at: query, observed: [1], levels: [0.5]).first)
        let predicted = try #require(try posterior.predictive(at: query, level: 0.5).first)
        #expect(abs(scored.mean - predicted.mean) <= 1e-10 && abs(scored.logProbability - log(predicted.mean)) <= 1e-9, "\(scored) \(predicted)")
    }

    /// ECE from bin sums: two bins, (n, Σ P, Σ y) = (4, 0.4, 1) and (6, 4.8, 3), over two
    /// episodes: (|1 − 0.4| + |3 − 4.8|) / 10 = 0.24.
    @Test func calibrationErrorFromBinSums() {
        let bins = FewShotEvaluation.calibrationBins, perEpisode = 3 + FewShotEvaluation.levels.count
        let width = perEpisode + 2 + 3 * bins
        var values = [Double](repeating: 0, count: 2 * width)
        values[perEpisode + 2 + 3 * 0] = 3; values[perEpisode + 2 + 3 * 0 + 1] = 0.3; values[perEpisode + 2 + 3 * 0 + 2] = 1
        values[width + perEpisode + 2 + 3 * 0] = 1; values[width + perEpisode + 2 + 3 * 0 + 1] = 0.1
        values[width + perEpisode + 2 + 3 * 8] = 6; values[width + perEpisode + 2 + 3 * 8 + 1] = 4.8; values[width + perEpisode + 2 + 3 * 8 + 2] = 3
        let ece = FewShotEvaluation.calibrationError(values, method: 0, stride: width, width: width, perEpisode: perEpisode, episodes: 2)
        #expect(abs(ece - 0.24) <= 1e-15, "\(ece)")
    }
}
