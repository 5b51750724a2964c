// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// ML-II recovers a known NIW from 2,000 simulated classes, and the fitted Model A matches the
/// Bayes-optimal classifier (the true NIW's predictive) on held-out episodes.
@Suite("NIW recovery and Bayes optimality (Model A)")
struct NIWRecoveryTests {
    static let classCount = 2000, pointsPerClass = 10

    static func fit() throws -> (NIWFit, [ClassStatistics]) {
        let classes = try NIWSimulation.classes(classCount, points: pointsPerClass,
                                                prior: NIWSimulation.truth(), stream: RandomStream(seed: 2026))
            .map(ClassStatistics.init(points:))
        return (try NIWFit(classes: classes, structure: .full), classes)
    }

    /// θ̂ within 4 standard errors of the truth in every unconstrained coordinate (μ₀, ln κ,
    /// ln(ν − d + 1), Cholesky of Ψ with log diagonal). The SEs are the square roots of the
    /// diagonal of the inverse observed information, the central-difference Hessian of −ℓ at
    /// θ̂. Under asymptotic normality each coordinate's z is N(0, 1); P(|z| > 4) = 6.3e-5, so
    /// over 7 coordinates the chance of a false failure is below 5e-4. The test has power: the
    /// SEs are checked to be small (below 0.15 on every coordinate) so 4 SE is a tight band.
    @Test func recoversTheTrueNIW() throws {
        let (fit, classes) = try Self.fit()
        #expect(fit.converged)
        let coordinates = NIWCoordinates(dimension: 2, structure: .full)
        let likelihood = NIWMarginalLikelihood(classes: classes, coordinates: coordinates)
        let estimate = try coordinates.coordinates(of: fit.prior)
        let truth = try coordinates.coordinates(of: NIWSimulation.truth())
        let hessian = try #require(try hessianByCentralDifferences(at: estimate) { u in
            var gradient: [Double] = []
            _ = try likelihood.value(at: u, gradient: &gradient)
            return gradient.map { -$0 }
        })
        let symmetric = 0.5 * (hessian + hessian.transposed)
        let covariance = try Cholesky(symmetric).inverse()
        for k in estimate.indices {
            let se = covariance[k, k].squareRoot()
            #expect(se < 0.15, "coordinate \(k): SE \(se)")
            #expect(abs(estimate[k] - truth[k]) <= 4 * se,
                    "coordinate \(k): estimate \(estimate[k]), truth \(truth[k]), SE \(se)")
        }
    }

    /// Accuracy and NLL of one prior on episodes: per episode, the mean over its queries.
    static func scores(_ prior: NormalInverseWishart, _ episodes: [(support: [[[Double]]], query: [[[Double]]])])
        throws -> (accuracy: [Double], nll: [Double], confidences: [Double], correct: [Bool], probabilities: [[Double]]) {
        var accuracy: [Double] = [], nll: [Double] = [], confidences: [Double] = [], correct: [Bool] = []
        var probabilities: [[Double]] = []
        for episode in episodes {
            let model = try ClassConditionalClassifier(prior: prior, support: episode.support.map(ClassStatistics.init(points:)))
            var hits = 0.0, loss = 0.0, count = 0.0
            for (label, queries) in episode.query.enumerated() {
                for x in queries {
                    let logP = try model.logProbabilities(x)
                    let best = logP.indices.max { logP[$0] < logP[$1] }!
                    hits += best == label ? 1 : 0
                    loss -= logP[label]
                    count += 1
                    confidences.append(exp(logP[best]))
                    correct.append(best == label)
                    probabilities.append(logP.map(exp))
                }
            }
            accuracy.append(hits / count)
            nll.append(loss / count)
        }
        return (accuracy, nll, confidences, correct, probabilities)
    }

    /// 5-way 5-shot episodes with 5 queries per class, every class drawn fresh from the truth
    /// (so each episode is its own cluster and the episode means are independent).
    static func heldOutEpisodes(_ count: Int, seed: UInt64) throws -> [(support: [[[Double]]], query: [[[Double]]])] {
        let stream = RandomStream(seed: seed)
        return try (0..<count).map { _ in
            let classes = try NIWSimulation.classes(5, points: 10, prior: NIWSimulation.truth(), stream: stream)
            return (classes.map { Array($0[0..<5]) }, classes.map { Array($0[5...]) })
        }
    }

    /// The fitted prior's accuracy and NLL within 1 SE (over 1,000 held-out episodes, of the
    /// Bayes-optimal classifier's per-episode figures) of the Bayes-optimal ones. The test can
    /// fail: a prior with κ × 20 (class means shrunk hard towards μ₀) misses by more than 1 SE.
    /// ECE of the fitted model: its excess over its expectation under perfect calibration is
    /// within 2 SE (see ``expectedCalibrationError(confidences:correct:bins:)`` for why not 0).
    @Test func matchesTheBayesOptimalClassifier() throws {
        let (fit, _) = try Self.fit()
        let episodes = try Self.heldOutEpisodes(1000, seed: 77)
        let optimal = try Self.scores(NIWSimulation.truth(), episodes)
        let fitted = try Self.scores(fit.prior, episodes)
        let accuracySE = NIWSimulation.standardError(optimal.accuracy), nllSE = NIWSimulation.standardError(optimal.nll)
        let accuracyGap = NIWSimulation.mean(fitted.accuracy) - NIWSimulation.mean(optimal.accuracy)
        let nllGap = NIWSimulation.mean(fitted.nll) - NIWSimulation.mean(optimal.nll)
        #expect(abs(accuracyGap) <= accuracySE, "accuracy gap \(accuracyGap), SE \(accuracySE)")
        #expect(abs(nllGap) <= nllSE, "NLL gap \(nllGap), SE \(nllSE)")

        let truth = try NIWSimulation.truth()
        let overconfident = try NormalInverseWishart(mean: truth.mean, meanPrecision: 20 * truth.meanPrecision,
                                                     scale: truth.scale, degreesOfFreedom: truth.degreesOfFreedom)
        let wrong = try Self.scores(overconfident, episodes)
        #expect(NIWSimulation.mean(wrong.nll) - NIWSimulation.mean(optimal.nll) > nllSE)

        // ECE against its null distribution: labels redrawn from the model's own probabilities
        // (200 seeded replicates) give E₀[ECE] and its SD under perfect calibration.
        let observed = expectedCalibrationError(confidences: fitted.confidences, correct: fitted.correct)
        let stream = RandomStream(seed: 5)
        var null: [Double] = []
        for _ in 0..<200 {
            var correct: [Bool] = []
            for (p, confidence) in zip(fitted.probabilities, fitted.confidences) {
                let best = p.indices.max { p[$0] < p[$1] }!
                var u = stream.uniform(), drawn = p.count - 1
                for (k, pk) in p.enumerated() { if u < pk { drawn = k; break }; u -= pk }
                _ = confidence
                correct.append(drawn == best)
            }
            null.append(expectedCalibrationError(confidences: fitted.confidences, correct: correct))
        }
        let nullMean = NIWSimulation.mean(null)
        let nullSD = NIWSimulation.standardError(null) * Double(null.count).squareRoot()
        #expect(observed - nullMean <= 2 * nullSD, "ECE \(observed), null mean \(nullMean), null SD \(nullSD)")
    }
}
