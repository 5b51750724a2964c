// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

// P(X ≤ x) for the distributions whose mixtures the conjugate hierarchies summarise: a
// central interval of a mixture is found by root-finding on the mixture's CDF, the weighted
// sum of these. GSL computes each directly (the incomplete gamma and beta functions), not as
// 1 − upper tail, so small probabilities keep their digits.

extension Normal {
    /// P(X ≤ x) (`gsl_cdf_gaussian_P`); NaN for NaN.
    public func lowerTailProbability(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        prepareGSL()
        return gsl_cdf_gaussian_P(x - mean, standardDeviation)
    }
}

extension Beta {
    /// P(X ≤ x) (`gsl_cdf_beta_P`): 0 for x ≤ 0, 1 for x ≥ 1, NaN for NaN.
    public func lowerTailProbability(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        prepareGSL()
        return gsl_cdf_beta_P(x, alpha, beta)
    }
}

extension Gamma {
    /// P(X ≤ x) (`gsl_cdf_gamma_P` with scale 1/β): 0 for x ≤ 0, NaN for NaN.
    public func lowerTailProbability(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x <= 0 { return 0 }
        prepareGSL()
        return gsl_cdf_gamma_P(x, shape, 1 / rate)
    }
}
