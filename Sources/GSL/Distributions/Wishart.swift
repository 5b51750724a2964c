// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The Wishart distribution W(ν, V) over p×p symmetric positive-definite matrices: the
/// distribution of Σ_{k=1}^{ν} z_k z_kᵀ with z_k ~ N(0, V) when ν is an integer.
///
///     log p(X) = (ν − p − 1)/2 · ln|X| − ½ tr(V⁻¹X) − (νp/2) ln 2 − (ν/2) ln|V| − ln Γ_p(ν/2).
///
/// Needs ν > p − 1 for the density to exist. Sampling: `gsl_ran_wishart` (Bartlett's
/// decomposition, from the Cholesky factor of V); density: the closed form above (GSL 2.7's
/// `gsl_ran_wishart_log_pdf` has a wrong normalising constant, see ``logDensity(_:)``).
/// Mean ν V; entry-wise variance Var(X_ij) = ν (V_ij² + V_ii V_jj).
public struct Wishart: Sendable {
    /// ν > p − 1.
    public let degreesOfFreedom: Double
    /// The factor of V.
    public let cholesky: Cholesky

    /// p.
    public var dimension: Int { cholesky.dimension }
    /// V.
    public var scale: Matrix { cholesky.reconstructed }

    /// W(ν, V), factorising `scale` (V).
    /// - Throws: ``GSLError/Code/domain`` if `degreesOfFreedom ≤ p − 1` or `scale` is not
    ///   positive definite; ``GSLError/Code/invalidArgument`` for non-finite values;
    ///   ``GSLError/Code/notSquare`` if `scale` is not square.
    public init(degreesOfFreedom: Double, scale: Matrix) throws {
        try Wishart.validate(degreesOfFreedom, dimension: scale.rows, "Wishart")
        try self.init(degreesOfFreedom: degreesOfFreedom, cholesky: Cholesky(scale))
    }

    /// W(ν, L Lᵀ) from a Cholesky factor of V computed elsewhere.
    /// - Throws: ``GSLError/Code/domain`` if `degreesOfFreedom ≤ p − 1`,
    ///   ``GSLError/Code/invalidArgument`` if it is not finite.
    public init(degreesOfFreedom: Double, cholesky: Cholesky) throws {
        try Wishart.validate(degreesOfFreedom, dimension: cholesky.dimension, "Wishart")
        self.degreesOfFreedom = degreesOfFreedom
        self.cholesky = cholesky
    }

    static func validate(_ nu: Double, dimension p: Int, _ operation: String) throws {
        try requireFinite(nu, "degreesOfFreedom", operation)
        guard nu > Double(p - 1) else {
            throw GSLError(.domain, operation: operation,
                           reason: "degreesOfFreedom must exceed dimension − 1 = \(p - 1), got \(nu)")
        }
    }

    /// Checks that X is a symmetric, finite `dimension`×`dimension` matrix and factorises it:
    /// the first step of the Wishart and the inverse-Wishart log-density alike.
    /// - Throws: ``GSLError/Code/badLength``/``GSLError/Code/notSquare`` for the wrong shape,
    ///   ``GSLError/Code/invalidArgument`` for non-finite or asymmetric entries,
    ///   ``GSLError/Code/domain`` if X is not positive definite (outside the support).
    static func factorPoint(_ x: Matrix, dimension: Int, _ operation: String) throws -> Cholesky {
        try x.validateSymmetric(operation)
        guard x.rows == dimension else {
            throw GSLError(.badLength, operation: operation,
                           reason: "X is \(x.rows)×\(x.columns), expected \(dimension)×\(dimension)")
        }
        return try Cholesky(x)
    }

    /// ν V.
    public var mean: Matrix { degreesOfFreedom * scale }

    /// Entry-wise variances, Var(X_ij) = ν (V_ij² + V_ii V_jj).
    public var variance: Matrix {
        let v = scale
        var out = Matrix(rows: dimension, columns: dimension)
        for i in 0..<dimension { for j in 0..<dimension {
            out[i, j] = degreesOfFreedom * (v[i, j] * v[i, j] + v[i, i] * v[j, j])
        } }
        return out
    }

    /// log p(X), in closed form: ln|X| from the Cholesky factor of X, and
    /// tr(V⁻¹X) = ‖L_V⁻¹ L_X‖²_F from one triangular solve.
    ///
    /// Not `gsl_ran_wishart_log_pdf`: in GSL 2.7 its multivariate gamma sums
    /// ln Γ((ν − i + 1)/2) for i = 0…p−1 instead of ln Γ((ν − i)/2), so it is wrong by
    /// ln Γ((ν+1)/2) − ln Γ((ν−p+1)/2) (ln 2 for p = 2, ν = 5; SciPy and the textbook formula
    /// agree with each other and with this implementation, see `MultivariateDensityTests`).
    /// - Throws: ``GSLError/Code/badLength``/``GSLError/Code/notSquare`` for the wrong shape,
    ///   ``GSLError/Code/invalidArgument`` for non-finite or asymmetric entries,
    ///   ``GSLError/Code/domain`` if X is not positive definite (outside the support).
    public func logDensity(_ x: Matrix) throws -> Double {
        let lx = try Wishart.factorPoint(x, dimension: dimension, "Wishart.logDensity")
        let trace = try cholesky.traceOfInverse(times: lx)  // tr(V⁻¹ X)
        let nu = degreesOfFreedom, p = Double(dimension)
        return (nu - p - 1) / 2 * lx.logDeterminant - 0.5 * trace
            - nu * p / 2 * log(2.0) - nu / 2 * cholesky.logDeterminant
            - (try lnMultivariateGamma(nu / 2, dimension: dimension))
    }

    /// One draw (`gsl_ran_wishart`; symmetric positive definite with probability one).
    public func sample(using stream: RandomStream) -> Matrix {
        var result = Matrix(rows: dimension, columns: dimension)
        var work = Matrix(rows: dimension, columns: dimension)
        // Parameters were validated at init; gsl_ran_wishart has no other failure mode.
        try? sample(using: stream, into: &result, work: &work)
        return result
    }

    /// One draw into `result`, with caller-owned `work` space (both p×p): no allocation
    /// (`gsl_ran_wishart`).
    /// - Throws: ``GSLError/Code/badLength`` if either matrix is not p×p.
    public func sample(using stream: RandomStream, into result: inout Matrix, work: inout Matrix) throws {
        let operation = "Wishart.sample"
        for (name, m) in [("result", result), ("work", work)] where m.rows != dimension || m.columns != dimension {
            throw GSLError(.badLength, operation: operation,
                           reason: "\(name) is \(m.rows)×\(m.columns), expected \(dimension)×\(dimension)")
        }
        try GSLError.call(operation) {
            stream.withGenerator { rng in
                cholesky.lower.withGSLMatrix { lp in
                    result.withMutableGSLMatrix { rp in
                        work.withMutableGSLMatrix { gsl_ran_wishart(rng, degreesOfFreedom, lp, rp, $0) }
                    }
                }
            }
        }
    }
}
