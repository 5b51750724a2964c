// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import GSL

/// Decompositions and products against NumPy 2.4 (`import numpy as np`), with
///
///     A = np.array([[4, 2, 0.6], [2, 5, 1.5], [0.6, 1.5, 3]])      (symmetric positive definite)
///     G = np.array([[2, -1, 0.5], [4, 3, -2], [1, 0.5, 6]])        (general, det 63.5)
///     b = np.array([1, -2, 0.5])
///
/// 1e-12 relative; entries that are exactly 0 in the reference are checked to 1e-15 absolute
/// (round-off of order ulp(1) where the exact answer is zero).
@Suite("Linear algebra")
struct LinearAlgebraTests {
    static let a = try! Matrix([[4, 2, 0.6], [2, 5, 1.5], [0.6, 1.5, 3]])
    static let g = try! Matrix([[2, -1, 0.5], [4, 3, -2], [1, 0.5, 6]])
    static let b: [Double] = [1, -2, 0.5]

    @Test func choleskyFactor() throws {
        let c = try Cholesky(Self.a)
        // np.linalg.cholesky(A)
        #expect(isClose(c.lower, [[2.0, 0.0, 0.0], [1.0, 2.0, 0.0], [0.3, 0.6, 1.5968719422671311]], absolute: 1e-15))
        #expect(c.jitter == 0)
        // np.linalg.slogdet(A)[1]
        #expect(isClose(c.logDeterminant, 3.708682081410116))
        // np.linalg.solve(A, b)
        #expect(isClose(try c.solve(Self.b), [0.5625, -0.7544117647058823, 0.4313725490196078]))
        // np.linalg.inv(A)
        #expect(isClose(try c.inverse(), [[0.3125, -0.125, 0.0], [-0.125, 0.2852941176470588, -0.11764705882352942],
                                          [0.0, -0.11764705882352942, 0.3921568627450981]], absolute: 1e-15))
        #expect(isClose(c.reconstructed, Self.a.nestedRows, absolute: 1e-15))
    }

    @Test func choleskySolveMatrix() throws {
        // Columns b and 2b: np.linalg.solve(A, np.column_stack([b, 2 * b]))
        let rhs = try Matrix([[1, 2], [-2, -4], [0.5, 1]])
        let x = try Cholesky(Self.a).solve(rhs)
        #expect(isClose(x, [[0.5625, 1.125], [-0.7544117647058823, -1.5088235294117647],
                            [0.4313725490196079, 0.8627450980392158]]))
    }

    @Test func luDecomposition() throws {
        let lu = try LUDecomposition(Self.g)
        // np.linalg.solve(G, b)
        #expect(isClose(try lu.solve(Self.b), [0.10629921259842515, -0.7244094488188976, 0.12598425196850396]))
        // np.linalg.det(G) = 63.49999999999999 (exact: 63.5; NumPy's value is 1 ulp low)
        #expect(isClose(lu.determinant, 63.49999999999999))
        #expect(isClose(lu.logAbsDeterminant, 4.151039905898646))  // np.log(63.5)
        // np.linalg.inv(G)
        #expect(isClose(try lu.inverse(), [
            [0.2992125984251969, 0.09842519685039369, 0.007874015748031496],
            [-0.4094488188976378, 0.18110236220472442, 0.09448818897637795],
            [-0.015748031496062992, -0.031496062992125984, 0.15748031496062992]]))
        #expect(isClose(try Self.g.solve(Self.b), [0.10629921259842515, -0.7244094488188976, 0.12598425196850396]))
    }

    @Test func symmetricEigenvalues() throws {
        let e = try SymmetricEigen(Self.a)
        // np.linalg.eigvalsh(A)
        #expect(isClose(e.values, [2.0045845125687465, 2.8474199084736527, 7.1479955789576035]))
        // A v = λ v for each eigenvector (signs are arbitrary, so compared through A v).
        for k in 0..<3 {
            let v = (0..<3).map { e.vectors[$0, k] }
            #expect(isClose(try Self.a.multiplied(by: v), v.map { $0 * e.values[k] }, relative: 1e-12, absolute: 1e-14))
        }
    }

    @Test func products() throws {
        // G @ A
        #expect(isClose(try Self.g.multiplied(by: Self.a),
                        [[6.3, -0.25, 1.2], [20.8, 20.0, 0.9000000000000004], [8.6, 13.5, 19.35]]))
        // G @ b, G.T @ b
        #expect(isClose(try Self.g.multiplied(by: Self.b), [4.25, -3.0, 3.0]))
        #expect(isClose(try Self.g.multiplied(by: Self.b, transpose: true), [-5.5, -6.75, 7.5]))
        // G.T @ A and G @ A.T (A is symmetric, so the latter equals G @ A)
        #expect(isClose(try Self.g.multiplied(by: Self.a, transposeLeft: true),
                        try Self.g.transposed.multiplied(by: Self.a).nestedRows))
        #expect(isClose(try Self.g.multiplied(by: Self.a, transposeRight: true),
                        [[6.3, -0.25, 1.2], [20.8, 20.0, 0.9000000000000004], [8.6, 13.5, 19.35]]))
    }
}
