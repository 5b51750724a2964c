// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// Model B's class probabilities on episodes from its own model, under the true V.
@Suite("Softmax predictive (Model B)")
struct SoftmaxPredictiveTests {
    /// 300 episodes (3 classes, V = diag(0.5, 1, 2)), each split into 15 support and 15
    /// query points. Under the true prior the posterior predictive is the Bayes rule for
    /// these episodes, so its mean NLL per query point must be below the weak-prior logistic
    /// baseline's (N(0, 100), MAP plug-in) by more than 2 SE of the per-episode paired
    /// difference; and its mean probability of the predicted class must match the accuracy
    /// within 3 SE (calibration in the large).
    @Test func beatsTheWeakPriorBaselineAndIsCalibrated() throws {
        let variances = [0.5, 1.0, 2.0]
        let all = SoftmaxSimulation.episodes(300, classes: 3, points: 30, variances: variances, seed: 17)
        let prior = try SoftmaxPrior(inputs: ["x1", "x2"], covariance: Matrix([[0.5, 0, 0], [0, 1, 0], [0, 0, 2]]), structure: .diagonal,
                                     classes: 3, episodes: 1)
        var differences: [Double] = [], gaps: [Double] = []
        for e in all {
            let rows = (0..<e.count).map { i in Array(e.design[(i * 3 + 1)..<(i * 3 + 3)]) }
            let support = Array(rows[..<15]), supportLabels = Array(e.labels[..<15])
            let model = try prior.episodeClassifier(support: support, labels: supportLabels, classes: 3)
            let baseline = try EpisodeLogisticRegression(inputs: support, labels: supportLabels, classes: 3)
            var difference = 0.0, gap = 0.0
            for i in 15..<30 {
                let logP = try model.logProbabilities(rows[i])
                difference += -baseline.logProbabilities(rows[i])[e.labels[i]] + logP[e.labels[i]]
                let best = logP.indices.max { logP[$0] < logP[$1] }!
                gap += exp(logP[best]) - (best == e.labels[i] ? 1 : 0)
            }
            differences.append(difference / 15)
            gaps.append(gap / 15)
        }
        func meanAndSE(_ xs: [Double]) -> (Double, Double) {
            let m = xs.reduce(0, +) / Double(xs.count)
            let v = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)
            return (m, (v / Double(xs.count)).squareRoot())
        }
        let (gain, gainSE) = meanAndSE(differences), (gap, gapSE) = meanAndSE(gaps)
        #expect(gain > 2 * gainSE, "NLL gain over the baseline \(gain) ± \(gainSE)")
        #expect(abs(gap) < 3 * gapSE, "confidence − accuracy \(gap) ± \(gapSE)")
    }
}
