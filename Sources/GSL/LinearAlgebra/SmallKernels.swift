// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Hand-written loops for the small matrices of the per-task loops (``PointerKernels``
/// dispatches here by size).
///
/// Why not BLAS: a fit at d = 3 makes about ten BLAS calls per task per iteration on 3×3
/// matrices, 27 multiply-adds each. Through `gsl_blas_dgemm` each call builds three matrix
/// views, checks their sizes, and enters the reference `cblas_dgemm`, whose general loops
/// (leading dimensions, transposes, α/β branches) cost more than the arithmetic; profiling
/// the d = 3 fit put about 38 % of its time there. These loops are inlined into the caller
/// and allocate nothing.
///
/// Every sum runs over its index in increasing order, one accumulator, no reassociation, so
/// a result depends only on the inputs, never on the thread or the chunk that computes it.
/// The results differ from BLAS's only by rounding (BLAS may sum in another order): a few
/// ulps times the inner dimension (see `PointerKernelTests`).
enum SmallKernels {
    /// C ← α·op(A)·op(B) + β·C, row-major and tightly packed. With β = 0 the old C is not
    /// read (as in BLAS: it may hold anything, even NaN).
    @inline(__always)
    static func multiply(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
                         m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double) {
        // op(A)[i, p] = A[i·k + p] (or A[p·m + i]); op(B)[p, j] = B[p·n + j] (or B[j·k + p]).
        let (aRow, aStep) = transposeA ? (1, m) : (k, 1)
        let (bColumn, bStep) = transposeB ? (k, 1) : (1, n)
        for i in 0..<m {
            for j in 0..<n {
                var pa = a + i * aRow, pb = b + j * bColumn
                var sum = 0.0
                for _ in 0..<k {
                    sum += pa.pointee * pb.pointee
                    pa += aStep
                    pb += bStep
                }
                store(sum, into: c + i * n + j, alpha: alpha, beta: beta)
            }
        }
    }

    /// y ← α·op(A)·x + β·y for row-major A (m×n); β = 0 does not read y.
    @inline(__always)
    static func multiply(_ a: UnsafePointer<Double>, vector x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>,
                         rows m: Int, columns n: Int, transpose: Bool, alpha: Double, beta: Double) {
        if transpose {
            for j in 0..<n {
                var pa = a + j
                var sum = 0.0
                for i in 0..<m {
                    sum += pa.pointee * x[i]
                    pa += n
                }
                store(sum, into: y + j, alpha: alpha, beta: beta)
            }
        } else {
            for i in 0..<m {
                let row = a + i * n
                var sum = 0.0
                for j in 0..<n { sum += row[j] * x[j] }
                store(sum, into: y + i, alpha: alpha, beta: beta)
            }
        }
    }

    @inline(__always)
    private static func store(_ sum: Double, into c: UnsafeMutablePointer<Double>, alpha: Double, beta: Double) {
        let scaled = alpha == 1 ? sum : alpha * sum
        c.pointee = beta == 0 ? scaled : (beta == 1 ? c.pointee + scaled : beta * c.pointee + scaled)
    }

    /// Cholesky–Crout on the lower triangle of the n×n `a`: L replaces it, the strict upper
    /// triangle is zeroed. Returns false (leaving `a` partly overwritten) when a pivot is not
    /// positive and finite, i.e. the matrix is not numerically positive definite.
    @inline(__always)
    static func choleskyInPlace(_ a: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        for j in 0..<n {
            let rowJ = a + j * n
            var s = rowJ[j]
            for p in 0..<j { s -= rowJ[p] * rowJ[p] }
            guard s > 0, s.isFinite else { return false }
            let pivot = s.squareRoot()
            rowJ[j] = pivot
            for i in (j + 1)..<n {
                let rowI = a + i * n
                var t = rowI[j]
                for p in 0..<j { t -= rowI[p] * rowJ[p] }
                rowI[j] = t / pivot
            }
            for i in (j + 1)..<n { rowJ[i] = 0 }
        }
        return true
    }

    /// B ← L⁻¹·B (forward substitution) or L⁻ᵀ·B (back substitution) for the lower-triangular
    /// n×n L and the row-major n×m B; m = 1 is the vector case.
    @inline(__always)
    static func solveLower(_ l: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>, columns m: Int, transpose: Bool) {
        if transpose {
            // Lᵀ x = b: x_i = (b_i − Σ_{p>i} L[p, i] x_p) / L[i, i], from the last row up.
            var i = n - 1
            while i >= 0 {
                let rowI = b + i * m
                let diagonal = l[i * n + i]
                for j in 0..<m {
                    var t = rowI[j]
                    for p in (i + 1)..<n { t -= l[p * n + i] * b[p * m + j] }
                    rowI[j] = t / diagonal
                }
                i -= 1
            }
        } else {
            for i in 0..<n {
                let rowI = b + i * m
                let rowL = l + i * n
                let diagonal = rowL[i]
                for j in 0..<m {
                    var t = rowI[j]
                    for p in 0..<i { t -= rowL[p] * b[p * m + j] }
                    rowI[j] = t / diagonal
                }
            }
        }
    }

    /// x ← L·x for the lower-triangular n×n L (from the last entry up, so each x_p with
    /// p ≤ i is still the old value when x_i is formed).
    @inline(__always)
    static func multiplyLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>) {
        var i = n - 1
        while i >= 0 {
            let row = l + i * n
            var sum = 0.0
            for p in 0...i { sum += row[p] * x[p] }
            x[i] = sum
            i -= 1
        }
    }
}
