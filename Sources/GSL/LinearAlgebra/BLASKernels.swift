// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// The BLAS/GSL path of ``PointerKernels``, for shapes past the loops' limits: GSL's views
/// over the caller's buffers and its `gsl_blas_*` / `gsl_linalg_*` calls, which reach
/// OpenBLAS when the build linked it (see Package.swift). Kept apart so tests can compare
/// the two paths on the same shapes.
enum BLASKernels {
    /// C ← α·op(A)·op(B) + β·C (`gsl_blas_dgemm`); no dimension may be 0.
    static func multiply(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
                         m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double) {
        prepareGSL()
        var av = transposeA ? gsl_matrix_const_view_array(a, k, m) : gsl_matrix_const_view_array(a, m, k)
        var bv = transposeB ? gsl_matrix_const_view_array(b, n, k) : gsl_matrix_const_view_array(b, k, n)
        var cv = gsl_matrix_view_array(c, m, n)
        // Sizes agree by construction, so dgemm cannot fail here.
        _ = gsl_blas_dgemm(transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                           alpha, &av.matrix, &bv.matrix, beta, &cv.matrix)
    }

    /// y ← α·op(A)·x + β·y for row-major A (m×n) (`gsl_blas_dgemv`); m, n ≥ 1.
    static func multiply(_ a: UnsafePointer<Double>, vector x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>,
                         rows m: Int, columns n: Int, transpose: Bool, alpha: Double, beta: Double) {
        prepareGSL()
        var av = gsl_matrix_const_view_array(a, m, n)
        var xv = gsl_vector_const_view_array(x, transpose ? m : n)
        var yv = gsl_vector_view_array(y, transpose ? n : m)
        _ = gsl_blas_dgemv(transpose ? CblasTrans : CblasNoTrans, alpha, &av.matrix, &xv.vector, beta, &yv.vector)
    }

    /// `gsl_linalg_cholesky_decomp1` in place, upper triangle zeroed; false if not positive definite.
    static func choleskyInPlace(_ a: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        prepareGSL()
        var view = gsl_matrix_view_array(a, n, n)
        guard gsl_linalg_cholesky_decomp1(&view.matrix) == 0 else { return false }
        for i in 0..<n {
            guard a[i * n + i] > 0, a[i * n + i].isFinite else { return false }
            for j in (i + 1)..<n { a[i * n + j] = 0 }
        }
        return true
    }

    /// B ← L⁻¹·B or L⁻ᵀ·B (`gsl_blas_dtrsm`) for the n×m B; n, m ≥ 1.
    static func solveLower(_ l: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>, columns m: Int, transpose: Bool) {
        prepareGSL()
        var lv = gsl_matrix_const_view_array(l, n, n)
        var bv = gsl_matrix_view_array(b, n, m)
        _ = gsl_blas_dtrsm(CblasLeft, CblasLower, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit,
                           1, &lv.matrix, &bv.matrix)
    }

    /// x ← L⁻¹·x or L⁻ᵀ·x (`gsl_blas_dtrsv`); n ≥ 1.
    static func solveLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>, transpose: Bool) {
        prepareGSL()
        var lv = gsl_matrix_const_view_array(l, n, n)
        var xv = gsl_vector_view_array(x, n)
        _ = gsl_blas_dtrsv(CblasLower, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit, &lv.matrix, &xv.vector)
    }

    /// x ← L·x (`gsl_blas_dtrmv`); n ≥ 1.
    static func multiplyLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>) {
        prepareGSL()
        var lv = gsl_matrix_const_view_array(l, n, n)
        var xv = gsl_vector_view_array(x, n)
        _ = gsl_blas_dtrmv(CblasLower, CblasNoTrans, CblasNonUnit, &lv.matrix, &xv.vector)
    }
}
