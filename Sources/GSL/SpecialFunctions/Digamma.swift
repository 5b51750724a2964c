// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// The digamma function ψ(x) = d/dx ln Γ(x) (GSL `gsl_sf_psi_e`).
///
/// It is the gradient of every ln Γ term in a log-likelihood — for instance
/// ∂/∂α ln Gamma(x | α, β) = ln β − ψ(α) + ln x — so gradient-based fitting needs it.
///
/// - Throws: ``GSLError/Code/domain`` at the poles x = 0, −1, −2, …;
///   ``GSLError/Code/invalidArgument`` for NaN.
public func digamma(_ x: Double) throws -> Double {
    try evaluateSpecialFunction("digamma(\(x))", arguments: [("x", x)],
                                reason: x <= 0 && x == x.rounded()
                                    ? "x = \(x) is a pole of the digamma function (0 or a negative integer)" : nil) {
        gsl_sf_psi_e(x, $0)
    }
}
