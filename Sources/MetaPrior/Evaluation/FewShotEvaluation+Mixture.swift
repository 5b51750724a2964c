// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension FewShotEvaluation {
    /// Scores a mixture posterior exactly, not through the Gaussian of its moments
    /// (``GaussianMixturePosterior/jointPredictive(at:)``): squared error of the mixture mean,
    /// NLL from each point's mixture marginal, joint NLL from the mixture joint density, and
    /// coverage of the mixture's central intervals (roots of its CDF). Sums over the query
    /// points into `slot`, as the Gaussian scoring does.
    static func scoreMixture(_ posterior: GaussianMixturePosterior, query: Matrix, observed: [Double],
                             into slot: UnsafeMutablePointer<Double>) throws {
        let intervals = try levels.map { try posterior.predictive(at: query, level: $0) }
        for i in observed.indices {
            let row = try Matrix(rows: 1, columns: query.columns, elements: (0..<query.columns).map { query[i, $0] })
            let error = observed[i] - intervals[0][i].mean
            slot[0] += error * error
            slot[1] -= try posterior.logPredictiveDensity(at: row, targets: [observed[i]])
            for l in levels.indices where intervals[l][i].lower <= observed[i] && observed[i] <= intervals[l][i].upper { slot[3 + l] += 1 }
        }
        slot[2] = -(try posterior.logPredictiveDensity(at: query, targets: observed))
    }
}
