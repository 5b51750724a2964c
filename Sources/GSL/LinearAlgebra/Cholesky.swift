// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// What to do when a matrix handed to ``Cholesky`` is not numerically positive definite.
public enum JitterPolicy: Sendable, Equatable {
    /// Throw ``GSLError/Code/domain``. The default: never a silent change.
    case none
    /// Add ε·I with ε = 1e-10·mean(diag), ×10 each try, up to `maximum`, and report ε in
    /// ``Cholesky/jitter``. For callers that can explain the change to the user.
    case allowed(maximum: Double)
}

/// The Cholesky factorisation A = L Lᵀ of a symmetric positive-definite matrix (GSL
/// `gsl_linalg_cholesky_decomp1`), with solves, inverse and log-determinant.
public struct Cholesky: Sendable {
    /// The lower-triangular factor L (entries above the diagonal are zero).
    public let lower: Matrix
    /// The ε added to the diagonal before factorising; 0 unless ``JitterPolicy/allowed(maximum:)``
    /// was needed.
    public let jitter: Double

    /// Dimension of the factored matrix.
    public var dimension: Int { lower.rows }

    /// Factorises `matrix`.
    /// - Throws: ``GSLError/Code/domain`` if it is not positive definite (after any jitter
    ///   allowed), ``GSLError/Code/invalidArgument`` for NaN/infinite or asymmetric entries,
    ///   ``GSLError/Code/notSquare`` if it is not square.
    public init(_ matrix: Matrix, jitter policy: JitterPolicy = .none) throws {
        let operation = "Cholesky factorisation"
        try matrix.validateSymmetric(operation)
        guard matrix.rows > 0 else { throw GSLError.invalid(operation, "matrix is empty") }
        if let factor = try? Cholesky.factor(matrix) {
            self.lower = factor
            self.jitter = 0
            return
        }
        guard case .allowed(let maximum) = policy else {
            throw GSLError(.domain, operation: operation, reason: "matrix is not positive definite")
        }
        let meanDiagonal = Swift.max(matrix.trace / Double(matrix.rows), Double.leastNormalMagnitude)
        var epsilon = 1e-10 * Swift.abs(meanDiagonal)
        while epsilon <= maximum {
            var shifted = matrix
            for i in 0..<shifted.rows { shifted[i, i] += epsilon }
            if let factor = try? Cholesky.factor(shifted) {
                self.lower = factor
                self.jitter = epsilon
                return
            }
            epsilon *= 10
        }
        throw GSLError(.domain, operation: operation,
                       reason: "matrix is not positive definite, even with jitter up to \(maximum) on the diagonal")
    }

    private static func factor(_ matrix: Matrix) throws -> Matrix {
        var a = matrix
        try GSLError.call("Cholesky factorisation", reason: "matrix is not positive definite") {
            a.withMutableGSLMatrix { gsl_linalg_cholesky_decomp1($0) }
        }
        for i in 0..<a.rows { for j in (i + 1)..<Swift.max(i + 1, a.columns) { a[i, j] = 0 } }
        // GSL can return success on a matrix whose pivots underflow; a zero pivot is singular.
        for i in 0..<a.rows where !(a[i, i] > 0) || !a[i, i].isFinite {
            throw GSLError(.domain, operation: "Cholesky factorisation", reason: "matrix is not positive definite")
        }
        return a
    }

    /// log |A| = 2 Σ_i log L_ii (no determinant is formed, so it cannot overflow).
    public var logDeterminant: Double {
        var sum = 0.0
        for i in 0..<dimension { sum += log(lower[i, i]) }
        return 2 * sum
    }

    /// Solves A x = b: L y = b, then Lᵀ x = y (two `gsl_blas_dtrsv` calls).
    /// - Throws: ``GSLError/Code/badLength`` if `b` does not have ``dimension`` entries,
    ///   ``GSLError/Code/invalidArgument`` for NaN or infinite entries.
    public func solve(_ b: [Double]) throws -> [Double] {
        try solveUpper(solveLower(b))
    }

    /// Solves A X = B for every column of B at once (two `gsl_blas_dtrsm` calls).
    /// - Throws: ``GSLError/Code/badLength`` if B does not have ``dimension`` rows.
    public func solve(_ b: Matrix) throws -> Matrix {
        guard b.rows == dimension else {
            throw GSLError(.badLength, operation: "Cholesky solve",
                           reason: "right-hand side has \(b.rows) rows, expected \(dimension)")
        }
        var x = b
        try GSLError.call("Cholesky solve") {
            x.withMutableGSLMatrix { xp in
                lower.withGSLMatrix { lp in
                    let s1 = gsl_blas_dtrsm(CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, 1, lp, xp)
                    if s1 != 0 { return s1 }
                    return gsl_blas_dtrsm(CblasLeft, CblasLower, CblasTrans, CblasNonUnit, 1, lp, xp)
                }
            }
        }
        return x
    }

