// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// Student's t distribution with ν degrees of freedom, location μ and scale s:
///
///     log p(x) = ln Γ((ν+1)/2) − ln Γ(ν/2) − ½ ln(νπ) − ln s − (ν+1)/2 · ln(1 + z²/ν),
///     z = (x − μ)/s.
///
/// The heavy-tailed alternative to ``Normal`` (a normal whose precision is Gamma-distributed).
/// Sampling: μ + s · T with T from `gsl_ran_tdist`.
public struct StudentT: UnivariateContinuousDistribution, Equatable {
    /// ν > 0.
    public let degreesOfFreedom: Double
    /// μ.
    public let location: Double
    /// s > 0.
    public let scale: Double
    private let logNormaliser: Double

    /// t(ν, μ, s): standard (μ = 0, s = 1) by default; the normalising constant is computed
    /// once, here.
    /// - Throws: ``GSLError/Code/invalidArgument`` for a non-finite parameter,
    ///   ``GSLError/Code/domain`` if `degreesOfFreedom ≤ 0` or `scale ≤ 0`.
    public init(degreesOfFreedom: Double, location: Double = 0, scale: Double = 1) throws {
        let operation = "StudentT(degreesOfFreedom: \(degreesOfFreedom), location: \(location), scale: \(scale))"
        try requirePositive(degreesOfFreedom, "degreesOfFreedom", operation)
        try requireFinite(location, "location", operation)
        try requirePositive(scale, "scale", operation)
        self.degreesOfFreedom = degreesOfFreedom
        self.location = location
        self.scale = scale
        let nu = degreesOfFreedom
        self.logNormaliser = try lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * log(nu * Double.pi) - log(scale)
    }

    /// μ for ν > 1; NaN (undefined) otherwise.
    public var mean: Double { degreesOfFreedom > 1 ? location : .nan }

    /// s² ν/(ν − 2) for ν > 2; +∞ for 1 < ν ≤ 2; NaN (undefined) for ν ≤ 1.
    public var variance: Double {
        let nu = degreesOfFreedom
        if nu > 2 { return scale * scale * nu / (nu - 2) }
        return nu > 1 ? .infinity : .nan
    }

    /// log p(x) = ln Γ((ν+1)/2) − ln Γ(ν/2) − ½ ln(νπ) − ln s − (ν+1)/2 · ln(1 + z²/ν),
    /// z = (x − μ)/s; the last term by `log1p`, accurate in the centre.
    public func logDensity(_ x: Double) -> Double {
        let z = (x - location) / scale
        let nu = degreesOfFreedom
        return logNormaliser - (nu + 1) / 2 * log1p(z * z / nu)
    }

    /// One draw μ + s T, T from `gsl_ran_tdist`.
    public func sample(using stream: RandomStream) -> Double {
        location + scale * stream.withGenerator { gsl_ran_tdist($0, degreesOfFreedom) }
    }
}
