// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The Levenberg–Marquardt ladder of the dense Newton steps (`PriorFit.dampingLadder(after:)`,
/// issue 11): rungs √10 apart, remembered from one step to the next.
@Suite("PriorFit: Newton damping ladder")
struct NewtonDampingTests {
    /// Full Newton first, then rungs √10 apart (1e-12 relative: pow/log10 round-off) from two
    /// decades below the last accepted shift (10⁻¹² when there is none) up to 100. With the old
    /// ladder (0, 10⁻¹⁰, 10⁻⁸, …, 100) the ratio of neighbours is 100, and the kept step could
    /// be up to 100× too short (the stall of the harmonic fourier:16 fit).
    @Test(arguments: [(0.0, 1e-12), (1e-3, 1e-5), (1e-12, 1e-12), (100.0, 1.0)])
    func rungsAreRootTenApartFromTheLastShift(last: Double, first: Double) {
        let ladder = PriorFit.dampingLadder(after: last)
        #expect(ladder.first == 0)
        let rungs = Array(ladder.dropFirst())
        #expect(abs(rungs[0] / first - 1) <= 1e-12, "\(rungs[0]) against \(first)")
        #expect(abs(rungs.last! / 100 - 1) <= 1e-12)
        for (a, b) in zip(rungs, rungs.dropFirst()) { #expect(abs(b / a / 10.0.squareRoot() - 1) <= 1e-12, "\(a) → \(b)") }
    }
}
