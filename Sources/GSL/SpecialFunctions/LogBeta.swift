// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), the log of the beta function
/// (GSL `gsl_sf_lnbeta_e`).
///
/// GSL evaluates it without forming the three gamma terms separately when one argument is
/// much larger than the other, where the naive sum would cancel catastrophically; that is the
/// reason to call it rather than ``lnGamma(_:)`` three times.
///
/// - Throws: ``GSLError/Code/domain`` unless a > 0 and b > 0; ``GSLError/Code/invalidArgument``
///   for NaN.
public func lnBeta(_ a: Double, _ b: Double) throws -> Double {
    let operation = "lnBeta(\(a), \(b))"
    guard a.isNaN || b.isNaN || (a > 0 && b > 0) else {
        throw GSLError(.domain, operation: operation,
                       reason: "a and b must both be positive, got a = \(a), b = \(b)")
    }
    return try evaluateSpecialFunction(operation, arguments: [("a", a), ("b", b)]) {
        gsl_sf_lnbeta_e(a, b, $0)
    }
}
