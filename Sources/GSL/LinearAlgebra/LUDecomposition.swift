// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The LU factorisation P A = L U of a general square matrix (GSL `gsl_linalg_LU_decomp`),
/// for solving systems that need not be symmetric.
public struct LUDecomposition: Sendable {
    private let lu: Matrix
    private let permutation: [Int]
    private let sign: Int32

    /// Factorises `matrix` with partial pivoting (`gsl_linalg_LU_decomp`).
    /// - Throws: ``GSLError/Code/singular`` if a pivot is zero, ``GSLError/Code/invalidArgument``
    ///   for NaN or infinite entries, ``GSLError/Code/notSquare`` if not square.
    public init(_ matrix: Matrix) throws {
        let operation = "LU factorisation"
        guard matrix.isSquare else {
            throw GSLError(.notSquare, operation: operation, reason: "matrix is \(matrix.rows)×\(matrix.columns), not square")
        }
        guard matrix.rows > 0 else { throw GSLError.invalid(operation, "matrix is empty") }
        try matrix.validateFinite(operation)
        var a = matrix
        let n = matrix.rows
        var perm = [Int](repeating: 0, count: n)
        var signum: Int32 = 1
        try perm.withUnsafeMutableBufferPointer { permBuffer in
            try GSLError.call(operation) {
                permBuffer.withMemoryRebound(to: Int.self) { buffer in
                    var p = gsl_permutation(size: n, data: UnsafeMutablePointer(OpaquePointer(buffer.baseAddress)))
                    return a.withMutableGSLMatrix { gsl_linalg_LU_decomp($0, &p, &signum) }
                }
            }
        }
        let scale = matrix.elements.reduce(0) { Swift.max($0, Swift.abs($1)) }
        for i in 0..<n where Swift.abs(a[i, i]) <= Double.ulpOfOne * scale * Double(n) {
            throw GSLError(.singular, operation: operation, reason: "matrix is singular (pivot \(i + 1) is zero)")
        }
        self.lu = a
        self.permutation = perm
        self.sign = signum
    }

    /// Solves A x = b (`gsl_linalg_LU_solve`).
    /// - Throws: ``GSLError/Code/badLength`` if `b` has the wrong length,
    ///   ``GSLError/Code/invalidArgument`` for NaN or infinite entries.
    public func solve(_ b: [Double]) throws -> [Double] {
        let operation = "LU solve"
        try validateLength(b, lu.rows, operation, name: "right-hand side")
        try validateFinite(b, operation, name: "right-hand side")
        var x = [Double](repeating: 0, count: b.count)
        var perm = permutation
        try GSLError.call(operation) {
            withPermutation(&perm) { p in
                x.withMutableGSLVector { xp in
                    b.withGSLVector { bp in lu.withGSLMatrix { gsl_linalg_LU_solve($0, p, bp, xp) } }
                }
            }
        }
        return x
    }

    /// A⁻¹ (`gsl_linalg_LU_invert`).
    /// - Throws: a ``GSLError`` if GSL reports a failure (none is expected once A factorised).
    public func inverse() throws -> Matrix {
        var inverse = Matrix(rows: lu.rows, columns: lu.columns)
        var perm = permutation
        try GSLError.call("LU inverse") {
            withPermutation(&perm) { p in
                inverse.withMutableGSLMatrix { ip in lu.withGSLMatrix { gsl_linalg_LU_invert($0, p, ip) } }
            }
        }
        return inverse
    }

    /// log |det A| = Σ_i log |U_ii|, without forming the determinant (which can overflow).
    public var logAbsDeterminant: Double {
        (0..<lu.rows).reduce(0) { $0 + log(Swift.abs(lu[$1, $1])) }
    }

    /// det A = sign(P) Π_i U_ii; may overflow or underflow for large matrices, where
    /// ``logAbsDeterminant`` does not.
    public var determinant: Double {
        (0..<lu.rows).reduce(Double(sign)) { $0 * lu[$1, $1] }
    }
}

private func withPermutation<R>(_ perm: inout [Int], _ body: (UnsafePointer<gsl_permutation>) -> R) -> R {
    perm.withUnsafeMutableBufferPointer { buffer in
        var p = gsl_permutation(size: buffer.count, data: UnsafeMutablePointer(OpaquePointer(buffer.baseAddress)))
        return withUnsafePointer(to: &p) { body($0) }
    }
}

extension Matrix {
    /// Solves A x = b for a general square A (LU with partial pivoting, ``LUDecomposition``).
    /// - Throws: as ``LUDecomposition/init(_:)`` and ``LUDecomposition/solve(_:)``.
    public func solve(_ b: [Double]) throws -> [Double] {
        try LUDecomposition(self).solve(b)
    }
}
