// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import GSL

/// |actual − expected| ≤ relative · |expected|, or ≤ `absolute` (for expected values at or
/// near zero, where a relative test is meaningless). Equal infinities pass.
func isClose(_ actual: Double, _ expected: Double, relative: Double = 1e-12, absolute: Double = 0) -> Bool {
    if actual == expected { return true }
    let difference = abs(actual - expected)
    return difference <= relative * abs(expected) || difference <= absolute
}

/// Entry-wise ``isClose(_:_:relative:absolute:)`` for vectors of equal length.
func isClose(_ actual: [Double], _ expected: [Double], relative: Double = 1e-12, absolute: Double = 0) -> Bool {
    actual.count == expected.count && zip(actual, expected).allSatisfy { isClose($0, $1, relative: relative, absolute: absolute) }
}

/// Entry-wise for matrices.
func isClose(_ actual: Matrix, _ expected: [[Double]], relative: Double = 1e-12, absolute: Double = 0) -> Bool {
    actual.nestedRows.count == expected.count
        && zip(actual.nestedRows, expected).allSatisfy { isClose($0, $1, relative: relative, absolute: absolute) }
}

/// Sample mean and (n − 1)-denominator variance, in one pass (Welford).
func sampleMoments(_ xs: [Double]) -> (mean: Double, variance: Double) {
    var mean = 0.0, m2 = 0.0
    for (i, x) in xs.enumerated() {
        let delta = x - mean
        mean += delta / Double(i + 1)
        m2 += delta * (x - mean)
    }
    return (mean, m2 / Double(xs.count - 1))
}

/// The standard errors used by every moment test:
/// - SE of the sample mean = σ/√n;
/// - SE of the sample variance ≈ √((μ₄ − σ⁴)/n) = σ² √((κ + 2)/n), κ the excess kurtosis
///   (μ₄ = (κ + 3) σ⁴), the large-n variance of s².
/// Tests allow 5 SE: a false failure has probability about 6e-7 per check if the sampler is
/// right, while a wrong scale or shape parameter moves a moment by many SE at n = 200,000.
func standardErrors(variance: Double, excessKurtosis: Double, n: Int) -> (mean: Double, variance: Double) {
    ((variance / Double(n)).squareRoot(), variance * ((excessKurtosis + 2) / Double(n)).squareRoot())
}

/// The number of allowed standard errors in moment tests.
let allowedStandardErrors = 5.0

/// Expects `body` to throw a ``GSLError`` with `code`; returns it for further checks.
@discardableResult
func expectGSLError(_ code: GSLError.Code, _ body: () throws -> Void) -> GSLError? {
    do {
        try body()
        return nil
    } catch let error as GSLError {
        return error.code == code ? error : nil
    } catch {
        return nil
    }
}
