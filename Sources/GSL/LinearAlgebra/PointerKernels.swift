// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// Allocation-free GSL linear algebra on caller-owned, row-major buffers.
///
/// The per-task loops of a prior fit run these on d×d matrices (d is often 2–20) hundreds of
/// thousands of times per iteration; going through ``Matrix`` there would allocate on every
/// call. Callers keep a scratch workspace per thread and pass pointers that stay valid for
/// the call only (nothing here stores them).
package enum PointerKernels {
    /// C ← α·op(A)·op(B) + β·C for row-major A (m×k after op), B (k×n after op), C (m×n),
    /// each tightly packed (`gsl_blas_dgemm`).
    @inline(__always)
    package static func multiply(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                into c: UnsafeMutablePointer<Double>,
                                m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
                                alpha: Double = 1, beta: Double = 0) {
        prepareGSL()
        var av = transposeA ? gsl_matrix_const_view_array(a, k, m) : gsl_matrix_const_view_array(a, m, k)
        var bv = transposeB ? gsl_matrix_const_view_array(b, n, k) : gsl_matrix_const_view_array(b, k, n)
        var cv = gsl_matrix_view_array(c, m, n)
        // Sizes agree by construction, so dgemm cannot fail here.
        _ = gsl_blas_dgemm(transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                           alpha, &av.matrix, &bv.matrix, beta, &cv.matrix)
    }

    /// y ← α·op(A)·x + β·y for row-major A (m×n) (`gsl_blas_dgemv`).
    @inline(__always)
    package static func multiply(_ a: UnsafePointer<Double>, vector x: UnsafePointer<Double>,
                                into y: UnsafeMutablePointer<Double>, rows m: Int, columns n: Int,
                                transpose: Bool = false, alpha: Double = 1, beta: Double = 0) {
        prepareGSL()
        var av = gsl_matrix_const_view_array(a, m, n)
        var xv = gsl_vector_const_view_array(x, transpose ? m : n)
        var yv = gsl_vector_view_array(y, transpose ? n : m)
        _ = gsl_blas_dgemv(transpose ? CblasTrans : CblasNoTrans, alpha, &av.matrix, &xv.vector, beta, &yv.vector)
    }

    /// Factorises the symmetric positive-definite n×n matrix in `a` in place: its lower
    /// triangle becomes L with A = L Lᵀ, its upper triangle is zeroed.
    /// - Throws: ``GSLError/Code/domain`` if it is not positive definite.
    package static func choleskyInPlace(_ a: UnsafeMutablePointer<Double>, n: Int) throws {
        var view = gsl_matrix_view_array(a, n, n)
        try GSLError.call("Cholesky factorisation", reason: "matrix is not positive definite") {
            gsl_linalg_cholesky_decomp1(&view.matrix)
        }
        for i in 0..<n {
            guard a[i * n + i] > 0, a[i * n + i].isFinite else {
                throw GSLError(.domain, operation: "Cholesky factorisation", reason: "matrix is not positive definite")
            }
            for j in (i + 1)..<n { a[i * n + j] = 0 }
        }
    }

    /// B ← L⁻¹·B (or L⁻ᵀ·B) for the lower-triangular n×n L and the n×m matrix B (`gsl_blas_dtrsm`).
    @inline(__always)
    package static func solveLower(_ l: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>,
                                  columns m: Int, transpose: Bool = false) {
        prepareGSL()
        var lv = gsl_matrix_const_view_array(l, n, n)
        var bv = gsl_matrix_view_array(b, n, m)
        _ = gsl_blas_dtrsm(CblasLeft, CblasLower, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit,
                           1, &lv.matrix, &bv.matrix)
    }

    /// x ← L⁻¹·x (or L⁻ᵀ·x) for the lower-triangular n×n L (`gsl_blas_dtrsv`).
    @inline(__always)
    package static func solveLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>,
                                  transpose: Bool = false) {
        prepareGSL()
        var lv = gsl_matrix_const_view_array(l, n, n)
        var xv = gsl_vector_view_array(x, n)
        _ = gsl_blas_dtrsv(CblasLower, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit, &lv.matrix, &xv.vector)
    }

    /// x ← L·x for the lower-triangular n×n L (`gsl_blas_dtrmv`).
    @inline(__always)
    package static func multiplyLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>) {
        prepareGSL()
        var lv = gsl_matrix_const_view_array(l, n, n)
        var xv = gsl_vector_view_array(x, n)
        _ = gsl_blas_dtrmv(CblasLower, CblasNoTrans, CblasNonUnit, &lv.matrix, &xv.vector)
    }

    /// log|A| from its Cholesky factor: 2 Σ log L_ii.
    @inline(__always)
    package static func logDeterminant(cholesky l: UnsafePointer<Double>, n: Int) -> Double {
        var sum = 0.0
        for i in 0..<n { sum += log(l[i * n + i]) }
        return 2 * sum
    }
}
