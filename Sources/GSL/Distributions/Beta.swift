// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The beta distribution on [0, 1]:
///
///     log p(x) = (α − 1) ln x + (β − 1) ln(1 − x) − ln B(α, β).
///
/// ln(1 − x) is computed as `log1p(-x)`, exact for small x. Sampling: `gsl_ran_beta`.
public struct Beta: UnivariateContinuousDistribution, Equatable {
    /// α > 0.
    public let alpha: Double
    /// β > 0.
    public let beta: Double
    private let logBetaFunction: Double

    /// Beta(α, β); ln B(α, β) is computed once, here (``lnBeta(_:_:)``).
    /// - Throws: ``GSLError/Code/invalidArgument`` for a non-finite parameter,
    ///   ``GSLError/Code/domain`` if `alpha ≤ 0` or `beta ≤ 0`.
    public init(alpha: Double, beta: Double) throws {
        // Spelled only on failure (a joint draw makes one Beta per task).
        if !(alpha.isFinite && alpha > 0 && beta.isFinite && beta > 0) {
            let operation = "Beta(alpha: \(alpha), beta: \(beta))"
            try requirePositive(alpha, "alpha", operation)
            try requirePositive(beta, "beta", operation)
        }
        self.alpha = alpha
        self.beta = beta
        self.logBetaFunction = try lnBeta(alpha, beta)
    }

    /// α/(α + β).
    public var mean: Double { alpha / (alpha + beta) }

    /// αβ/((α + β)²(α + β + 1)).
    public var variance: Double {
        let s = alpha + beta
        return alpha * beta / (s * s * (s + 1))
    }

    /// log p(x) = (α − 1) ln x + (β − 1) ln(1 − x) − ln B(α, β); −∞ outside [0, 1].
    ///
    /// At the end points the density takes its limit (+∞, a finite value, or 0).
    public func logDensity(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x < 0 || x > 1 { return -.infinity }
        let left = x == 0 ? (alpha < 1 ? Double.infinity : alpha == 1 ? 0 : -Double.infinity)
                          : (alpha - 1) * log(x)
        let right = x == 1 ? (beta < 1 ? Double.infinity : beta == 1 ? 0 : -Double.infinity)
                           : (beta - 1) * log1p(-x)
        return left + right - logBetaFunction
    }

    /// One draw in [0, 1] (`gsl_ran_beta`).
    public func sample(using stream: RandomStream) -> Double {
        stream.withGenerator { gsl_ran_beta($0, alpha, beta) }
    }
}
