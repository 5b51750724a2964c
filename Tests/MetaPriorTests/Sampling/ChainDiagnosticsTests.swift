// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// R̂, bulk and tail ESS and Monte Carlo standard errors against ArviZ 0.23.4 on fixed chains.
///
/// The chains are AR(1) series x_t = ρ·x_{t−1} + u_t with uniform innovations u_t ∈ (−1, 1)
/// from a 64-bit LCG (state ← state·6364136223846793005 + 1442695040888963407 mod 2⁶⁴,
/// u = (state >> 11)/2⁵³·2 − 1), written here and in the reference script alike, so both sides
/// see the same numbers. The reference values came from (Python 3.11, ArviZ 0.23.4):
///
///     d = arviz.convert_to_dataset({"x": X})          # X: chains × draws
///     arviz.rhat(d); arviz.ess(d, method="bulk"); arviz.ess(d, method="tail")
///     arviz.mcse(d, method="mean"); arviz.mcse(d, method="quantile", prob=p)
///
/// Both compute the same finite sums in double precision (FFT rounding aside), so the
/// tolerance is 1e-9 relative: far above rounding, far below any difference in method (a
/// different split, rank offset or truncation rule moves these numbers in the second digit).
@Suite("MCMC diagnostics")
struct ChainDiagnosticsTests {
    static func chain(seed: UInt64, draws: Int, rho: Double = 0.7) -> [Double] {
        var state = seed, x = 0.0
        return (0..<draws).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            x = rho * x + Double(state >> 11) / 9007199254740992 * 2 - 1
            return x
        }
    }

    /// Four chains of 201 draws (odd, so splitting drops each middle draw), seeds 1…4.
    static var mixed: [[Double]] { (1...4).map { chain(seed: UInt64($0), draws: 201) } }

    static func expectClose(_ value: Double, _ reference: Double, _ what: String) {
        #expect(abs(value - reference) <= 1e-9 * abs(reference), "\(what): \(value) against ArviZ's \(reference)")
    }

    @Test func fourMixingChainsMatchArviZ() throws {
        let d = try ChainDiagnostics(chains: Self.mixed)
        Self.expectClose(d.rHat, 1.0180876103879568, "R-hat")
        Self.expectClose(d.bulkESS, 142.75452306866381, "bulk ESS")
        Self.expectClose(d.tailESS, 230.42877542235377, "tail ESS")
        Self.expectClose(d.meanStandardError, 0.06926992346160066, "MCSE of the mean")
        Self.expectClose(try ChainDiagnostics.quantileStandardError(chains: Self.mixed, probability: 0.05),
                         0.08656752787279332, "MCSE of the 5% quantile")
        Self.expectClose(try ChainDiagnostics.quantileStandardError(chains: Self.mixed, probability: 0.5),
                         0.06642007367884348, "MCSE of the median")
    }

    /// One chain shifted by 0.6 (about half a marginal sd): R̂ rises past 1.01 and warns.
    @Test func aShiftedChainRaisesRHat() throws {
        var chains = Self.mixed
        chains[3] = chains[3].map { $0 + 0.6 }
        let d = try ChainDiagnostics(chains: chains)
        Self.expectClose(d.rHat, 1.084443389119769, "R-hat")
        Self.expectClose(d.bulkESS, 111.29569061477449, "bulk ESS")
        Self.expectClose(d.tailESS, 211.1094473647326, "tail ESS")
        Self.expectClose(d.meanStandardError, 0.08554257440760346, "MCSE of the mean")
        Self.expectClose(try ChainDiagnostics.quantileStandardError(chains: chains, probability: 0.05),
                         0.11234571717992059, "MCSE of the 5% quantile")
        let warnings = d.warnings(for: "phi.1")
        #expect(warnings.count == 2)
        #expect(warnings.first?.contains("R-hat") == true && warnings.first?.contains("phi.1") == true)
    }

    /// A single slowly mixing chain (ρ = 0.9, 100 draws, seed 9): no R̂, tiny ESS.
    @Test func oneChain() throws {
        let chains = [Self.chain(seed: 9, draws: 100, rho: 0.9)]
        let d = try ChainDiagnostics(chains: chains)
        #expect(d.rHat.isNaN)
        Self.expectClose(d.bulkESS, 9.72103163570939, "bulk ESS")
        Self.expectClose(d.tailESS, 13.266333835107593, "tail ESS")
        Self.expectClose(d.meanStandardError, 0.34380171377292296, "MCSE of the mean")
    }

    /// Rank-normalised diagnostics do not change under a monotone transformation (x³ here); the
    /// MCSE of the mean does, and matches ArviZ on the transformed draws.
    @Test func rankDiagnosticsAreInvariantUnderMonotoneMaps() throws {
        let cubed = Self.mixed.map { $0.map { $0 * $0 * $0 } }
        let d = try ChainDiagnostics(chains: cubed), e = try ChainDiagnostics(chains: Self.mixed)
        #expect(d.rHat == e.rHat && d.bulkESS == e.bulkESS && d.tailESS == e.tailESS)
        Self.expectClose(d.meanStandardError, 0.14788143145883897, "MCSE of the mean of x³")
        Self.expectClose(try ChainDiagnostics.quantileStandardError(chains: cubed, probability: 0.5),
                         0.0008381493841253835, "MCSE of the median of x³")
    }

    /// Independent standard normal draws: the ESS should be near the number of draws. With 4 ×
    /// 1,000 draws the bulk-ESS estimate has a relative sd of about 5 % (Vehtari et al. 2021,
    /// Fig. 5 spread at S = 4000), so 4000 ± 25 % is a 5-sd band.
    @Test func independentDrawsHaveFullESS() throws {
        var generator = SplitMix(state: 42)
        let chains = (0..<4).map { _ in
            (0..<1000).map { _ -> Double in
                let u1 = Double(generator.next() >> 11 | 1) / 9007199254740992, u2 = Double(generator.next() >> 11) / 9007199254740992
                return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            }
        }
        let d = try ChainDiagnostics(chains: chains)
        #expect(abs(d.bulkESS - 4000) < 1000)
        #expect(abs(d.rHat - 1) < 0.01)
    }

    @Test(arguments: [
        ([[Double]](), DiagnosticsError.noChains),
        ([[1, 2, 3]], DiagnosticsError.tooFewDraws(3)),
        ([[1, 2, 3, 4], [1, 2, 3, 4, 5]], DiagnosticsError.unequalLengths(4, 5)),
        ([[1, 2, .nan, 4]], DiagnosticsError.nonFinite),
    ])
    func badChainsAreRefused(chains: [[Double]], error: DiagnosticsError) {
        #expect(throws: error) { _ = try ChainDiagnostics(chains: chains) }
    }

    /// Constant draws: every ESS is the number of draws (ArviZ's convention), no NaN.
    @Test func constantDraws() throws {
        let d = try ChainDiagnostics(chains: [[Double]](repeating: [2, 2, 2, 2, 2, 2], count: 2))
        #expect(d.bulkESS == 12 && d.tailESS == 12)
    }
}
