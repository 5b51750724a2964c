// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL

/// ln (a)_x and the lower-tail probabilities the conjugate hierarchies rely on.
@Suite("Pochhammer symbol and lower tails")
struct PochhammerAndCDFTests {
    /// (3)_4 = 3·4·5·6 = 360 exactly; at a = 1e12, (a)_2 = a(a + 1), whose log is
    /// 2 ln 1e12 + log1p(1e-12), to 1e-14 relative — where ln Γ(a + 2) − ln Γ(a) keeps ~3 digits.
    @Test func logPochhammerIsExactWhereLogGammaDifferencesCancel() throws {
        #expect(abs(try lnPochhammer(3, 4) - log(360)) < 1e-14)
        let a = 1e12, exact = 2 * log(a) + log1p(1 / a)
        #expect(abs(try lnPochhammer(a, 2) - exact) <= 1e-14 * exact)
        #expect(try lnPochhammer(5, 0) == 0)
        // Stirling's branch against the exact product at a = 25 (log(25·26·27) to 1e-15
        // relative) and the ln Γ branch at a non-integer x (ln Γ(3.5) − ln Γ(1), GSL's own
        // lnGamma being accurate to 1e-15 there).
        #expect(abs(try lnPochhammer(25, 3) - log(25.0 * 26 * 27)) <= 1e-15 * log(25.0 * 26 * 27))
        #expect(abs(try lnPochhammer(1, 2.5) - lnGamma(3.5)) < 1e-14)
        #expect(throws: GSLError.self) { try lnPochhammer(-1, 2) }
    }

    /// Closed forms: Φ(1.96) = 0.9750021048517795; Beta(2, 1) has P(X ≤ x) = x²;
    /// Gamma(1, rate 2) has P(X ≤ x) = 1 − e^(−2x). Tolerance 1e-14 (GSL's CDFs are
    /// accurate to a few ulps here).
    @Test func lowerTailsMatchClosedForms() throws {
        #expect(abs(try Normal(mean: 1, standardDeviation: 2).lowerTailProbability(1 + 2 * 1.96) - 0.9750021048517795) < 1e-14)
        #expect(abs(try Beta(alpha: 2, beta: 1).lowerTailProbability(0.3) - 0.09) < 1e-14)
        #expect(try Beta(alpha: 2, beta: 1).lowerTailProbability(-1) == 0)
        #expect(abs(try Gamma(shape: 1, rate: 2).lowerTailProbability(0.7) - (1 - exp(-1.4))) < 1e-14)
        #expect(try Gamma(shape: 1, rate: 2).lowerTailProbability(0) == 0)
    }
}
