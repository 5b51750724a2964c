// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Hand-written loops for the small matrices of the per-task loops (``PointerKernels``
/// dispatches here by size).
///
/// Why not BLAS: a fit at d = 3 makes about ten BLAS calls per task per iteration on 3×3
/// matrices, 27 multiply-adds each. Through `gsl_blas_dgemm` each call builds three matrix
/// views, checks their sizes, and enters the reference `cblas_dgemm`, whose general loops
/// (leading dimensions, transposes, α/β branches) cost more than the arithmetic; profiling
/// the d = 3 fit put about 38 % of its time there. These loops are `@inlinable`, so they are
/// compiled into the per-task loops of other modules, and allocate nothing.
///
/// Each loop performs the same floating-point operations in the same order as GSL's reference
/// CBLAS (gsl-2.7 cblas/source_gemm_r.h, source_gemv_r.h, source_trsm_r.h, source_trsv_r.h,
/// source_trmv_r.h, row-major branches), so its results are bit-identical to the GSL path
/// they replace (`PointerKernelTests` checks this on random shapes). That matters beyond
/// reproducibility: fits at the boundary (constant targets: Σ = 0 exactly) rely on exact
/// cancellations, e.g. in b − Aμ accumulated from b. The order is fixed, so results never
/// depend on the thread or chunk that computes them.
@usableFromInline
enum SmallKernels {
    /// C ← α·op(A)·op(B) + β·C, row-major and tightly packed. With β = 0 the old C is not
    /// read (as in BLAS: it may hold anything, even NaN).
    @inlinable @inline(__always)
    static func multiply(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
                         m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double) {
        if beta == 0 {
            for i in 0..<(m * n) { c[i] = 0 }
        } else if beta != 1 {
            for i in 0..<(m * n) { c[i] *= beta }
        }
        if alpha == 0 { return }
        if transposeB {
            // op(A)[i, p] = A[i·k + p] (or A[p·m + i]).
            let (aRow, aStep) = transposeA ? (1, m) : (k, 1)
            // C[i, j] += α·Σ_p op(A)[i, p]·B[j, p], the sum first.
            for i in 0..<m {
                for j in 0..<n {
                    var pa = a + i * aRow
                    let rowB = b + j * k
                    var sum = 0.0
                    for p in 0..<k {
                        sum += pa.pointee * rowB[p]
                        pa += aStep
                    }
                    c[i * n + j] += alpha * sum
                }
            }
        } else if transposeA {
            // For each p, i: t = α·A[p, i]; C[i, ·] += t·B[p, ·] (skipped when t = 0).
            for p in 0..<k {
                let rowA = a + p * m, rowB = b + p * n
                for i in 0..<m {
                    let t = alpha * rowA[i]
                    if t == 0 { continue }
                    let rowC = c + i * n
                    for j in 0..<n { rowC[j] += t * rowB[j] }
                }
            }
        } else {
            // For each i, p: t = α·A[i, p]; C[i, ·] += t·B[p, ·] (skipped when t = 0).
            for i in 0..<m {
                let rowA = a + i * k, rowC = c + i * n
                for p in 0..<k {
                    let t = alpha * rowA[p]
                    if t == 0 { continue }
                    let rowB = b + p * n
                    for j in 0..<n { rowC[j] += t * rowB[j] }
                }
            }
        }
    }

    /// y ← α·op(A)·x + β·y for row-major A (m×n); β = 0 does not read y.
    @inlinable @inline(__always)
    static func multiply(_ a: UnsafePointer<Double>, vector x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>,
                         rows m: Int, columns n: Int, transpose: Bool, alpha: Double, beta: Double) {
        let count = transpose ? n : m
        if beta == 0 {
            for i in 0..<count { y[i] = 0 }
        } else if beta != 1 {
            for i in 0..<count { y[i] *= beta }
        }
        if alpha == 0 { return }
        if transpose {
            // For each row i: t = α·x_i; y += t·A[i, ·] (skipped when t = 0).
            for i in 0..<m {
                let t = alpha * x[i]
                if t == 0 { continue }
                let row = a + i * n
                for j in 0..<n { y[j] += t * row[j] }
            }
        } else {
            for i in 0..<m {
                let row = a + i * n
                var sum = 0.0
                for j in 0..<n { sum += x[j] * row[j] }
                y[i] += alpha * sum
            }
        }
    }

