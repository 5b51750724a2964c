// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The gamma distribution with shape α and rate β (mean α/β):
///
///     log p(x) = α ln β − ln Γ(α) + (α − 1) ln x − β x,   x > 0.
///
/// Parametrised by rate, as in Stan and most Bayesian texts, because the rate is what is
/// conjugate to a Poisson or normal precision. Sampling: `gsl_ran_gamma` (Marsaglia–Tsang),
/// which takes a scale, so it is given 1/β.
public struct Gamma: UnivariateContinuousDistribution, Equatable {
    /// α > 0.
    public let shape: Double
    /// β > 0.
    public let rate: Double
    private let logNormaliser: Double

    /// Gamma(α, β) with shape α and rate β; α ln β − ln Γ(α) is computed once, here.
    /// - Throws: ``GSLError/Code/invalidArgument`` for a non-finite parameter,
    ///   ``GSLError/Code/domain`` if `shape ≤ 0` or `rate ≤ 0`.
    public init(shape: Double, rate: Double) throws {
        let operation = "Gamma(shape: \(shape), rate: \(rate))"
        try requirePositive(shape, "shape", operation)
        try requirePositive(rate, "rate", operation)
        self.shape = shape
        self.rate = rate
        self.logNormaliser = shape * log(rate) - (try lnGamma(shape))
    }

    /// α/β.
    public var mean: Double { shape / rate }
    /// α/β².
    public var variance: Double { shape / (rate * rate) }

    /// log p(x) = α ln β − ln Γ(α) + (α − 1) ln x − β x; −∞ for x < 0 and x = +∞.
    ///
    /// At x = 0 the density is +∞ for α < 1, β for α = 1 and 0 for α > 1 (its limits).
    public func logDensity(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x < 0 || x == .infinity { return -.infinity }
        if x == 0 {
            if shape < 1 { return .infinity }
            return shape == 1 ? logNormaliser : -.infinity
        }
        return logNormaliser + (shape - 1) * log(x) - rate * x
    }

    /// One positive draw (`gsl_ran_gamma` with scale 1/β).
    public func sample(using stream: RandomStream) -> Double {
        stream.withGenerator { gsl_ran_gamma($0, shape, 1 / rate) }
    }

    /// P(X > x), the upper tail (`gsl_cdf_gamma_Q` with scale 1/β), computed directly so that
    /// it stays accurate where 1 − P(X ≤ x) would cancel to zero. A χ² variable with k degrees
    /// of freedom is Gamma(k/2, rate 1/2), so this is also the p-value of a χ² test.
    public func upperTailProbability(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x <= 0 { return 1 }
        return gsl_cdf_gamma_Q(x, shape, 1 / rate)
    }
}
