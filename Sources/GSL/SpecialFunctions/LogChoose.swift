// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// ln C(n, k) = ln n! − ln k! − ln (n − k)!, the log of a binomial coefficient.
///
/// The coefficient itself overflows a `Double` from C(1030, 515) on; its logarithm is what
/// the binomial log-probability needs. It is computed as
///
///     ln C(n, k) = −ln(n + 1) − ln B(n − k + 1, k + 1)
///
/// with GSL's `gsl_sf_lnbeta_e`, not with `gsl_sf_lnchoose_e`: the latter subtracts log
/// factorials, and for large n and small k (ln 4e9! ≈ 8.5e10 against a result of 43.5) it
/// loses six digits, while `lnbeta` treats a large and a small argument without
/// cancellation (accurate to ~1e-15 relative on the test table). C(n, 0) = C(n, n) = 1 exactly.
///
/// - Parameters:
///   - n: the number of items, n ≥ 0.
///   - k: the number chosen, 0 ≤ k ≤ n.
/// - Throws: ``GSLError/Code/domain`` if n < 0, k < 0 or k > n.
public func lnChoose(_ n: Int, _ k: Int) throws -> Double {
    let operation = "lnChoose(\(n), \(k))"
    guard n >= 0 else {
        throw GSLError(.domain, operation: operation, reason: "n must be non-negative, got \(n)")
    }
    guard k >= 0, k <= n else {
        throw GSLError(.domain, operation: operation, reason: "k must be in 0...n = 0...\(n), got \(k)")
    }
    if k == 0 || k == n { return 0 }
    let a = Double(n - k) + 1, b = Double(k) + 1
    let logBeta = try evaluateSpecialFunction(operation, arguments: []) { gsl_sf_lnbeta_e(a, b, $0) }
    return -log1p(Double(n)) - logBeta
}
