// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import GSL
@testable import MetaPrior

/// Classes drawn from a known NIW, for the recovery and Bayes-optimality tests.
enum NIWSimulation {
    /// The truth of the recovery tests: d = 2, correlated Ψ, κ < 1 (class means spread more
    /// than points within a class), ν = 6 (E[Σ] = Ψ/3).
    static func truth() throws -> NormalInverseWishart {
        try NormalInverseWishart(mean: [1, -1], meanPrecision: 0.5,
                                 scale: Matrix([[2, 0.5], [0.5, 1]]), degreesOfFreedom: 6)
    }

    /// `classes` classes of `points` points each: (m, Σ) from `prior`, then x ~ N(m, Σ).
    static func classes(_ count: Int, points: Int, prior: NormalInverseWishart, stream: RandomStream) throws -> [[[Double]]] {
        try (0..<count).map { _ in
            let (m, sigma) = try prior.sample(using: stream)
            let normal = try MultivariateNormal(mean: m, covariance: sigma)
            return (0..<points).map { _ in normal.sample(using: stream) }
        }
    }

    static func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }

    /// The standard error of the mean of `xs` (sample sd / √n).
    static func standardError(_ xs: [Double]) -> Double {
        let m = mean(xs)
        return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1) / Double(xs.count)).squareRoot()
    }
}
