// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import GSL
@testable import MetaPrior

/// Episodes drawn from Model B with a known V: per episode, w_c ~ N(0, V) for each of N
/// classes, x ~ N(0, I_d), y ~ softmax(W[1, x]).
enum SoftmaxSimulation {
    /// `count` episodes of `points` points, N = `classes`, V = diag(`variances`) (bias first).
    static func episodes(_ count: Int, classes: Int, points: Int, variances: [Double], seed: UInt64) -> [SoftmaxEpisode] {
        let p = variances.count
        return (0..<count).map { t in
            let stream = RandomStream(seed: seed, stream: UInt64(t))
            let w = (0..<(classes * p)).map { stream.standardNormal() * variances[$0 % p].squareRoot() }
            var xs: [[Double]] = [], ys: [Int] = []
            for _ in 0..<points {
                let x = (1..<p).map { _ in stream.standardNormal() }
                let row = [1] + x
                let logits = (0..<classes).map { c in (0..<p).reduce(0.0) { $0 + w[c * p + $1] * row[$1] } }
                let top = logits.max() ?? 0
                let weights = logits.map { exp($0 - top) }
                var u = stream.uniform() * weights.reduce(0, +), y = 0
                while y < classes - 1, u > weights[y] { u -= weights[y]; y += 1 }
                xs.append(x); ys.append(y)
            }
            // `classes` fixed, so a class that drew no point still counts (as in the model).
            return SoftmaxEpisode(points: xs, labels: ys, classes: classes)
        }
    }

    /// V⁻¹ of a diagonal V, flattened.
    static func precision(_ variances: [Double]) -> [Double] {
        let p = variances.count
        var out = [Double](repeating: 0, count: p * p)
        for j in 0..<p { out[j * p + j] = 1 / variances[j] }
        return out
    }
}
