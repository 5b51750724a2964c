// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The pieces of classification scoring: ECE from bin sums, the logistic baseline's MAP.
@Suite("Classification scores")
struct ClassificationScoreTests {
    /// The bin sums give the same ECE as the direct formula, and removing a part's sums gives
    /// the ECE of the rest (the jackknife's replicate): equal to 1e-12 (sums of ≤ 500 numbers
    /// in [0, 1]).
    @Test func binsMatchTheDirectECE() {
        let stream = RandomStream(seed: 4)
        let p = (0..<500).map { _ in 0.2 + 0.8 * stream.uniform() }
        let ok = p.map { stream.uniform() < $0 * 0.9 }
        var first = CalibrationBins(), second = CalibrationBins()
        for k in p.indices { if k < 200 { first.add(p[k], ok[k]) } else { second.add(p[k], ok[k]) } }
        #expect(abs((first + second).error - expectedCalibrationError(confidences: p, correct: ok)) < 1e-12)
        let rest = (first + second).removing(first).error
        #expect(abs(rest - expectedCalibrationError(confidences: Array(p[200...]), correct: Array(ok[200...]))) < 1e-12)
        // A calibrated-by-construction case: every confidence 1 and every prediction right.
        #expect(expectedCalibrationError(confidences: [1, 1, 1], correct: [true, true, true]) == 0)
    }

    /// At the MAP the gradient of the log posterior, Σ (1[c = y] − p_c) x − w/v, vanishes:
    /// Newton stops when its largest entry is below 1e-8, so the test allows 1e-7.
    @Test func logisticBaselineIsAtItsMAP() throws {
        let stream = RandomStream(seed: 9)
        var inputs: [[Double]] = [], labels: [Int] = []
        for c in 0..<3 { for _ in 0..<4 {
            inputs.append([Double(c) + stream.standardNormal(), stream.standardNormal()])
            labels.append(c)
        } }
        let model = try EpisodeLogisticRegression(inputs: inputs, labels: labels, classes: 3)
        var gradient = model.weights.map { -$0 / 100 }
        for (x, y) in zip(inputs, labels) {
            let p = model.logProbabilities(x).map(exp)
            for c in 0..<3 { for (j, xj) in ([1] + x).enumerated() { gradient[c * 3 + j] += ((c == y ? 1 : 0) - p[c]) * xj } }
        }
        #expect(gradient.map(abs).max()! < 1e-7)
    }
}
