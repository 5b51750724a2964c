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
        // gsl_eigen_symmv iterates until off-diagonals are negligible next to the diagonal,
        // with no iteration cap; on entries near overflow (1e308: its rotations overflow to ∞,
        // then NaN) or all subnormal (5e-324: the test never passes) it loops forever. Scale
        // by the power of two at or below the largest |entry| (exact, so results are the same
        // bits as unscaled wherever GSL converged before), so the largest is in [1, 2); flush
        // scaled entries below 1e-280 to zero — a change 264 orders of magnitude below the
        // round-off of the largest entry — so GSL only sees normal numbers; unscale after.
        let largest = matrix.elements.reduce(0) { Swift.max($0, Swift.abs($1)) }
        if largest == 0 {
            // The zero matrix: eigenvalues 0, eigenvectors the identity (what GSL returns).
            self.values = [Double](repeating: 0, count: n)
            self.vectors = Matrix.identity(n)
            return
        }
        let scale = Double(sign: .plus, exponent: largest.exponent, significand: 1)
        var a = try Matrix(rows: n, columns: n, elements: matrix.elements.map { entry in
            let v = entry / scale
            return Swift.abs(v) < 1e-280 ? 0 : v
        })
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
        self.values = values.map { $0 * scale }
        self.vectors = vectors
    }
}
