// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// log |Γ(x)|, the logarithm of the absolute value of the gamma function
/// (GSL `gsl_sf_lngamma_e`).
///
/// Working on the log scale is what makes normalising constants usable: Γ(172) already
/// overflows a `Double`, while ln Γ(172) ≈ 711 is harmless. For negative non-integer `x`,
/// where Γ changes sign, the result is log |Γ(x)|.
///
/// - Throws: ``GSLError/Code/domain`` at the poles x = 0, −1, −2, …;
///   ``GSLError/Code/invalidArgument`` for NaN.
public func lnGamma(_ x: Double) throws -> Double {
    let operation = "lnGamma(\(x))"
    // GSL reports the poles as GSL_EDOM itself; checking first gives the message a reason
    // (and matches digamma, where GSL does not catch them).
    if x <= 0, x == x.rounded() {
        throw GSLError(.domain, operation: operation,
                       reason: "x = \(x) is a pole of the gamma function (0 or a negative integer)")
    }
    return try evaluateSpecialFunction(operation, arguments: [("x", x)]) { gsl_sf_lngamma_e(x, $0) }
}

/// The log of the multivariate gamma function,
///
///     ln Γ_p(a) = p(p−1)/4 · ln π + Σ_{j=1}^{p} ln Γ(a + (1 − j)/2),
///
/// the normalising constant of the Wishart and inverse-Wishart densities (which is why it is
/// needed here: GSL has no routine for it). Γ_1 is the ordinary gamma function.
///
/// - Parameters:
///   - a: the argument; must exceed (p − 1)/2 so that every factor is positive.
///   - p: the dimension p ≥ 1 (argument label `dimension`).
/// - Throws: ``GSLError/Code/domain`` if `dimension < 1` or `a ≤ (p − 1)/2`;
///   ``GSLError/Code/invalidArgument`` for NaN.
public func lnMultivariateGamma(_ a: Double, dimension p: Int) throws -> Double {
    let operation = "lnMultivariateGamma(\(a), dimension: \(p))"
    guard !a.isNaN else { throw GSLError.invalid(operation, "a is NaN") }
    guard p >= 1 else {
        throw GSLError(.domain, operation: operation, reason: "dimension must be at least 1, got \(p)")
    }
    guard a > Double(p - 1) / 2 else {
        throw GSLError(.domain, operation: operation,
                       reason: "a must exceed (dimension − 1)/2 = \(Double(p - 1) / 2), got \(a)")
    }
    var sum = Double(p * (p - 1)) / 4 * log(Double.pi)
    for j in 1...p { sum += try lnGamma(a + Double(1 - j) / 2) }
    return sum
}
