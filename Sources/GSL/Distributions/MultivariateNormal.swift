// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The multivariate normal N(μ, Σ) in d dimensions, held through the Cholesky factor
/// Σ = L Lᵀ:
///
///     log p(x) = −(d/2) ln(2π) − ½ ln|Σ| − ½ ‖L⁻¹(x − μ)‖²,   ln|Σ| = 2 Σ ln L_ii.
///
/// Why Cholesky: it is the cheapest factorisation that both checks positive definiteness and
/// gives the two things needed — triangular solves for the density and x = μ + L z for
/// sampling — without ever forming Σ⁻¹. Density: `gsl_ran_multivariate_gaussian_log_pdf`;
/// sampling: the draws of `gsl_ran_multivariate_gaussian`, bit for bit (through the path it
/// shares with ``MultivariateStudentT``).
public struct MultivariateNormal: Sendable {
    /// μ.
    public let mean: [Double]
    /// The factor of Σ.
    public let cholesky: Cholesky

    /// d.
    public var dimension: Int { mean.count }
    /// Σ = L Lᵀ.
    public var covariance: Matrix { cholesky.reconstructed }

    /// N(μ, Σ), factorising `covariance` (with jitter on its diagonal only if `policy` allows).
    /// - Throws: as ``Cholesky/init(_:jitter:)`` (``GSLError/Code/domain`` if not positive
    ///   definite, ``GSLError/Code/notSquare``, ``GSLError/Code/invalidArgument`` for NaN or
    ///   asymmetry); ``GSLError/Code/badLength`` if the sizes of `mean` and `covariance`
    ///   differ; ``GSLError/Code/invalidArgument`` for a non-finite mean.
    public init(mean: [Double], covariance: Matrix, jitter policy: JitterPolicy = .none) throws {
        let operation = "MultivariateNormal"
        try validateFinite(mean, operation, name: "mean")
        guard covariance.rows == mean.count, covariance.columns == mean.count else {
            throw GSLError(.badLength, operation: operation,
                           reason: "mean has \(mean.count) entries but covariance is \(covariance.rows)×\(covariance.columns)")
        }
        try self.init(mean: mean, cholesky: Cholesky(covariance, jitter: policy))
    }

    /// N(μ, L Lᵀ) from a Cholesky factor computed elsewhere (to share one factorisation).
    /// - Throws: ``GSLError/Code/badLength`` if the sizes differ,
    ///   ``GSLError/Code/invalidArgument`` for a non-finite or empty mean.
    public init(mean: [Double], cholesky: Cholesky) throws {
        let operation = "MultivariateNormal"
        guard !mean.isEmpty else { throw GSLError.invalid(operation, "mean is empty") }
        try validateFinite(mean, operation, name: "mean")
        guard cholesky.dimension == mean.count else {
            throw GSLError(.badLength, operation: operation,
                           reason: "mean has \(mean.count) entries but the Cholesky factor is \(cholesky.dimension)×\(cholesky.dimension)")
        }
        self.mean = mean
        self.cholesky = cholesky
    }

    /// log p(x) = −(d/2) ln(2π) − ½ ln|Σ| − ½ ‖L⁻¹(x − μ)‖² (`gsl_ran_multivariate_gaussian_log_pdf`).
    /// - Throws: ``GSLError/Code/badLength`` if `x` has the wrong length,
    ///   ``GSLError/Code/invalidArgument`` if it has NaN or infinite entries.
    public func logDensity(_ x: [Double]) throws -> Double {
        let operation = "MultivariateNormal.logDensity"
        try validateLength(x, dimension, operation, name: "x")
        try validateFinite(x, operation, name: "x")
        var work = [Double](repeating: 0, count: dimension)
        var result = 0.0
        try GSLError.call(operation) {
            x.withGSLVector { xp in
                mean.withGSLVector { mp in
                    cholesky.lower.withGSLMatrix { lp in
                        work.withMutableGSLVector { gsl_ran_multivariate_gaussian_log_pdf(xp, mp, lp, &result, $0) }
                    }
                }
            }
        }
        return result
    }

    /// One draw x = μ + L z, z ~ N(0, I) (z from `gsl_ran_ugaussian`, as
    /// `gsl_ran_multivariate_gaussian` draws it).
    public func sample(using stream: RandomStream) -> [Double] {
        var x = [Double](repeating: 0, count: dimension)
        // The length is right by construction, so this cannot throw.
        try? sample(using: stream, into: &x)
        return x
    }

    /// One draw written into `output`, without allocating: for loops over many draws,
    /// reuse one buffer.
    /// - Throws: ``GSLError/Code/badLength`` unless `output.count == dimension`.
    public func sample(using stream: RandomStream, into output: inout [Double]) throws {
        try sampleLocationScale(using: stream, location: mean, cholesky: cholesky, into: &output,
                                "MultivariateNormal.sample",
                                normal: { gsl_ran_ugaussian($0) }, mixing: { _ in 1 })
    }

    /// `count` draws as the rows of a `count × d` matrix, the same draws as `count` calls of
    /// ``sample(using:)``.
    /// - Throws: ``GSLError/Code/invalidArgument`` if `count` is negative.
    public func samples(_ count: Int, using stream: RandomStream) throws -> Matrix {
        guard count >= 0 else {
            throw GSLError.invalid("MultivariateNormal.samples", "count must be non-negative, got \(count)")
        }
        let d = dimension
        var buffer = [Double](repeating: 0, count: d)
        var out = [Double](repeating: 0, count: count * d)
        for row in 0..<count {
            try sample(using: stream, into: &buffer)
            out.withUnsafeMutableBufferPointer { o in
                for j in 0..<d { o[row * d + j] = buffer[j] }
            }
        }
        return try Matrix(rows: count, columns: d, elements: out)
    }
}
