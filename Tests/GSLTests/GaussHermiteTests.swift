// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL

/// The Gauss–Hermite rule integrates polynomials of degree < 2n exactly against e^(−x²):
/// ∫ x^(2k) e^(−x²) dx = Γ(k + ½) (and 0 for odd powers).
@Suite("Gauss–Hermite rule")
struct GaussHermiteTests {
    @Test(arguments: [1, 2, 5, 25])
    func integratesPolynomialsExactly(points: Int) throws {
        let rule = try GaussHermiteRule(points: points)
        for degree in 0..<(2 * points) {
            let sum = zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * pow($1.0, Double(degree)) }
            let exact = degree % 2 == 1 ? 0 : tgamma(Double(degree) / 2 + 0.5)
            // Rounding grows with the terms' size, max |x|^degree·w, so compare against Γ((degree+1)/2) scale.
            #expect(abs(sum - exact) <= 1e-11 * Swift.max(1, tgamma(Double(degree) / 2 + 0.5)), "n = \(points), degree \(degree): \(sum) vs \(exact)")
        }
    }

    @Test func refusesBadSizes() {
        #expect(throws: GSLError.self) { _ = try GaussHermiteRule(points: 0) }
    }
}
