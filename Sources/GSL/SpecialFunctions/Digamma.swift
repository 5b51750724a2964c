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
    let operation = "digamma(\(x))"
    // Checked here, not left to GSL: at a negative integer gsl_sf_psi_e returns success and
    // a value of order 1e16 (round-off near the pole), so the pole must be caught first.
    if x <= 0, x == x.rounded() {
        throw GSLError(.domain, operation: operation,
                       reason: "x = \(x) is a pole of the digamma function (0 or a negative integer)")
    }
    return try evaluateSpecialFunction(operation, arguments: [("x", x)]) { gsl_sf_psi_e(x, $0) }
}
