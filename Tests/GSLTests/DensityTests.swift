// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import GSL

/// Log-densities and log-PMFs against SciPy 1.17.1 (`import scipy.stats as st`), call beside
/// each row. 1e-12 relative unless a row says otherwise.
@Suite("Univariate densities")
struct DensityTests {
    @Test(arguments: [
        (0.0, 1.0, 0.0, -0.9189385332046727),  // st.norm.logpdf(0.0, loc=0.0, scale=1.0)
        (1.5, 0.3, 2.0, -1.1038546177676254),  // st.norm.logpdf(2.0, loc=1.5, scale=0.3)
        (-3.0, 25.0, 40.0, -5.617014358072874),  // st.norm.logpdf(40.0, loc=-3.0, scale=25.0)
        (0.0, 1.0, -8.0, -32.918938533204674),  // st.norm.logpdf(-8.0, loc=0.0, scale=1.0)
    ])
    func normal(mean: Double, sd: Double, x: Double, expected: Double) throws {
        #expect(isClose(try Normal(mean: mean, standardDeviation: sd).logDensity(x), expected))
    }

    @Test(arguments: [
        (3.0, 0.0, 1.0, 0.5, -1.1609742649705825),  // st.t.logpdf(0.5, df=3.0, loc=0.0, scale=1.0)
        (1.0, 2.0, 0.5, -3.0, -5.066703222130714),  // st.t.logpdf(-3.0, df=1.0, loc=2.0, scale=0.5)
        (7.5, -1.0, 2.0, 10.0, -8.513672719298091),  // st.t.logpdf(10.0, df=7.5, loc=-1.0, scale=2.0)
        (0.5, 0.0, 1.0, 100.0, -8.738186089376137),  // st.t.logpdf(100.0, df=0.5, loc=0.0, scale=1.0)
        (1e6, 0.0, 1.0, 1.0, -1.4189390332045893),  // st.t.logpdf(1.0, df=1e6, loc=0.0, scale=1.0)
    ])
    func studentT(nu: Double, location: Double, scale: Double, x: Double, expected: Double) throws {
        // ν = 1e6: ln Γ((ν+1)/2) − ln Γ(ν/2) ≈ 6.9 is a difference of two numbers ≈ 6e6, so
        // ~1e-16 · 6e6 / 1.4 ≈ 4e-10 relative is what double precision can give; allow 1e-9.
        let tolerance = nu > 1e5 ? 1e-9 : 1e-12
        #expect(isClose(try StudentT(degreesOfFreedom: nu, location: location, scale: scale).logDensity(x),
                        expected, relative: tolerance))
    }

    @Test(arguments: [
        (2.0, 3.0, 0.5, 0.004077396776274167),  // st.gamma.logpdf(0.5, a=2.0, scale=1/3.0)
        (0.5, 1.0, 0.01, 1.7202201500693457),  // st.gamma.logpdf(0.01, a=0.5, scale=1/1.0)
        (10.0, 0.1, 120.0, -4.7402527249835105),  // st.gamma.logpdf(120.0, a=10.0, scale=1/0.1)
        (1.0, 2.0, 0.0, 0.6931471805599453),  // st.gamma.logpdf(0.0, a=1.0, scale=1/2.0)
        (3.5, 2.0, 1e-3, -16.04634666784261),  // st.gamma.logpdf(1e-3, a=3.5, scale=1/2.0)
    ])
    func gamma(shape: Double, rate: Double, x: Double, expected: Double) throws {
        // The first row is a sum of terms of size ~1 that cancels to 0.004: relative error is
        // amplified ~250×, so it is checked to 1e-14 absolute instead (≈ 3e-12 relative).
        #expect(isClose(try Gamma(shape: shape, rate: rate).logDensity(x), expected, absolute: 1e-14))
    }

    /// Upper tails, including one far out where 1 − CDF would cancel (the χ² p-values of the
    /// calibration tests are read from here).
    @Test(arguments: [
        (4.5, 0.5, 16.918977604620448, 0.05000000000000007),  // st.chi2.sf(16.918977604620448, 9)
        (4.5, 0.5, 100.0, 1.5735176303753876e-17),  // st.chi2.sf(100.0, 9)
        (3.0, 1.5, 2.5, 0.2770684433661073),  // st.gamma.sf(2.5, 3.0, scale=1/1.5)
    ])
    func gammaUpperTail(shape: Double, rate: Double, x: Double, expected: Double) throws {
        #expect(isClose(try Gamma(shape: shape, rate: rate).upperTailProbability(x), expected, relative: 1e-10))
    }

    @Test(arguments: [
        (3.0, 2.0, 0.7, -0.04414872026803651),  // st.invgamma.logpdf(0.7, a=3.0, scale=2.0)
        (0.5, 1.0, 5.0, -3.1865218115758505),  // st.invgamma.logpdf(5.0, a=0.5, scale=1.0)
        (10.0, 0.1, 0.02, 2.204574649687683),  // st.invgamma.logpdf(0.02, a=10.0, scale=0.1)
        (2.5, 4.0, 100.0, -12.977042618631511),  // st.invgamma.logpdf(100.0, a=2.5, scale=4.0)
    ])
    func inverseGamma(shape: Double, scale: Double, x: Double, expected: Double) throws {
        // First row: terms ~1 cancel to −0.044, so 1e-14 absolute (≈ 2e-13 relative).
        #expect(isClose(try InverseGamma(shape: shape, scale: scale).logDensity(x), expected, absolute: 1e-14))
    }

    @Test(arguments: [
        (2.0, 3.0, 0.4, 0.5469646703818638),  // st.beta.logpdf(0.4, 2.0, 3.0)
        (0.5, 0.5, 0.01, 1.162880375071396),  // st.beta.logpdf(0.01, 0.5, 0.5)
        (10.0, 1.0, 0.999, 2.293580589991794),  // st.beta.logpdf(0.999, 10.0, 1.0)
        (1.0, 1.0, 0.0, 0.0),  // st.beta.logpdf(0.0, 1.0, 1.0)
        (3.0, 40.0, 1e-4, -7.977606980423696),  // st.beta.logpdf(1e-4, 3.0, 40.0)
    ])
    func beta(alpha: Double, beta: Double, x: Double, expected: Double) throws {
        #expect(isClose(try Beta(alpha: alpha, beta: beta).logDensity(x), expected))
    }

    @Test(arguments: [
        (10, 0.3, 3, -1.321151277766889),  // st.binom.logpmf(3, 10, 0.3)
        (1000, 0.01, 15, -3.365587011861175),  // st.binom.logpmf(15, 1000, 0.01)
        (5, 0.0, 0, 0.0),  // st.binom.logpmf(0, 5, 0.0)
        (5, 1.0, 5, 0.0),  // st.binom.logpmf(5, 5, 1.0)
        (50, 0.5, 25, -2.186802522185282),  // st.binom.logpmf(25, 50, 0.5)
        (20, 0.9, 0, -46.05170185988092),  // st.binom.logpmf(0, 20, 0.9)
    ])
    func binomial(trials: Int, p: Double, k: Int, expected: Double) throws {
        // Row 2 sums ln C(1000, 15) ≈ 74 with terms of similar size to get −3.4: ~20× error
        // amplification, hence 1e-11 relative for the whole table.
        let d = try Binomial(trials: trials, probability: p)
        #expect(isClose(d.logDensity(k), expected, relative: 1e-11))
        #expect(d.logPMF(k) == d.logDensity(k))
    }

    @Test(arguments: [
        (3.0, 2, -1.4959226032237258),  // st.poisson.logpmf(2, 3.0)
        (0.5, 0, -0.5),  // st.poisson.logpmf(0, 0.5)
        (100.0, 120, -5.191965662707162),  // st.poisson.logpmf(120, 100.0)
        (1e-3, 4, -30.810074946276494),  // st.poisson.logpmf(4, 1e-3)
        (2500.0, 2400, -6.83779841498108),  // st.poisson.logpmf(2400, 2500.0)
    ])
    func poisson(rate: Double, k: Int, expected: Double) throws {
        // k ln λ − λ − ln k! cancels: for λ = 2500, k = 2400 the terms are ~1.9e4 and the
        // result −6.8, so ~1e-16 · 1.9e4 / 6.8 ≈ 3e-13 … 1e-12 relative is the floor; allow 1e-10.
        let tolerance = rate > 50 ? 1e-10 : 1e-12
        #expect(isClose(try Poisson(rate: rate).logDensity(k), expected, relative: tolerance))
    }

    @Test func outsideTheSupport() throws {
        #expect(try Gamma(shape: 2, rate: 1).logDensity(-1) == -.infinity)
        #expect(try Gamma(shape: 0.5, rate: 1).logDensity(0) == .infinity)
        #expect(try InverseGamma(shape: 2, scale: 1).logDensity(0) == -.infinity)
        #expect(try Beta(alpha: 2, beta: 2).logDensity(1.5) == -.infinity)
        #expect(try Binomial(trials: 5, probability: 0.5).logDensity(6) == -.infinity)
        #expect(try Binomial(trials: 5, probability: 0.5).logDensity(-1) == -.infinity)
        #expect(try Poisson(rate: 2).logDensity(-1) == -.infinity)
        #expect(try Poisson(rate: 0).logDensity(0) == 0)
        #expect(try Poisson(rate: 0).logDensity(1) == -.infinity)
        #expect(try Normal().logDensity(.nan).isNaN)
    }

    @Test func momentsOfUndefinedCases() throws {
        #expect(try StudentT(degreesOfFreedom: 1).mean.isNaN)
        #expect(try StudentT(degreesOfFreedom: 1.5).variance == .infinity)
        #expect(try InverseGamma(shape: 1, scale: 1).mean == .infinity)
        #expect(try InverseGamma(shape: 2, scale: 1).variance == .infinity)
    }
}
