// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

extension Normal {
    /// The p-quantile μ + σ·Φ⁻¹(p) (GSL `gsl_cdf_ugaussian_Pinv`).
    /// - Throws: ``GSLError/Code/domain`` unless 0 < p < 1.
    public func quantile(_ p: Double) throws -> Double {
        guard p > 0, p < 1 else {
            throw GSLError(.domain, operation: "normal quantile", reason: "probability must be in (0, 1), got \(p)")
        }
        prepareGSL()
        return mean + standardDeviation * gsl_cdf_ugaussian_Pinv(p)
    }

    /// The central interval holding probability `level`: (q((1−level)/2), q((1+level)/2)),
    /// q the ``quantile(_:)``.
    /// - Throws: ``GSLError/Code/domain`` unless 0 < level < 1.
    public func centralInterval(level: Double) throws -> (lower: Double, upper: Double) {
        guard level > 0, level < 1 else {
            throw GSLError(.domain, operation: "central interval", reason: "level must be in (0, 1), got \(level)")
        }
        return (try quantile((1 - level) / 2), try quantile((1 + level) / 2))
    }
}