    /// L⁻¹ B for a matrix B with ``dimension`` rows (`gsl_blas_dtrsm`, every column at once).
    /// - Throws: ``GSLError/Code/badLength`` if B does not have ``dimension`` rows.
    public func solveLower(_ b: Matrix) throws -> Matrix {
        guard b.rows == dimension else {
            throw GSLError(.badLength, operation: "triangular solve",
                           reason: "right-hand side has \(b.rows) rows, expected \(dimension)")
        }
        var x = b
        try GSLError.call("triangular solve") {
            x.withMutableGSLMatrix { xp in
                lower.withGSLMatrix { gsl_blas_dtrsm(CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, 1, $0, xp) }
            }
        }
        return x
    }

    /// tr(A⁻¹ B) for another symmetric positive-definite B = M Mᵀ, given by its factor:
    ///
    ///     tr(A⁻¹ B) = tr(L⁻ᵀ L⁻¹ M Mᵀ) = ‖L⁻¹ M‖²_F,
    ///
    /// one triangular solve (``solveLower(_:)-(Matrix)``) and a sum of squares, with no inverse
    /// formed. The trace term of the Wishart and inverse-Wishart log-densities.
    /// - Throws: ``GSLError/Code/badLength`` if the dimensions differ.
    func traceOfInverse(times b: Cholesky) throws -> Double {
        let m = try solveLower(b.lower)
        return m.elements.reduce(0) { $0 + $1 * $1 }
    }

    /// Solves L x = b by forward substitution (`gsl_blas_dtrsv`).
    /// - Throws: ``GSLError/Code/badLength`` for the wrong length,
    ///   ``GSLError/Code/invalidArgument`` for NaN or infinite entries.
    public func solveLower(_ b: [Double]) throws -> [Double] {
        try triangularSolve(b, transpose: false)
    }

    /// Solves Lᵀ x = b by back substitution (`gsl_blas_dtrsv`, transposed).
    /// - Throws: ``GSLError/Code/badLength`` for the wrong length,
    ///   ``GSLError/Code/invalidArgument`` for NaN or infinite entries.
    public func solveUpper(_ b: [Double]) throws -> [Double] {
        try triangularSolve(b, transpose: true)
    }

    private func triangularSolve(_ b: [Double], transpose: Bool) throws -> [Double] {
        let operation = "triangular solve"
        try validateLength(b, dimension, operation, name: "right-hand side")
        try validateFinite(b, operation, name: "right-hand side")
        var x = b
        try GSLError.call(operation) {
            x.withMutableGSLVector { xp in
                lower.withGSLMatrix { lp in
                    gsl_blas_dtrsv(CblasLower, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit, lp, xp)
                }
            }
        }
        return x
    }

    /// L z (`gsl_blas_dtrmv`): maps standard-normal draws z to draws with covariance A.
    /// - Throws: ``GSLError/Code/badLength`` if `z` does not have ``dimension`` entries.
    public func multiplyLower(_ z: [Double]) throws -> [Double] {
        try validateLength(z, dimension, "triangular product")
        var x = z
        try GSLError.call("triangular product") {
            x.withMutableGSLVector { xp in
                lower.withGSLMatrix { lp in gsl_blas_dtrmv(CblasLower, CblasNoTrans, CblasNonUnit, lp, xp) }
            }
        }
        return x
    }

    /// A⁻¹ = L⁻ᵀ L⁻¹ (GSL `gsl_linalg_cholesky_invert`). Prefer ``solve(_:)-([Double])``
    /// where a product with A⁻¹ is all that is needed.
    /// - Throws: a ``GSLError`` if GSL reports a failure (none is expected for a valid factor).
    public func inverse() throws -> Matrix {
        var a = lower
        // gsl_linalg_cholesky_invert reads L from the lower triangle and writes the full inverse.
        try GSLError.call("Cholesky inverse") { a.withMutableGSLMatrix { gsl_linalg_cholesky_invert($0) } }
        return a
    }

    /// The factored matrix, L Lᵀ (including any jitter).
    public var reconstructed: Matrix {
        (try? lower.multiplied(by: lower, transposeRight: true)) ?? lower
    }
}
