// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

extension Beta {
    /// The p-quantile, the x with P(X ≤ x) = p (GSL `gsl_cdf_beta_Pinv`).
    /// - Throws: ``GSLError/Code/domain`` unless 0 ≤ p ≤ 1.
    public func quantile(_ p: Double) throws -> Double {
        guard p >= 0, p <= 1 else {
            throw GSLError(.domain, operation: "beta quantile", reason: "probability must be in [0, 1], got \(p)")
        }
        prepareGSL()
        return gsl_cdf_beta_Pinv(p, alpha, beta)
    }
}
