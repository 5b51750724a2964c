// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

extension Matrix {
    /// The product op(self) · op(right) through GSL's BLAS (`gsl_blas_dgemm`).
    /// - Throws: ``GSLError/Code/badLength`` if the inner dimensions differ.
    public func multiplied(by right: Matrix, transposeLeft: Bool = false,
                           transposeRight: Bool = false) throws -> Matrix {
        let (m, k) = transposeLeft ? (columns, rows) : (rows, columns)
        let (k2, n) = transposeRight ? (right.columns, right.rows) : (right.rows, right.columns)
        guard k == k2 else {
            throw GSLError(.badLength, operation: "matrix product",
                           reason: "inner dimensions differ (\(k) and \(k2))")
        }
        var result = Matrix(rows: m, columns: n)
        guard m > 0, n > 0, k > 0 else { return result }
        try GSLError.call("matrix product") {
            result.withMutableGSLMatrix { cp in
                withGSLMatrix { ap in
                    right.withGSLMatrix { bp in
                        gsl_blas_dgemm(transposeLeft ? CblasTrans : CblasNoTrans,
                                       transposeRight ? CblasTrans : CblasNoTrans, 1, ap, bp, 0, cp)
                    }
                }
            }
        }
        return result
    }

    /// The product self · x (or selfᵀ · x) through GSL's BLAS (`gsl_blas_dgemv`).
    /// - Throws: ``GSLError/Code/badLength`` if `x` does not match the (transposed) columns.
    public func multiplied(by x: [Double], transpose: Bool = false) throws -> [Double] {
        let (m, k) = transpose ? (columns, rows) : (rows, columns)
        try validateLength(x, k, "matrix-vector product")
        var y = [Double](repeating: 0, count: m)
        guard m > 0, k > 0 else { return y }
        try GSLError.call("matrix-vector product") {
            y.withMutableGSLVector { yp in
                withGSLMatrix { ap in
                    x.withGSLVector { xp in gsl_blas_dgemv(transpose ? CblasTrans : CblasNoTrans, 1, ap, xp, 0, yp) }
                }
            }
        }
        return y
    }

    /// The entry-wise sum.
    ///
    /// - Precondition: both matrices have the same size.
    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "matrix sizes differ")
        var out = lhs
        for i in out.elements.indices { out.storage[i] += rhs.elements[i] }
        return out
    }

    /// The entry-wise difference.
    ///
    /// - Precondition: both matrices have the same size.
    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "matrix sizes differ")
        var out = lhs
        for i in out.elements.indices { out.storage[i] -= rhs.elements[i] }
        return out
    }

    /// The scalar multiple, every entry times `scalar`.
    public static func * (scalar: Double, matrix: Matrix) -> Matrix {
        var out = matrix
        for i in out.elements.indices { out.storage[i] *= scalar }
        return out
    }
}
