// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The normal distribution N(μ, σ²):
///
///     log p(x) = −½ ln(2π) − ln σ − ½ ((x − μ)/σ)².
///
/// Sampling uses GSL's ziggurat (`gsl_ran_gaussian_ziggurat`), the fastest of its Gaussian
/// samplers and the one ``RandomStream/standardNormal()`` uses.
public struct Normal: UnivariateContinuousDistribution, Equatable {
    /// μ.
    public let mean: Double
    /// σ > 0.
    public let standardDeviation: Double
    private let logNormaliser: Double

    /// N(μ, σ²) from its mean and standard deviation (the standard normal by default).
    /// - Throws: ``GSLError/Code/invalidArgument`` for a non-finite parameter,
    ///   ``GSLError/Code/domain`` if `standardDeviation ≤ 0`.
    public init(mean: Double = 0, standardDeviation: Double = 1) throws {
        let operation = "Normal(mean: \(mean), standardDeviation: \(standardDeviation))"
        try requireFinite(mean, "mean", operation)
        try requirePositive(standardDeviation, "standardDeviation", operation)
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.logNormaliser = -halfLogTwoPi - log(standardDeviation)
    }

    /// σ².
    public var variance: Double { standardDeviation * standardDeviation }

    /// log p(x) = −½ ln(2π) − ln σ − ½ z², z = (x − μ)/σ (NaN for NaN, −∞ for ±∞).
    public func logDensity(_ x: Double) -> Double {
        let z = (x - mean) / standardDeviation
        return logNormaliser - 0.5 * z * z
    }

    /// One draw μ + σ Z, Z from `gsl_ran_gaussian_ziggurat`.
    public func sample(using stream: RandomStream) -> Double {
        mean + stream.withGenerator { gsl_ran_gaussian_ziggurat($0, standardDeviation) }
    }
}
