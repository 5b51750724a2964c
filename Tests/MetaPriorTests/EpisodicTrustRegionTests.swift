// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The trust-region Newton iteration of the episodic fits (`EpisodicFit.trustRegionNewton`) on
/// a badly scaled convex problem, the shape of the natural stage's (issue 11): parameters whose
/// curvatures differ by 1e18 (a mean entry against a precision's square root). Unscaled, the
/// eigenvalue floor (1e-12 of the largest) cut the small curvatures, so each "Newton" step
/// moved along them by a fraction λ/floor of the way and the iteration crept linearly to its
/// cap (the sinusoid K = 10 and K = 20 fits). With Jacobi scaling it converges in a few steps.
@Suite("Episodic fit: trust-region Newton on a badly scaled problem")
struct EpisodicTrustRegionTests {
    /// F(u) = ½xᵀAx − bᵀx + (c/4)Σx_i⁴ with x = D u, D spanning 1e-5 … 1e4: convex, not
    /// quadratic, with A a correlated, well-conditioned matrix, so the minimiser in x is a
    /// well-posed root of Ax − b + c x³ = 0 while the Hessian in u, D(A + 3c diag x²)D, has
    /// eigenvalues from ~1e-10 to ~1e8.
    struct Problem {
        let scales: [Double]
        let a: [[Double]]
        let b: [Double]
        let c = 0.1

        init(dimension k: Int) {
            scales = (0..<k).map { pow(10, -5 + 9 * Double($0) / Double(k - 1)) }.reversed()
            a = (0..<k).map { i in (0..<k).map { j in i == j ? 2.0 : 0.9 * pow(0.5, Double(abs(i - j))) } }
            b = (0..<k).map { i in cos(Double(i)) }
        }

        func x(_ u: [Double]) -> [Double] { zip(u, scales).map { $0 * $1 } }

        /// Ax − b + c x³, the gradient in x (zero at the minimiser, whatever the scales).
        func residual(_ u: [Double]) -> [Double] {
            let x = x(u)
            return (0..<x.count).map { i in (0..<x.count).reduce(0.0) { $0 + a[i][$1] * x[$1] } - b[i] + c * pow(x[i], 3) }
        }

        func evaluate(_ u: [Double]) -> (value: Double, gradient: [Double]) {
            let x = x(u), r = residual(u)
            var value = 0.0
            for i in x.indices {
                value += 0.5 * x[i] * (0..<x.count).reduce(0.0) { $0 + a[i][$1] * x[$1] } - b[i] * x[i] + c / 4 * pow(x[i], 4)
            }
            return (value, zip(r, scales).map { $0 * $1 })
        }

        func hessian(_ u: [Double]) -> Matrix {
            let x = x(u), k = x.count
            var h = Matrix(rows: k, columns: k)
            for i in 0..<k { for j in 0..<k { h[i, j] = scales[i] * scales[j] * (a[i][j] + (i == j ? 3 * c * x[i] * x[i] : 0)) } }
            return h
        }
    }

    /// Converged within 20 steps (the natural stage's cap is 100) with the first-order
    /// condition met in x (scale-free): |Ax − b + cx³| ≤ 1e-5 in every coordinate. The
    /// decrement ½rᵀ(A + 3c diag x²)⁻¹r ≥ |r|²/(2λmax) with λmax ≤ 3.8 (Gershgorin on A) + 3c·max x²
    /// ≤ 10 here, so a decrement ≤ 1e-12 bounds |r| by √(2·10·1e-12) ≈ 4.5e-6. The unscaled
    /// iteration stops at the cap (checked when the test was written: with
    /// `scaledByDiagonal: false` it ends at the 100-step cap, not converged, with largest
    /// |Ax − b + cx³| 0.82, failing the first three expectations).
    @Test func badlyScaledConvexProblemConverges() throws {
        let problem = Problem(dimension: 12)
        let outcome = try EpisodicFit.trustRegionNewton(start: [Double](repeating: 0, count: 12), evaluate: problem.evaluate,
                                                        hessian: problem.hessian, scaledByDiagonal: true, tolerance: 1e-12,
                                                        maximumSteps: 100, deadline: nil, progress: nil)
        #expect(outcome.converged, "decrement \(outcome.decrement) after \(outcome.steps) steps")
        #expect(outcome.steps <= 20, "\(outcome.steps) steps")
        let worst = problem.residual(outcome.theta).map(abs).max() ?? .infinity
        #expect(worst <= 1e-5, "largest |Ax − b + cx³| \(worst)")
        #expect(!outcome.ascentDirection)
    }
}
