// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

extension StudentT {
    /// The p-quantile μ + s·T⁻¹_ν(p) (GSL `gsl_cdf_tdist_Pinv`).
    /// - Parameter p: the probability, in (0, 1).
    /// - Throws: ``GSLError/Code/domain`` unless 0 < p < 1.
    public func quantile(_ p: Double) throws -> Double {
        guard p > 0, p < 1 else {
            throw GSLError(.domain, operation: "Student t quantile", reason: "probability must be in (0, 1), got \(p)")
        }
        prepareGSL()
        return location + scale * gsl_cdf_tdist_Pinv(p, degreesOfFreedom)
    }
}
