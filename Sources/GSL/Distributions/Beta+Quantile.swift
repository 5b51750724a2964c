// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

extension Beta {
    /// The p-quantile, the x with P(X ≤ x) = p (GSL `gsl_cdf_beta_Pinv`).
    ///
    /// GSL 2.7's inverse fails to converge (returns NaN) for some large parameters — e.g.
    /// Beta(108.7, 2047.1) at p = 0.8413447 — so where it does, the quantile is found by
    /// bisection on GSL's CDF (`gsl_cdf_beta_P`, reliable there) to the last bit of x.
    /// - Throws: ``GSLError/Code/domain`` unless 0 ≤ p ≤ 1.
    public func quantile(_ p: Double) throws -> Double {
        guard p >= 0, p <= 1 else {
            throw GSLError(.domain, operation: "beta quantile", reason: "probability must be in [0, 1], got \(p)")
        }
        prepareGSL()
        let x = gsl_cdf_beta_Pinv(p, alpha, beta)
        if x.isFinite { return x }
        var low = 0.0, high = 1.0
        while true {
            let middle = 0.5 * (low + high)
            guard middle > low, middle < high else { return middle }
            if gsl_cdf_beta_P(middle, alpha, beta) < p { low = middle } else { high = middle }
        }
    }
}
