// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// The BLAS path of ``PointerKernels``, for shapes past the loops' limits: the row-major
/// wrappers of the CGSL shim (`metaprior_dgemm` …), which call OpenBLAS when the build linked
/// it (Package.swift) and GSL's reference CBLAS otherwise, and GSL's Cholesky. Kept apart so
/// tests can compare the two paths on the same shapes. Every dimension must be ≥ 1.
@usableFromInline
enum BLASKernels {
    /// C ← α·op(A)·op(B) + β·C.
    @usableFromInline
    static func multiply(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
                         m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double) {
        prepareGSL()
        metaprior_dgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, b, beta, c)
    }

    /// y ← α·op(A)·x + β·y for row-major A (m×n).
    @usableFromInline
    static func multiply(_ a: UnsafePointer<Double>, vector x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>,
                         rows m: Int, columns n: Int, transpose: Bool, alpha: Double, beta: Double) {
        prepareGSL()
        metaprior_dgemv(transpose ? 1 : 0, Int32(m), Int32(n), alpha, a, x, beta, y)
    }

    /// `gsl_linalg_cholesky_decomp1` in place, upper triangle zeroed; false if not positive definite.
    @usableFromInline
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

    /// B ← L⁻¹·B or L⁻ᵀ·B for the lower-triangular n×n L and the n×m B.
    @usableFromInline
    static func solveLower(_ l: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>, columns m: Int, transpose: Bool) {
        prepareGSL()
        metaprior_dtrsm_lower(transpose ? 1 : 0, Int32(n), Int32(m), l, b)
    }

    /// x ← L⁻¹·x or L⁻ᵀ·x.
    @usableFromInline
    static func solveLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>, transpose: Bool) {
        prepareGSL()
        metaprior_dtrsv_lower(transpose ? 1 : 0, Int32(n), l, x)
    }

    /// x ← L·x.
    @usableFromInline
    static func multiplyLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>) {
        prepareGSL()
        metaprior_dtrmv_lower(Int32(n), l, x)
    }
}

/// GSL's own `gsl_blas_*` calls on views of the caller's buffers — always GSL's reference
/// CBLAS, whatever the build linked — the path `SmallKernels` replaced. Tests check the loops
/// against it bit for bit.
enum GSLReferenceKernels {
    static func multiply(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
                         m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double) {
        prepareGSL()
        var av = transposeA ? gsl_matrix_const_view_array(a, k, m) : gsl_matrix_const_view_array(a, m, k)
        var bv = transposeB ? gsl_matrix_const_view_array(b, n, k) : gsl_matrix_const_view_array(b, k, n)
        var cv = gsl_matrix_view_array(c, m, n)
        _ = gsl_blas_dgemm(transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                           alpha, &av.matrix, &bv.matrix, beta, &cv.matrix)
    }

    static func multiply(_ a: UnsafePointer<Double>, vector x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>,
                         rows m: Int, columns n: Int, transpose: Bool, alpha: Double, beta: Double) {
        prepareGSL()
        var av = gsl_matrix_const_view_array(a, m, n)
        var xv = gsl_vector_const_view_array(x, transpose ? m : n)
        var yv = gsl_vector_view_array(y, transpose ? n : m)
        _ = gsl_blas_dgemv(transpose ? CblasTrans : CblasNoTrans, alpha, &av.matrix, &xv.vector, beta, &yv.vector)
    }

    static func solveLower(_ l: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>, columns m: Int, transpose: Bool) {
        prepareGSL()
        var lv = gsl_matrix_const_view_array(l, n, n)
        var bv = gsl_matrix_view_array(b, n, m)
        _ = gsl_blas_dtrsm(CblasLeft, CblasLower, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit, 1, &lv.matrix, &bv.matrix)
    }

    static func solveLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>, transpose: Bool) {
        prepareGSL()
        var lv = gsl_matrix_const_view_array(l, n, n)
        var xv = gsl_vector_view_array(x, n)
        _ = gsl_blas_dtrsv(CblasLower, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit, &lv.matrix, &xv.vector)
    }

    static func multiplyLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>) {
        prepareGSL()
        var lv = gsl_matrix_const_view_array(l, n, n)
        var xv = gsl_vector_view_array(x, n)
        _ = gsl_blas_dtrmv(CblasLower, CblasNoTrans, CblasNonUnit, &lv.matrix, &xv.vector)
    }
}
