// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// The fit report's count of separated binomial tasks (``GeneralizedMixedFamily/isSeparated(_:beta:)``)
/// against the exact rule for one input with an intercept: a task with both outcomes is
/// separated exactly when a threshold on x splits its 0s from its 1s (min x of the 1s ≥ max x
/// of the 0s, or the reverse). Every task of 400 random ones must agree; separation is common
/// at 6 points with a steep slope, so both answers occur many times.
@Suite("Separated tasks")
struct SeparationTests {
    @Test func agreesWithTheThresholdRuleOnEveryTask() throws {
        var rng = SplitMix(state: 13)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        var separated = 0, overlapping = 0
        for _ in 0..<400 {
            let x = (0..<6).map { _ in 4 * uniform() - 2 }
            let shift = 2 * uniform() - 1
            let y = x.map { uniform() < 1 / (1 + exp(-(3 * $0 + shift))) ? 1.0 : 0.0 }
            guard y.contains(0), y.contains(1) else { continue }
            let ones = zip(x, y).filter { $0.1 == 1 }.map(\.0), zeros = zip(x, y).filter { $0.1 == 0 }.map(\.0)
            let expected = ones.min()! >= zeros.max()! || ones.max()! <= zeros.min()!
            let task = try GeneralizedTask(family: .binomial, shared: [], p: 0, specific: x.flatMap { [1, $0] }, q: 2, response: y)
            #expect(BinomialMixedFamily.isSeparated(task, beta: []) == expected, "x \(x), y \(y)")
            if expected { separated += 1 } else { overlapping += 1 }
        }
        #expect(separated >= 50 && overlapping >= 50, "\(separated) separated, \(overlapping) overlapping")
    }
}
