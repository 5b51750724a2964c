// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// Allocation-free linear algebra on caller-owned, row-major, tightly packed buffers.
///
/// The per-task loops of a prior fit run these on small matrices (d often 2–20, rectangular
/// shapes up to d) hundreds of thousands of times per iteration; going through ``Matrix``
/// there would allocate on every call. Callers keep a scratch workspace per thread and pass
/// pointers that stay valid for the call only (nothing here stores them).
///
/// Each kernel picks its path by size, so callers never choose: small shapes run the inlined
/// loops of `SmallKernels` (there a BLAS call costs more than its arithmetic), larger ones
/// `BLASKernels` — OpenBLAS where the build found it (Package.swift), GSL's reference CBLAS
/// otherwise (GSL's own routines always use the latter; see Sources/CGSL/shim.h). The limits
/// were measured on this project's 2-core x86-64 machine with OpenBLAS
/// 0.3.21 and GSL 2.7.1 (Benchmarks/README.md, "Per-task kernels").
package enum PointerKernels {
    /// Products with m·n·k at most this many multiply-adds use the loops. Measured a call
    /// (`scripts/bench-kernels`): against OpenBLAS the loops win up to about 6×6×6 (5×5×5:
    /// 47 ns against 75 ns; 8×8×8: 112 ns against 87 ns); against GSL's reference CBLAS they
    /// win by 1.2–1.8× at every size measured (3³ to 65³) and give the same bits, so the
    /// limit there only bounds the loops to the sizes of per-task work.
    @usableFromInline
    static let loopProductWork = blasIsOptimised ? 216 : 32 * 32 * 32
    /// Triangular solves of order at most this use the loops (they cost a fraction of the
    /// products; the matrix form also needs n²m ≤ 2 × the product limit).
    @usableFromInline
    static let loopTriangularOrder = 32
    /// Cholesky factors of order at most this use the loops: the order up to which GSL's
    /// `gsl_linalg_cholesky_decomp1` runs its unblocked algorithm, which the loops reproduce
    /// bit for bit (past it GSL recurses into blocks; found by `PointerKernelTests`).
    @usableFromInline
    static let loopCholeskyOrder = 24
    /// Whether the build linked an optimised BLAS (OpenBLAS) rather than GSL's reference one.
    package static let blasIsOptimised = metaprior_blas_is_optimised() != 0

    /// C ← α·op(A)·op(B) + β·C for row-major A (m×k after op), B (k×n after op), C (m×n),
    /// each tightly packed. With β = 0 the old C is not read.
    @inlinable @inline(__always)
    package static func multiply(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                into c: UnsafeMutablePointer<Double>,
                                m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
                                alpha: Double = 1, beta: Double = 0) {
        if m * n * k <= loopProductWork {
            SmallKernels.multiply(a, b, into: c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                  alpha: alpha, beta: beta)
        } else {
            BLASKernels.multiply(a, b, into: c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                 alpha: alpha, beta: beta)
        }
    }

    /// y ← α·op(A)·x + β·y for row-major A (m×n). With β = 0 the old y is not read.
    @inlinable @inline(__always)
    package static func multiply(_ a: UnsafePointer<Double>, vector x: UnsafePointer<Double>,
                                into y: UnsafeMutablePointer<Double>, rows m: Int, columns n: Int,
                                transpose: Bool = false, alpha: Double = 1, beta: Double = 0) {
        if m * n <= loopProductWork {
            SmallKernels.multiply(a, vector: x, into: y, rows: m, columns: n, transpose: transpose, alpha: alpha, beta: beta)
        } else {
            BLASKernels.multiply(a, vector: x, into: y, rows: m, columns: n, transpose: transpose, alpha: alpha, beta: beta)
        }
    }

    /// Factorises the symmetric positive-definite n×n matrix in `a` in place: its lower
    /// triangle (the only one read) becomes L with A = L Lᵀ, its upper triangle is zeroed.
    /// - Throws: ``GSLError/Code/domain`` if it is not positive definite.
    @inlinable
    package static func choleskyInPlace(_ a: UnsafeMutablePointer<Double>, n: Int) throws {
        let factored = n <= loopCholeskyOrder ? SmallKernels.choleskyInPlace(a, n: n) : BLASKernels.choleskyInPlace(a, n: n)
        guard factored else {
            throw GSLError(.domain, operation: "Cholesky factorisation", reason: "matrix is not positive definite")
        }
    }

    /// B ← L⁻¹·B (or L⁻ᵀ·B) for the lower-triangular n×n L and the n×m matrix B.
    @inlinable @inline(__always)
    package static func solveLower(_ l: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>,
                                  columns m: Int, transpose: Bool = false) {
        if n <= loopTriangularOrder && n * n * m <= 2 * loopProductWork || n == 0 || m == 0 {
            SmallKernels.solveLower(l, n: n, b, columns: m, transpose: transpose)
        } else {
            BLASKernels.solveLower(l, n: n, b, columns: m, transpose: transpose)
        }
    }

    /// ``multiply(_:_:into:m:n:k:transposeA:transposeB:alpha:beta:)`` on the loops whatever the
    /// size: for a caller whose shapes are past the limits in work but small in one
    /// dimension (a 12×12 product over 21 terms: the transposeA loop runs along the 12-long
    /// rows, vectorised, while a BLAS call costs its packing and allocation lock each time).
    @inlinable @inline(__always)
    package static func multiplyOnLoops(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                        into c: UnsafeMutablePointer<Double>,
                                        m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
                                        alpha: Double = 1, beta: Double = 0) {
        SmallKernels.multiply(a, b, into: c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                              alpha: alpha, beta: beta)
    }

    /// ``multiply(_:vector:into:rows:columns:transpose:alpha:beta:)`` on the loops whatever the size.
    @inlinable @inline(__always)
    package static func multiplyOnLoops(_ a: UnsafePointer<Double>, vector x: UnsafePointer<Double>,
                                        into y: UnsafeMutablePointer<Double>, rows m: Int, columns n: Int,
                                        transpose: Bool = false, alpha: Double = 1, beta: Double = 0) {
        SmallKernels.multiply(a, vector: x, into: y, rows: m, columns: n, transpose: transpose, alpha: alpha, beta: beta)
    }

    /// ``solveLower(_:n:_:columns:transpose:)`` on the loops whatever the number of columns
    /// (for a small L: the row updates run along B's rows, vectorised).
    @inlinable @inline(__always)
    package static func solveLowerOnLoops(_ l: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>,
                                          columns m: Int, transpose: Bool = false) {
        SmallKernels.solveLower(l, n: n, b, columns: m, transpose: transpose)
    }

    /// x ← L⁻¹·x (or L⁻ᵀ·x) for the lower-triangular n×n L.
    @inlinable @inline(__always)
    package static func solveLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>,
                                  transpose: Bool = false) {
        if n <= loopTriangularOrder {
            SmallKernels.solveLower(l, n: n, vector: x, transpose: transpose)
        } else {
            BLASKernels.solveLower(l, n: n, vector: x, transpose: transpose)
        }
    }

    /// x ← L·x for the lower-triangular n×n L.
    @inlinable @inline(__always)
    package static func multiplyLower(_ l: UnsafePointer<Double>, n: Int, vector x: UnsafeMutablePointer<Double>) {
        if n <= loopTriangularOrder {
            SmallKernels.multiplyLower(l, n: n, vector: x)
        } else {
            BLASKernels.multiplyLower(l, n: n, vector: x)
        }
    }

    /// log|A| from its Cholesky factor: 2 Σ log L_ii.
    @inlinable @inline(__always)
    package static func logDeterminant(cholesky l: UnsafePointer<Double>, n: Int) -> Double {
        var sum = 0.0
        for i in 0..<n { sum += log(l[i * n + i]) }
        return 2 * sum
    }
}
