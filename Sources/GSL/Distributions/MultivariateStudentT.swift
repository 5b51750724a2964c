// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The multivariate Student t with ν degrees of freedom, location μ and scale matrix Σ = L Lᵀ
/// in d dimensions:
///
///     log p(x) = ln Γ((ν+d)/2) − ln Γ(ν/2) − (d/2) ln(νπ) − ½ ln|Σ|
///                − (ν+d)/2 · ln(1 + δ²/ν),   δ² = ‖L⁻¹(x − μ)‖².
///
/// A normal scale mixture: x = μ + L z / √(W/ν) with z ~ N(0, I) and W ~ χ²_ν, which is how
/// it is sampled (`gsl_ran_gaussian_ziggurat` and `gsl_ran_chisq`; GSL has no multivariate-t
/// sampler). Each marginal x_i is a univariate t(ν, μ_i, √Σ_ii).
public struct MultivariateStudentT: Sendable {
    /// ν > 0.
    public let degreesOfFreedom: Double
    /// μ.
    public let location: [Double]
    /// The factor of Σ.
    public let cholesky: Cholesky
    private let logNormaliser: Double

    /// d.
    public var dimension: Int { location.count }
    /// Σ.
    public var scale: Matrix { cholesky.reconstructed }

    /// t_ν(μ, Σ), factorising `scale` (Σ).
    /// - Throws: ``GSLError/Code/domain`` if `degreesOfFreedom ≤ 0` or `scale` is not
    ///   positive definite; ``GSLError/Code/badLength`` if sizes differ;
    ///   ``GSLError/Code/invalidArgument`` for non-finite entries.
    public init(degreesOfFreedom: Double, location: [Double], scale: Matrix) throws {
        let operation = "MultivariateStudentT"
        guard scale.rows == location.count, scale.columns == location.count else {
            throw GSLError(.badLength, operation: operation,
                           reason: "location has \(location.count) entries but scale is \(scale.rows)×\(scale.columns)")
        }
        try requirePositive(degreesOfFreedom, "degreesOfFreedom", operation)
        try self.init(degreesOfFreedom: degreesOfFreedom, location: location, cholesky: Cholesky(scale))
    }

    /// t_ν(μ, L Lᵀ) from a Cholesky factor of Σ computed elsewhere.
    /// - Throws: ``GSLError/Code/domain`` if `degreesOfFreedom ≤ 0`,
    ///   ``GSLError/Code/badLength`` if the sizes differ, ``GSLError/Code/invalidArgument``
    ///   for a non-finite or empty location.
    public init(degreesOfFreedom: Double, location: [Double], cholesky: Cholesky) throws {
        let operation = "MultivariateStudentT"
        try requirePositive(degreesOfFreedom, "degreesOfFreedom", operation)
        guard !location.isEmpty else { throw GSLError.invalid(operation, "location is empty") }
        try validateFinite(location, operation, name: "location")
        guard cholesky.dimension == location.count else {
            throw GSLError(.badLength, operation: operation,
                           reason: "location has \(location.count) entries but the Cholesky factor is \(cholesky.dimension)×\(cholesky.dimension)")
        }
        self.degreesOfFreedom = degreesOfFreedom
        self.location = location
        self.cholesky = cholesky
        let nu = degreesOfFreedom, d = Double(location.count)
        self.logNormaliser = try lnGamma((nu + d) / 2) - lnGamma(nu / 2)
            - d / 2 * log(nu * Double.pi) - 0.5 * cholesky.logDeterminant
    }

    /// μ for ν > 1; NaN entries (undefined) otherwise.
    public var mean: [Double] { degreesOfFreedom > 1 ? location : location.map { _ in .nan } }

    /// ν/(ν − 2) Σ for ν > 2; +∞ entries for 1 < ν ≤ 2; NaN (undefined) for ν ≤ 1.
    public var covariance: Matrix {
        let nu = degreesOfFreedom
        if nu > 2 { return (nu / (nu - 2)) * scale }
        return Matrix(rows: dimension, columns: dimension, repeating: nu > 1 ? .infinity : .nan)
    }

    /// log p(x) = ln Γ((ν+d)/2) − ln Γ(ν/2) − (d/2) ln(νπ) − ½ ln|Σ| − (ν+d)/2 · ln(1 + δ²/ν),
    /// δ² = ‖L⁻¹(x − μ)‖² (one triangular solve, ``Cholesky/solveLower(_:)-([Double])``).
    /// - Throws: ``GSLError/Code/badLength`` for the wrong length,
    ///   ``GSLError/Code/invalidArgument`` for NaN or infinite entries.
    public func logDensity(_ x: [Double]) throws -> Double {
        let operation = "MultivariateStudentT.logDensity"
        try validateLength(x, dimension, operation, name: "x")
        try validateFinite(x, operation, name: "x")
        var r = x
        for i in r.indices { r[i] -= location[i] }
        let z = try cholesky.solveLower(r)
        let delta2 = z.reduce(0) { $0 + $1 * $1 }
        return logNormaliser - (degreesOfFreedom + Double(dimension)) / 2 * log1p(delta2 / degreesOfFreedom)
    }

    /// One draw x = μ + L z √(ν/W): z from `gsl_ran_gaussian_ziggurat`, then W from
    /// `gsl_ran_chisq`.
    public func sample(using stream: RandomStream) -> [Double] {
        var x = [Double](repeating: 0, count: dimension)
        try? sample(using: stream, into: &x)
        return x
    }

    /// One draw into `output`, without allocating.
    /// - Throws: ``GSLError/Code/badLength`` unless `output.count == dimension`.
    public func sample(using stream: RandomStream, into output: inout [Double]) throws {
        let nu = degreesOfFreedom
        try sampleLocationScale(using: stream, location: location, cholesky: cholesky, into: &output,
                                "MultivariateStudentT.sample",
                                normal: { gsl_ran_gaussian_ziggurat($0, 1) },
                                mixing: { (nu / gsl_ran_chisq($0, nu)).squareRoot() })
    }
}
