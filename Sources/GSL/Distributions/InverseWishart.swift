// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The inverse-Wishart distribution IW(ν, Ψ) over p×p symmetric positive-definite matrices:
/// X ~ IW(ν, Ψ) exactly when X⁻¹ ~ W(ν, Ψ⁻¹).
///
///     log p(X) = (ν/2) ln|Ψ| − (νp/2) ln 2 − ln Γ_p(ν/2) − (ν + p + 1)/2 · ln|X| − ½ tr(Ψ X⁻¹).
///
/// The conjugate prior of a normal covariance. GSL has no inverse-Wishart routines, so
/// sampling inverts a `gsl_ran_wishart` draw with scale Ψ⁻¹ (through its Cholesky factor) and
/// the density is the closed form above, with ln|·| from Cholesky factors and
/// tr(Ψ X⁻¹) = ‖L_X⁻¹ L_Ψ‖²_F from one triangular solve.
public struct InverseWishart: Sendable {
    /// ν > p − 1.
    public let degreesOfFreedom: Double
    /// The factor of Ψ.
    public let cholesky: Cholesky
    /// W(ν, Ψ⁻¹), the distribution of X⁻¹, used for sampling.
    private let inverseWishart: Wishart
    private let logNormaliser: Double

    /// p.
    public var dimension: Int { cholesky.dimension }
    /// Ψ.
    public var scale: Matrix { cholesky.reconstructed }

    /// IW(ν, Ψ), factorising `scale` (Ψ) and, for sampling, Ψ⁻¹.
    /// - Throws: ``GSLError/Code/domain`` if `degreesOfFreedom ≤ p − 1` or `scale` is not
    ///   positive definite; ``GSLError/Code/invalidArgument`` for non-finite values;
    ///   ``GSLError/Code/notSquare`` if `scale` is not square.
    public init(degreesOfFreedom: Double, scale: Matrix) throws {
        let operation = "InverseWishart"
        try Wishart.validate(degreesOfFreedom, dimension: scale.rows, operation)
        let factor = try Cholesky(scale)
        self.degreesOfFreedom = degreesOfFreedom
        self.cholesky = factor
        self.inverseWishart = try Wishart(degreesOfFreedom: degreesOfFreedom, scale: symmetrised(factor.inverse()))
        let nu = degreesOfFreedom, p = Double(factor.dimension)
        self.logNormaliser = nu / 2 * factor.logDeterminant - nu * p / 2 * log(2.0)
            - (try lnMultivariateGamma(nu / 2, dimension: factor.dimension))
    }

    /// Ψ/(ν − p − 1) for ν > p + 1, else +∞ entries.
    public var mean: Matrix {
        let k = degreesOfFreedom - Double(dimension) - 1
        guard k > 0 else { return Matrix(rows: dimension, columns: dimension, repeating: .infinity) }
        return (1 / k) * scale
    }

    /// Entry-wise variances for ν > p + 3 (else +∞):
    /// Var(X_ij) = [(ν − p + 1) Ψ_ij² + (ν − p − 1) Ψ_ii Ψ_jj] / [(ν − p)(ν − p − 1)²(ν − p − 3)].
    public var variance: Matrix {
        let nu = degreesOfFreedom, p = Double(dimension)
        guard nu > p + 3 else { return Matrix(rows: dimension, columns: dimension, repeating: .infinity) }
        let psi = scale
        let denominator = (nu - p) * (nu - p - 1) * (nu - p - 1) * (nu - p - 3)
        var out = Matrix(rows: dimension, columns: dimension)
        for i in 0..<dimension { for j in 0..<dimension {
            out[i, j] = ((nu - p + 1) * psi[i, j] * psi[i, j] + (nu - p - 1) * psi[i, i] * psi[j, j]) / denominator
        } }
        return out
    }

    /// log p(X) = (ν/2) ln|Ψ| − (νp/2) ln 2 − ln Γ_p(ν/2) − (ν + p + 1)/2 · ln|X| − ½ tr(Ψ X⁻¹),
    /// with tr(Ψ X⁻¹) = ‖L_X⁻¹ L_Ψ‖²_F from one triangular solve.
    /// - Throws: ``GSLError/Code/badLength``/``GSLError/Code/notSquare`` for the wrong shape,
    ///   ``GSLError/Code/invalidArgument`` for non-finite or asymmetric entries,
    ///   ``GSLError/Code/domain`` if X is not positive definite (outside the support).
    public func logDensity(_ x: Matrix) throws -> Double {
        let lx = try Wishart.factorPoint(x, dimension: dimension, "InverseWishart.logDensity")
        let trace = try lx.traceOfInverse(times: cholesky)  // tr(X⁻¹ Ψ) = tr(Ψ X⁻¹)
        let p = Double(dimension)
        return logNormaliser - (degreesOfFreedom + p + 1) / 2 * lx.logDeterminant - 0.5 * trace
    }

    /// One draw: the inverse of a W(ν, Ψ⁻¹) draw.
    public func sample(using stream: RandomStream) -> Matrix {
        let w = inverseWishart.sample(using: stream)
        // A Wishart draw with ν > p − 1 is positive definite with probability one; should
        // round-off defeat that, fall back to the LU inverse.
        if let inverse = try? Cholesky(w).inverse() { return symmetrised(inverse) }
        // (Unreachable in practice: a NaN matrix rather than a silently wrong one.)
        return (try? LUDecomposition(w).inverse()).map(symmetrised)
            ?? Matrix(rows: dimension, columns: dimension, repeating: .nan)
    }
}

/// (A + Aᵀ)/2: removes round-off asymmetry so that the result passes symmetric validation.
func symmetrised(_ a: Matrix) -> Matrix {
    var out = a
    for i in 0..<a.rows { for j in (i + 1)..<Swift.max(i + 1, a.columns) {
        let m = 0.5 * (a[i, j] + a[j, i])
        out[i, j] = m
        out[j, i] = m
    } }
    return out
}
