// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL

/// The FFT autocovariance against the direct O(n²) sum it replaces, at lengths that are and
/// are not powers of two (the padding must make the circular correlation linear).
@Suite("Autocovariance")
struct AutocovarianceTests {
    static func direct(_ x: [Double]) -> [Double] {
        let n = x.count, mean = x.reduce(0, +) / Double(n)
        return (0..<n).map { t in (0..<(n - t)).reduce(0) { $0 + (x[$1] - mean) * (x[$1 + t] - mean) } / Double(n) }
    }

    @Test(arguments: [1, 2, 3, 7, 64, 100, 257])
    func matchesTheDirectSum(length: Int) throws {
        let x = (0..<length).map { i in sin(Double(i) * 0.37) + Double(i % 5) * 0.1 }
        let fast = try autocovariance(x), slow = Self.direct(x)
        // Rounding of an FFT of length m grows like ε·log₂ m relative to the largest value.
        let scale = slow[0] + 1e-300
        for t in 0..<length { #expect(abs(fast[t] - slow[t]) <= 1e-12 * scale, "lag \(t)") }
    }

    @Test func refusesEmptyAndNonFinite() {
        #expect(throws: GSLError.self) { _ = try autocovariance([]) }
        #expect(throws: GSLError.self) { _ = try autocovariance([1, .infinity]) }
    }
}