    /// Cholesky on the lower triangle of the n×n `a`, in the order of GSL's unblocked
    /// `cholesky_decomp_L2` (gsl-2.7 linalg/cholesky.c, which `gsl_linalg_cholesky_decomp1`
    /// runs for small n): column j ← (A[j:, j] − A[j:, :j]·A[j, :j]ᵀ) · (1/√pivot), the
    /// diagonal included. L replaces the lower triangle, the strict upper triangle is zeroed.
    /// Returns false (leaving `a` partly overwritten) when a pivot is not positive and finite,
    /// i.e. the matrix is not numerically positive definite.
    @inlinable @inline(__always)
    static func choleskyInPlace(_ a: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        for j in 0..<n {
            let rowJ = a + j * n
            if j > 0 {
                for i in j..<n {
                    let rowI = a + i * n
                    var sum = 0.0
                    for p in 0..<j { sum += rowJ[p] * rowI[p] }
                    rowI[j] += -1 * sum
                }
            }
            let pivot = rowJ[j]
            guard pivot > 0, pivot.isFinite else { return false }
            let scale = 1 / pivot.squareRoot()
            for i in j..<n { a[i * n + j] *= scale }
            for i in (j + 1)..<n { rowJ[i] = 0 }
        }
        return true
    }

    /// B ← L⁻¹·B or L⁻ᵀ·B for the lower-triangular n×n L and the row-major n×m B, in the
    /// order of the reference `dtrsm` (left, lower, non-unit).
    @inlinable @inline(__always)
    static func solveLower(_ l: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>, columns m: Int, transpose: Bool) {
        if transpose {
            // From the last row up: row i ← row i / L[i, i], then row p −= L[i, p]·row i for p < i.
            var i = n - 1
            while i >= 0 {
                let rowI = b + i * m
                let diagonal = l[i * n + i]
                for j in 0..<m { rowI[j] /= diagonal }
                for p in 0..<i {
                    let lip = l[i * n + p]
                    let rowP = b + p * m
                    for j in 0..<m { rowP[j] -= lip * rowI[j] }
                }
                i -= 1
            }
        } else {
            // From the first row down: row i ← row i / L[i, i], then row p −= L[p, i]·row i for p > i.
            for i in 0..<n {
                let rowI = b + i * m
                let diagonal = l[i * n + i]
                for j in 0..<m { rowI[j] /= diagonal }
                for p in (i + 1)..<n {
                    let lpi = l[p * n + i]
                    let rowP = b + p * m
                    for j in 0..<m { rowP[j] -= lpi * rowI[j] }
                }
            }
        }
    }

    /// x ← L⁻¹·x or L⁻ᵀ·x in the order of the reference `dtrsv` (lower, non-unit).
    @inlinable @inline(__always)
    static func solveLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>, transpose: Bool) {
        guard n > 0 else { return }
        if transpose {
            // x_i = (x_i − Σ_{j>i} L[j, i]·x_j) / L[i, i], from the last entry up, j increasing.
            x[n - 1] /= l[(n - 1) * n + (n - 1)]
            var i = n - 2
            while i >= 0 {
                var t = x[i]
                for j in (i + 1)..<n { t -= l[j * n + i] * x[j] }
                x[i] = t / l[i * n + i]
                i -= 1
            }
        } else {
            x[0] /= l[0]
            for i in 1..<n {
                let row = l + i * n
                var t = x[i]
                for j in 0..<i { t -= row[j] * x[j] }
                x[i] = t / row[i]
            }
        }
    }

    /// x ← L·x in the order of the reference `dtrmv` (lower, no transpose, non-unit): from the
    /// last entry up, x_i = Σ_{j<i} L[i, j]·x_j + L[i, i]·x_i (the diagonal term last).
    @inlinable @inline(__always)
    static func multiplyLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>) {
        var i = n - 1
        while i >= 0 {
            let row = l + i * n
            var sum = 0.0
            for j in 0..<i { sum += x[j] * row[j] }
            x[i] = sum + x[i] * row[i]
            i -= 1
        }
    }
}
