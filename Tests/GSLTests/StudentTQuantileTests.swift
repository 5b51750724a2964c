// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL

/// The Student-t quantile against closed forms.
@Suite("Student t quantile")
struct StudentTQuantileTests {
    /// ν = 1 is the Cauchy distribution, q(p) = μ + s·tan(π(p − ½)); ν = 2 has
    /// q(p) = μ + s·(2p − 1)/√(2p(1 − p)). GSL's inversion is accurate to ~1e-12 relative here.
    @Test(arguments: [0.01, 0.1, 0.3, 0.5, 0.75, 0.95, 0.999])
    func matchesClosedForms(p: Double) throws {
        let cauchy = try StudentT(degreesOfFreedom: 1, location: 2, scale: 3)
        #expect(abs(try cauchy.quantile(p) - (2 + 3 * tan(Double.pi * (p - 0.5)))) < 1e-9 * max(1, abs(try cauchy.quantile(p))))
        let two = try StudentT(degreesOfFreedom: 2, location: -1, scale: 0.5)
        let expected = -1 + 0.5 * (2 * p - 1) / (2 * p * (1 - p)).squareRoot()
        #expect(abs(try two.quantile(p) - expected) < 1e-9)
    }

    @Test func refusesProbabilitiesOutsideTheUnitInterval() throws {
        let t = try StudentT(degreesOfFreedom: 3)
        for p in [0.0, 1.0, -0.1, .nan] { #expect(throws: GSLError.self) { _ = try t.quantile(p) } }
    }
}
