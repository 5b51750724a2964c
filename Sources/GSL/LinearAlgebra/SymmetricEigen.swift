// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// The eigendecomposition A = V Λ Vᵀ of a real symmetric matrix (GSL `gsl_eigen_symmv`),
/// eigenvalues in ascending order.
public struct SymmetricEigen: Sendable {
    /// Eigenvalues, ascending.
    public let values: [Double]
    /// Eigenvectors as columns, in the order of ``values``.
    public let vectors: Matrix

    /// Decomposes `matrix`.
    /// - Throws: ``GSLError`` for a non-square, asymmetric or non-finite matrix.
    public init(_ matrix: Matrix) throws {
        let operation = "symmetric eigendecomposition"
        try matrix.validateSymmetric(operation)
        let n = matrix.rows
        guard n > 0 else { throw GSLError.invalid(operation, "matrix is empty") }
        prepareGSL()
        guard let workspace = gsl_eigen_symmv_alloc(n) else {
            throw GSLError(.outOfMemory, operation: operation, reason: "cannot allocate workspace")
        }
        defer { gsl_eigen_symmv_free(workspace) }
        var a = matrix
        var values = [Double](repeating: 0, count: n)
        var vectors = Matrix(rows: n, columns: n)
        try GSLError.call(operation) {
            a.withMutableGSLMatrix { ap in
                values.withMutableGSLVector { vp in
                    vectors.withMutableGSLMatrix { ep in
                        let status = gsl_eigen_symmv(ap, vp, ep, workspace)
                        if status != 0 { return status }
                        return gsl_eigen_symmv_sort(vp, ep, GSL_EIGEN_SORT_VAL_ASC)
                    }
                }
            }
        }
        self.values = values
        self.vectors = vectors
    }
}
