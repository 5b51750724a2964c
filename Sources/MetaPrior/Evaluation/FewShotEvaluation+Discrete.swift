// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension FewShotEvaluation {
    /// One episode's sums for a discrete predictive (binomial, poisson priors, adapted by
    /// their Laplace approximation for speed): squared error of the predictive mean (the Brier
    /// score for a 0/1 target), −log p(y | D) (the log loss, or the NLPD of a count), and the
    /// interval coverage per level (counts only: NaN for a 0/1 target); the joint NLL has no
    /// Gaussian form here and is NaN. For a 0/1 target also the flag, the correct predictions and
    /// the calibration bins' sums.
    static func scoreDiscrete(_ posterior: any DiscretePredictivePosterior, query: Matrix, observed: [Double],
                              into slot: UnsafeMutablePointer<Double>, perEpisode: Int) throws {
        let predictions = try posterior.scoredPredictions(at: query, observed: observed, levels: levels)
        for (i, p) in predictions.enumerated() {
            let error = observed[i] - p.mean
            slot[0] += error * error
            slot[1] -= p.logProbability
            guard posterior.isBinary else {
                for l in levels.indices where p.covered[l] { slot[3 + l] += 1 }
                continue
            }
            if (p.mean >= 0.5 ? 1.0 : 0.0) == observed[i] { slot[perEpisode + 1] += 1 }
            let bin = Swift.min(calibrationBins - 1, Swift.max(0, Int(p.mean * Double(calibrationBins))))
            let base = slot + perEpisode + 2 + 3 * bin
            base[0] += 1
            base[1] += p.mean
            base[2] += observed[i]
        }
        slot[2] = .nan
        // A central interval of a 0/1 predictive is {0}, {1} or {0, 1}: its coverage says
        // nothing about calibration (at 90% it is 1 whenever 0.05 < P < 0.95), so it is not
        // reported; the calibration bins are the measure for 0/1 targets.
        if posterior.isBinary { for l in levels.indices { slot[3 + l] = .nan } }
        // The flag per query point, so that the per-episode mean is 1.
        if posterior.isBinary { slot[perEpisode] = Double(predictions.count) }
    }

    /// The expected calibration error of method `m` from its calibration bins, summed over
    /// the episodes in order: Σ_b (n_b/N)·|Σ y/n_b − Σ P/n_b| = Σ_b |Σ y − Σ P| / N.
    static func calibrationError(_ values: [Double], method m: Int, stride: Int, width: Int, perEpisode: Int, episodes: Int) -> Double {
        var count = [Double](repeating: 0, count: calibrationBins), predicted = count, outcome = count
        for e in 0..<episodes {
            let base = e * stride + m * width + perEpisode + 2
            for b in 0..<calibrationBins {
                count[b] += values[base + 3 * b]
                predicted[b] += values[base + 3 * b + 1]
                outcome[b] += values[base + 3 * b + 2]
            }
        }
        let total = count.reduce(0, +)
        guard total > 0 else { return .nan }
        return (0..<calibrationBins).reduce(0) { $0 + abs(outcome[$1] - predicted[$1]) } / total
    }
}
