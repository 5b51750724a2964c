// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// A distribution of one real variable with a density.
///
/// Conventions shared by every conforming type:
/// - Parameters are validated once, by a throwing `init`; after that nothing can fail, so
///   ``logDensity(_:)`` and ``sample(using:)`` do not throw.
/// - ``logDensity(_:)`` is `-infinity` outside the support and NaN for a NaN argument (no
///   error: a log-density is evaluated in inner loops, and NaN propagates visibly).
/// - Normalising constants (ln Γ, ln B, …) are computed in `init`, so a log-density costs a
///   few flops. Everything is on the log scale: densities underflow in the tails, their logs
///   do not.
/// - ``mean`` and ``variance`` are `+infinity` when the moment diverges and NaN when it is
///   undefined (as for Student's t with ν ≤ 1).
public protocol UnivariateContinuousDistribution: Sendable {
    /// log p(x): −∞ outside the support, NaN for NaN.
    func logDensity(_ x: Double) -> Double
    /// One draw, from GSL's sampler for this family, using `stream`'s generator.
    func sample(using stream: RandomStream) -> Double
    /// E[X].
    var mean: Double { get }
    /// Var[X].
    var variance: Double { get }
}

extension UnivariateContinuousDistribution {
    /// p(x) = exp(log p(x)).
    public func density(_ x: Double) -> Double { exp(logDensity(x)) }

    /// √Var[X].
    public var standardDeviation: Double { variance.squareRoot() }

    /// `count` independent draws, in order, as `count` calls of ``sample(using:)``.
    /// - Throws: ``GSLError/Code/invalidArgument`` if `count` is negative.
    public func samples(_ count: Int, using stream: RandomStream) throws -> [Double] {
        guard count >= 0 else {
            throw GSLError.invalid("\(Self.self).samples", "count must be non-negative, got \(count)")
        }
        return (0..<count).map { _ in sample(using: stream) }
    }
}

// MARK: - Parameter validation shared by the distributions

/// Finite and > 0, else ``GSLError/Code/invalidArgument`` (non-finite) or
/// ``GSLError/Code/domain`` (≤ 0), naming the parameter.
func requirePositive(_ value: Double, _ name: String, _ operation: String) throws {
    try requireFinite(value, name, operation)
    guard value > 0 else {
        throw GSLError(.domain, operation: operation, reason: "\(name) must be positive, got \(value)")
    }
}

/// Not NaN and not infinite, else ``GSLError/Code/invalidArgument`` naming the parameter.
func requireFinite(_ value: Double, _ name: String, _ operation: String) throws {
    guard value.isFinite else {
        throw GSLError.invalid(operation, "\(name) must be finite, got \(value)")
    }
}

/// x log y with the convention 0 · log 0 = 0 (the limit), used at the edges of supports.
@inline(__always)
func xLogY(_ x: Double, _ y: Double) -> Double {
    x == 0 ? 0 : x * log(y)
}

/// x log(1 + y) with 0 · log(1 + y) = 0, accurate for small y.
@inline(__always)
func xLog1pY(_ x: Double, _ y: Double) -> Double {
    x == 0 ? 0 : x * log1p(y)
}

/// ½ ln(2π).
let halfLogTwoPi = 0.5 * log(2 * Double.pi)
