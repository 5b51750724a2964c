// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// A ``TaskPosterior`` whose predictive is a distribution over whole numbers (successes, counts):
/// `evaluate` scores it by the predictive probability of each observed y, the predictive mean
/// and the central predictive intervals of y, instead of a Gaussian joint predictive.
public protocol DiscretePredictivePosterior: TaskPosterior {
    /// Whether y is 0 or 1 (a Bernoulli target): `evaluate` then reports the log loss, the Brier
    /// score, the accuracy and the expected calibration error.
    var isBinary: Bool { get }

    /// At each row of `inputs` (the prior's input columns) with observed `observed[i]`: the
    /// predictive mean of y, log p(y_i | D) and, for each of `levels`, whether y_i lies in the
    /// central predictive interval (from the (1 − level)/2 to the (1 + level)/2 quantile of the
    /// predictive, both included).
    func scoredPredictions(at inputs: Matrix, observed: [Double], levels: [Double]) throws -> [DiscretePrediction]
}

/// One query point's predictive, as `evaluate` scores it.
public struct DiscretePrediction: Sendable, Equatable {
    /// E[y | D] (for a 0/1 target, the probability that y = 1).
    public var mean: Double
    /// log p(y | D) of the observed y.
    public var logProbability: Double
    /// Per level: whether the observed y lies in the central predictive interval.
    public var covered: [Bool]

    /// A prediction from its parts.
    public init(mean: Double, logProbability: Double, covered: [Bool]) {
        self.mean = mean
        self.logProbability = logProbability
        self.covered = covered
    }
}
