// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The inverse-gamma distribution with shape α and scale β: X = 1/G with G ~ Gamma(α, rate β).
///
///     log p(x) = α ln β − ln Γ(α) − (α + 1) ln x − β/x,   x > 0.
///
/// The conjugate prior of a normal variance. Sampling inverts a `gsl_ran_gamma` draw (GSL has
/// no inverse-gamma sampler); the gamma draw is positive with probability one.
public struct InverseGamma: UnivariateContinuousDistribution, Equatable {
    /// α > 0.
    public let shape: Double
    /// β > 0.
    public let scale: Double
    private let logNormaliser: Double

    /// InverseGamma(α, β) with shape α and scale β; α ln β − ln Γ(α) is computed once, here.
    /// - Throws: ``GSLError/Code/invalidArgument`` for a non-finite parameter,
    ///   ``GSLError/Code/domain`` if `shape ≤ 0` or `scale ≤ 0`.
    public init(shape: Double, scale: Double) throws {
        let operation = "InverseGamma(shape: \(shape), scale: \(scale))"
        try requirePositive(shape, "shape", operation)
        try requirePositive(scale, "scale", operation)
        self.shape = shape
        self.scale = scale
        self.logNormaliser = shape * log(scale) - (try lnGamma(shape))
    }

    /// β/(α − 1) for α > 1, else +∞.
    public var mean: Double { shape > 1 ? scale / (shape - 1) : .infinity }

    /// β²/((α − 1)²(α − 2)) for α > 2, else +∞.
    public var variance: Double {
        guard shape > 2 else { return .infinity }
        return scale * scale / ((shape - 1) * (shape - 1) * (shape - 2))
    }

    /// log p(x) = α ln β − ln Γ(α) − (α + 1) ln x − β/x; −∞ for x ≤ 0 and x = +∞.
    ///
    /// The density vanishes as x → 0⁺ (e^{−β/x} wins), so log p(0) = −∞.
    public func logDensity(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x <= 0 || x == .infinity { return -.infinity }
        return logNormaliser - (shape + 1) * log(x) - scale / x
    }

    /// One positive draw: 1/G with G from `gsl_ran_gamma` (shape α, scale 1/β).
    public func sample(using stream: RandomStream) -> Double {
        1 / stream.withGenerator { gsl_ran_gamma($0, shape, 1 / scale) }
    }
}
