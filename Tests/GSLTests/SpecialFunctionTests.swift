// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import GSL

/// Reference values: SciPy 1.17.1 (`import scipy.special as sp`) or Python's exact integer
/// `math.comb`; the call is beside each row. GSL's special functions are accurate to a few
/// ulp, so 1e-12 relative holds everywhere here.
@Suite("Special functions")
struct SpecialFunctionTests {
    @Test(arguments: [
        (0.5, 0.5723649429247),  // sp.gammaln(0.5)
        (3.7, 1.428072326665388),  // sp.gammaln(3.7)
        (10.25, 13.368023671476045),  // sp.gammaln(10.25)
        (171.5, 709.1431630309283),  // sp.gammaln(171.5)
        (1e-5, 11.512919692895826),  // sp.gammaln(1e-5)
        (-2.5, -0.05624371649767401),  // sp.gammaln(-2.5)   (log |Γ(−2.5)|)
        (1e6, 12815504.569147611),  // sp.gammaln(1e6)
    ])
    func lnGammaMatchesSciPy(x: Double, expected: Double) throws {
        #expect(isClose(try lnGamma(x), expected))
    }

    @Test(arguments: [
        (0.25, -4.2274535333762655),  // sp.digamma(0.25)
        (2.5, 0.7031566406452432),  // sp.digamma(2.5)
        (10.0, 2.251752589066721),  // sp.digamma(10.0)
        (-0.5, 0.03648997397857651),  // sp.digamma(-0.5)
        (1e-3, -1000.5755719318103),  // sp.digamma(1e-3)
        (100.0, 4.600161852738088),  // sp.digamma(100.0)
    ])
    func digammaMatchesSciPy(x: Double, expected: Double) throws {
        #expect(isClose(try digamma(x), expected))
    }

    @Test(arguments: [
        (0.5, 0.5, 1.1447298858494),  // sp.betaln(0.5, 0.5)
        (2.0, 3.0, -2.4849066497880004),  // sp.betaln(2.0, 3.0)
        (1e-3, 1e3, 6.900271629688177),  // sp.betaln(1e-3, 1e3)
        (15.5, 0.25, 0.6088926170864887),  // sp.betaln(15.5, 0.25)
    ])
    func lnBetaMatchesSciPy(a: Double, b: Double, expected: Double) throws {
        #expect(isClose(try lnBeta(a, b), expected))
    }

    @Test(arguments: [
        (10, 3, 4.787491742782046),  // math.log(math.comb(10, 3))
        (1000, 500, 689.4672615678512),  // math.log(math.comb(1000, 500))
        (50, 0, 0.0),  // math.log(math.comb(50, 0))
        (7, 7, 0.0),  // math.log(math.comb(7, 7))
        (4000000000, 2, 43.52597321532266),  // math.log(math.comb(4000000000, 2))
    ])
    func lnChooseMatchesExactIntegers(n: Int, k: Int, expected: Double) throws {
        #expect(isClose(try lnChoose(n, k), expected))
    }

    @Test(arguments: [
        (2.5, 1, 0.2846828704729192),  // sp.multigammaln(2.5, 1)
        (2.5, 3, 1.8809954616117743),  // sp.multigammaln(2.5, 3)
        (7.25, 4, 26.1886110233308),  // sp.multigammaln(7.25, 4)
        (0.75, 2, 2.063668419054073),  // sp.multigammaln(0.75, 2)
    ])
    func lnMultivariateGammaMatchesSciPy(a: Double, p: Int, expected: Double) throws {
        #expect(isClose(try lnMultivariateGamma(a, dimension: p), expected))
    }

    @Test(arguments: [0.0, -1.0, -7.0, Double.nan])
    func lnGammaRejectsPolesAndNaN(x: Double) {
        #expect(expectGSLError(x.isNaN ? .invalidArgument : .domain) { _ = try lnGamma(x) } != nil)
    }

    @Test(arguments: [0.0, -3.0, Double.nan])
    func digammaRejectsPolesAndNaN(x: Double) {
        #expect(expectGSLError(x.isNaN ? .invalidArgument : .domain) { _ = try digamma(x) } != nil)
    }

    @Test func invalidArgumentsAreNamed() {
        let beta = expectGSLError(.domain) { _ = try lnBeta(-1, 2) }
        #expect(beta?.reason.contains("positive") == true)
        #expect(expectGSLError(.invalidArgument) { _ = try lnBeta(.nan, 2) } != nil)
        let choose = expectGSLError(.domain) { _ = try lnChoose(3, 5) }
        #expect(choose?.reason.contains("k must be") == true)
        #expect(expectGSLError(.domain) { _ = try lnChoose(-1, 0) } != nil)
        let mvg = expectGSLError(.domain) { _ = try lnMultivariateGamma(1.0, dimension: 3) }
        #expect(mvg?.reason.contains("(dimension − 1)/2") == true)
        #expect(expectGSLError(.domain) { _ = try lnMultivariateGamma(1.0, dimension: 0) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try lnMultivariateGamma(.nan, dimension: 2) } != nil)
    }
}
