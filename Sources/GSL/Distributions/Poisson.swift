// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The Poisson distribution with rate λ:
///
///     log P(k) = k ln λ − λ − ln k!,   k = 0, 1, 2, …
///
/// (ln k! = ln Γ(k + 1), computed in double precision by GSL). λ = 0 is allowed: the point
/// mass at 0. Sampling: `gsl_ran_poisson`, which returns `unsigned int`; λ is therefore capped
/// at 2³⁰ so that a draw cannot wrap around.
public struct Poisson: Sendable, Equatable {
    /// λ ≥ 0.
    public let rate: Double

    /// The largest rate accepted (draws stay far below 2³² − 1).
    public static let maximumRate = Double(1 << 30)

    /// Poisson(λ).
    /// - Throws: ``GSLError/Code/invalidArgument`` for a non-finite rate,
    ///   ``GSLError/Code/domain`` if `rate < 0` or `rate > maximumRate`.
    public init(rate: Double) throws {
        let operation = "Poisson(rate: \(rate))"
        try requireFinite(rate, "rate", operation)
        guard rate >= 0, rate <= Poisson.maximumRate else {
            throw GSLError(.domain, operation: operation,
                           reason: "rate must be in [0, \(Poisson.maximumRate)], got \(rate)")
        }
        self.rate = rate
    }

    /// log P(X = k) = k ln λ − λ − ln k!; −∞ for negative k.
    public func logDensity(_ k: Int) -> Double {
        guard k >= 0, let logFactorial = try? lnGamma(Double(k) + 1) else { return -.infinity }
        return xLogY(Double(k), rate) - rate - logFactorial
    }

    /// Another name for ``logDensity(_:)``: the log probability mass function.
    public func logPMF(_ k: Int) -> Double { logDensity(k) }

    /// λ.
    public var mean: Double { rate }
    /// λ.
    public var variance: Double { rate }

    /// One draw in 0, 1, 2, … (`gsl_ran_poisson`).
    public func sample(using stream: RandomStream) -> Int {
        Int(stream.withGenerator { gsl_ran_poisson($0, rate) })
    }
}
