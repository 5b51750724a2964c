// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// ln C(n, k) = ln n! − ln k! − ln (n − k)!, the log of a binomial coefficient
/// (GSL `gsl_sf_lnchoose_e`).
///
/// The coefficient itself overflows a `Double` from C(1030, 515) on; its logarithm is what
/// the binomial log-probability needs.
///
/// - Parameters:
///   - n: the number of items, 0 ≤ n ≤ 2³² − 1 (GSL takes `unsigned int`).
///   - k: the number chosen, 0 ≤ k ≤ n.
/// - Throws: ``GSLError/Code/domain`` if n < 0, k < 0, k > n or n does not fit in 32 bits.
public func lnChoose(_ n: Int, _ k: Int) throws -> Double {
    let operation = "lnChoose(\(n), \(k))"
    guard n >= 0, n <= Int(UInt32.max) else {
        throw GSLError(.domain, operation: operation, reason: "n must be in 0...\(UInt32.max), got \(n)")
    }
    guard k >= 0, k <= n else {
        throw GSLError(.domain, operation: operation, reason: "k must be in 0...n = 0...\(n), got \(k)")
    }
    return try evaluateSpecialFunction(operation, arguments: []) {
        gsl_sf_lnchoose_e(UInt32(n), UInt32(k), $0)
    }
}
