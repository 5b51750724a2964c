// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import GSL

/// Beta quantiles, including parameters where GSL 2.7's own inverse returns NaN.
@Suite("Beta quantile")
struct BetaQuantileTests {
    /// SciPy 1.17.1: `scipy.stats.beta.ppf(p, a, b)` with a = 108.68793450232135,
    /// b = 2047.0707555441056 (ESS 2153.76 of a 95 % quantile, as the MCSE of a quantile needs):
    /// 0.05512395214317108 at p = 0.8413447 (where `gsl_cdf_beta_Pinv` fails) and
    /// 0.04571114653761985 at p = 0.1586553 (where it works). Bisection on the CDF is good to
    /// the CDF's own accuracy, about 1e-13 relative here.
    @Test func quantileWhereGSLsInverseFails() throws {
        let beta = try Beta(alpha: 108.68793450232135, beta: 2047.0707555441056)
        #expect(abs(try beta.quantile(0.8413447) - 0.05512395214317108) <= 1e-12)
        #expect(abs(try beta.quantile(0.1586553) - 0.04571114653761985) <= 1e-12)
    }

    @Test func endsAndBadProbabilities() throws {
        let beta = try Beta(alpha: 2, beta: 3)
        #expect(try beta.quantile(0) == 0 && beta.quantile(1) == 1)
        #expect(throws: GSLError.self) { _ = try beta.quantile(1.5) }
    }
}
