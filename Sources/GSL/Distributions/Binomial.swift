// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The binomial distribution: successes in n independent trials of probability p.
///
///     log P(k) = ln C(n, k) + k ln p + (n − k) ln(1 − p),   k = 0, …, n,
///
/// with 0 · ln 0 = 0, so p = 0 and p = 1 give point masses. Sampling: `gsl_ran_binomial`
/// (the BTPE algorithm), which takes n as `unsigned int`, hence the 32-bit limit on n.
public struct Binomial: Sendable, Equatable {
    /// n ≥ 0.
    public let trials: Int
    /// p ∈ [0, 1].
    public let probability: Double

    /// Binomial(n, p).
    /// - Throws: ``GSLError/Code/domain`` if `trials` is negative or beyond 2³² − 1, or
    ///   `probability` is outside [0, 1]; ``GSLError/Code/invalidArgument`` if it is NaN.
    public init(trials: Int, probability: Double) throws {
        let operation = "Binomial(trials: \(trials), probability: \(probability))"
        guard trials >= 0, trials <= Int(UInt32.max) else {
            throw GSLError(.domain, operation: operation,
                           reason: "trials must be in 0...\(UInt32.max), got \(trials)")
        }
        guard !probability.isNaN else { throw GSLError.invalid(operation, "probability is NaN") }
        guard probability >= 0, probability <= 1 else {
            throw GSLError(.domain, operation: operation,
                           reason: "probability must be in [0, 1], got \(probability)")
        }
        self.trials = trials
        self.probability = probability
    }

    /// For counts read as real numbers (from a CSV, say): `trials` must be a whole number.
    /// - Throws: ``GSLError/Code/invalidArgument`` if `trials` is NaN, infinite or not an
    ///   integer; otherwise as ``init(trials:probability:)-(Int,_)``.
    public init(trials: Double, probability: Double) throws {
        let operation = "Binomial(trials: \(trials), probability: \(probability))"
        try requireFinite(trials, "trials", operation)
        guard trials == trials.rounded(), abs(trials) <= Double(UInt32.max) else {
            throw GSLError.invalid(operation, "trials must be a whole number in 0...\(UInt32.max), got \(trials)")
        }
        try self.init(trials: Int(trials), probability: probability)
    }

    /// log P(X = k) = ln C(n, k) + k ln p + (n − k) ln(1 − p); −∞ for k outside 0...n.
    public func logDensity(_ k: Int) -> Double {
        guard k >= 0, k <= trials, let choose = try? lnChoose(trials, k) else { return -.infinity }
        return choose + xLogY(Double(k), probability) + xLog1pY(Double(trials - k), -probability)
    }

    /// Another name for ``logDensity(_:)``: the log probability mass function.
    public func logPMF(_ k: Int) -> Double { logDensity(k) }

    /// n p.
    public var mean: Double { Double(trials) * probability }
    /// n p (1 − p).
    public var variance: Double { Double(trials) * probability * (1 - probability) }

    /// One draw in 0...n (`gsl_ran_binomial`).
    public func sample(using stream: RandomStream) -> Int {
        Int(stream.withGenerator { gsl_ran_binomial($0, probability, UInt32(trials)) })
    }
}
