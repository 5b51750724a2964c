// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL

/// `gsl_eigen_symmv` has no iteration cap; on all-subnormal input such as
/// [[5e-324, 5e-324], [5e-324, 0]] it never converged (found by a prior file with
/// noise_variance 5e-324). ``SymmetricEigen`` scales by a power of two first, so each case
/// below finishes at once with the eigenvalues of the scaled matrix, scaled back.
@Suite("Symmetric eigen: extreme scales")
struct SymmetricEigenScalingTests {
    static let tiny = Double.leastNonzeroMagnitude  // 5e-324 = 2⁻¹⁰⁷⁴

    @Test(arguments: [
        // [[1, 1], [1, 0]]·2⁻¹⁰⁷⁴: eigenvalues (1 ∓ √5)/2 · 2⁻¹⁰⁷⁴, rounded to subnormals: −1, 2 ulps.
        ([[tiny, tiny], [tiny, 0]], [-tiny, 2 * tiny]),
        ([[0, tiny], [tiny, tiny]], [-tiny, 2 * tiny]),
        // Near overflow: [[1, 0.1], [0.1, 1]]·1e308 has eigenvalues 0.9e308, 1.1e308.
        ([[1e308, 1e307], [1e307, 1e308]], [0.9e308, 1.1e308]),
        ([[0, 0], [0, 0]], [0, 0]),
    ] as [([[Double]], [Double])])
    func finishesWithTheScaledEigenvalues(rows: [[Double]], expected: [Double]) throws {
        let start = ContinuousClock.now
        let eigen = try SymmetricEigen(try Matrix(rows))
        #expect(ContinuousClock.now - start < .seconds(1))
        for (value, reference) in zip(eigen.values, expected) {
            #expect(abs(value - reference) <= 1e-12 * abs(reference) || value == reference, "\(eigen.values)")
        }
        #expect(eigen.vectors.isFinite)
    }

    /// Scaling by a power of two is exact, so a matrix and its multiples by 2ᵏ give the same
    /// eigenvalues bit for bit (times 2ᵏ) — ordinary matrices decompose as before.
    @Test(arguments: [-1000, -3, 0, 1, 900])
    func powerOfTwoMultiplesGiveTheSameBits(exponent: Int) throws {
        let a = [[4, 2, 0.6], [2, 5, 1.5], [0.6, 1.5, 3]]
        let factor = Double(sign: .plus, exponent: exponent, significand: 1)
        let base = try SymmetricEigen(try Matrix(a))
        let scaled = try SymmetricEigen(try Matrix(a.map { $0.map { $0 * factor } }))
        #expect(scaled.values == base.values.map { $0 * factor })
        #expect(scaled.vectors == base.vectors)
        // np.linalg.eigvalsh(A)
        #expect(zip(base.values, [2.0045845125687465, 2.8474199084736527, 7.1479955789576035]).allSatisfy { abs($0 - $1) < 1e-12 * $1 })
    }
}
