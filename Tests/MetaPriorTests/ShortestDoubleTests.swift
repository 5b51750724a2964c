// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// The sample CSV's number formatter (``ShortestDouble`` behind ``CSVWriter/writeNumber(_:to:)``)
/// against Swift's own `description`, the shortest round-trip text the files promised before:
/// every text must be byte for byte `description`'s, and read back to the same bits.
@Suite("Shortest round-trip doubles")
struct ShortestDoubleTests {
    static func text(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: CSVWriter.maximumNumberLength) { buffer in
            let n = CSVWriter.writeNumber(value, to: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress!, count: n), as: UTF8.self)
        }
    }

    /// Checks `values` and their negatives; returns how many differ (recording the first few).
    static func mismatches(_ values: [Double]) -> Int {
        var bad = 0
        for v in values where v.isFinite {
            for x in [v, -v] {
                let got = text(x)
                if got != x.description || Double(got)?.bitPattern != x.bitPattern {
                    bad += 1
                    if bad <= 5 { Issue.record("\(x.bitPattern): got \(got), description \(x.description)") }
                }
            }
        }
        return bad
    }

    /// Doubles drawn uniformly over bit patterns (every binade alike, subnormals included),
    /// and doubles like those of a sample file (normal draws at scales 10⁻⁶ … 10⁶).
    @Test func randomDoublesMatchDescription() {
        var generator = SplitMix(state: 20_261_130)
        let patterns = (0..<400_000).map { _ in Double(bitPattern: generator.next()) }
        let typical = (0..<200_000).map { k -> Double in
            let u = Double(generator.next() >> 11) / Double(1 << 53)
            return (u - 0.5) * Foundation.pow(10, Double(k % 13 - 6))
        }
        let subnormals = (0..<50_000).map { _ in Double(bitPattern: generator.next() >> 12) }
        #expect(Self.mismatches(patterns + typical + subnormals) == 0)
    }

    /// The edges: the smallest subnormals one by one, the largest subnormal and smallest normal,
    /// every power of ten and of two in range with both neighbours, the largest double, the
    /// plain/exponential switches at 10⁻⁴ and 2⁵³, integers around 2⁵³ and short decimals.
    @Test func edgesMatchDescription() {
        var values: [Double] = (1...2000).map { Double(bitPattern: UInt64($0)) }
        values += [Double.leastNormalMagnitude, Double.leastNormalMagnitude.nextDown, Double.greatestFiniteMagnitude,
                   Double.greatestFiniteMagnitude.nextDown, 1e-4, 9.999e-5, 0.0001.nextDown, 1e16, 1e15, 1e22, 1e23,
                   1.7976931348623157e308, 2.2250738585072014e-308, Double.leastNonzeroMagnitude, 1e308, 1e-308, 1e-307, 0.1, 0.2, 0.3, 1.0 / 3]
        for e in -323...308 {
            let p = Double("1e\(e)")!
            values += [p, p.nextUp, p.nextDown, 2 * p, 5 * p, 9.5 * p]
        }
        for e in -1074...1023 {
            let p = Foundation.pow(2.0, Double(e))
            values += [p, p.nextUp, p.nextDown, 3 * p]
        }
        let twoTo53 = 9_007_199_254_740_992.0
        for k in -1000...1000 { values.append(twoTo53 + Double(2 * k)) }
        for k in 0...10_000 { values.append(Double(k) / 100) }
        #expect(Self.mismatches(values) == 0)
    }

    /// Zeros, infinities and NaN keep their texts (`0.0`, `-0.0`, `inf`, `-inf`, `nan`).
    @Test func specialValues() {
        #expect(Self.text(0) == "0.0")
        #expect(Self.text(-0.0) == "-0.0")
        #expect(Self.text(.infinity) == "inf")
        #expect(Self.text(-.infinity) == "-inf")
        #expect(Self.text(.nan) == "nan")
    }
}

