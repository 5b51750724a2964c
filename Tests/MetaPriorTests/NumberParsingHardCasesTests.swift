// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// The exact decimal expansion of a finite double, built with base-10^9 limbs (the test's own
/// arithmetic, independent of the parser), or of the midpoint between it and the next double.
private func exactDecimal(_ value: Double, midpointAbove: Bool = false) -> String {
    precondition(value.isFinite && value >= 0)
    // value (or midpoint) = m · 2^e with integer m.
    var m = UInt64(value.significandBitPattern) | (value.exponentBitPattern == 0 ? 0 : 1 << 52)
    var e = value.exponentBitPattern == 0 ? -1074 : Int(value.exponentBitPattern) - 1075
    if midpointAbove { m = 2 * m + 1; e -= 1 }
    var limbs: [UInt64] = [m % 1_000_000_000, (m / 1_000_000_000) % 1_000_000_000, m / 1_000_000_000_000_000_000]
    func multiply(_ k: UInt64) {
        var carry: UInt64 = 0
        for i in limbs.indices {
            let v = limbs[i] * k + carry
            limbs[i] = v % 1_000_000_000
            carry = v / 1_000_000_000
        }
        while carry > 0 { limbs.append(carry % 1_000_000_000); carry /= 1_000_000_000 }
    }
    // m · 2^e = m · 5^-e / 10^-e for e < 0.
    var fractionDigits = 0
    if e >= 0 { for _ in 0..<e { multiply(2) } } else { for _ in 0..<(-e) { multiply(5) }; fractionDigits = -e }
    while limbs.count > 1 && limbs.last == 0 { limbs.removeLast() }
    var digits = String(limbs.last!)
    for limb in limbs.dropLast().reversed() { digits += String(repeating: "0", count: 9 - String(limb).count) + String(limb) }
    if fractionDigits == 0 { return digits }
    if digits.count <= fractionDigits { digits = String(repeating: "0", count: fractionDigits - digits.count + 1) + digits }
    let split = digits.index(digits.endIndex, offsetBy: -fractionDigits)
    return digits[..<split] + "." + digits[split...]
}


private func parsedBits(_ text: String) -> ParsedNumber {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { parseNumber($0.baseAddress!, 0, bytes.count) }
}

/// Checks `parseNumber` and the ingest's one-pass scanner against `strtod` for every text.
private func expectLikeStrtod(_ texts: [String]) throws {
    var finite: [(String, Double)] = []
    for text in texts {
        let expected = strtod(text, nil)
        let parsed = parsedBits(text)
        if expected.isInfinite {
            guard case .infinite = parsed else { Issue.record("\(text): expected infinite, got \(parsed)"); continue }
            continue
        }
        guard case .value(let v) = parsed else { Issue.record("could not parse \(text)"); continue }
        #expect(v.bitPattern == expected.bitPattern, "\(text)")
        finite.append((text, expected))
    }
    // The same numbers through the CSV reader's fast row loop (and its fallbacks).
    var csv = "task,x,y\n"
    for (k, item) in finite.enumerated() { csv += "t\(k % 3),\(item.0),\(k)\n" }
    let dataset = try MetaDataset.parse(csv: Array(csv.utf8), name: "hard.csv")
    for task in dataset.tasks {
        for (i, y) in task.targets.enumerated() {
            let (text, expected) = finite[Int(y)]
            #expect(task.inputs[i, 0].bitPattern == expected.bitPattern, "\(text) via the CSV reader")
        }
    }
    #expect(dataset.observationCount == finite.count)
}

@Suite("Data: number parsing hard cases")
struct NumberParsingHardCasesTests {
    @Test func seventeenDigitNumbersOverTheWholeRange() throws {
        var rng = SplitMix(state: 11)
        var texts: [String] = []
        for _ in 0..<20_000 {
            // Random bit patterns: every exponent, normal and subnormal.
            let bits: UInt64 = rng.next() & ~(UInt64(1) << 63)
            let v = Double(bitPattern: bits)
            guard v.isFinite else { continue }
            texts.append(String(format: "%.17g", v))
            texts.append(String(format: "%.16e", Double(-v)))
            texts.append(v.description)
        }
        try expectLikeStrtod(texts)
    }

    @Test func subnormalsAndTheEdgesOfTheRange() throws {
        var texts = ["4.9e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "2.47032822920623272e-324",
                     "1e-400", "-1e-400", "0e500", "1e-323", "2.2250738585072011e-308", "2.2250738585072012e-308",
                     "2.2250738585072014e-308", "2.225073858507201e-308", "4.4501477170144023e-308",
                     "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e308", "1e309",
                     "9.999999999999999e307", "8.98846567431158e307", "1e23", "1e22", "1e-22", "8.41e21", "9007199254740993",
                     "9007199254740995", "18014398509481985", "18014398509481987", "0.000001", "1e-5", "123456789e-342", "1e-342", "1e-343"]
        for k in stride(from: 0, to: 52, by: 3) {
            let v = Double(bitPattern: UInt64(1) << UInt64(k))  // subnormals, one bit each
            texts.append(String(format: "%.17g", v))
            texts.append(exactDecimal(v, midpointAbove: true))
        }
        try expectLikeStrtod(texts)
    }

    @Test func valuesNearPowersOfTwoAndExactMidpoints() throws {
        var texts: [String] = []
        for k in stride(from: -1074, through: 1023, by: 7) {
            let v = Double(sign: .plus, exponent: k, significand: 1)
            for w in [v.nextDown, v, v.nextUp] where w.isFinite && w > 0 {
                texts.append(String(format: "%.17g", w))
                // Exactly halfway to the next double (ties to even), and a hair either side.
                if k >= -1020 && k <= 200 {
                    let mid = exactDecimal(w, midpointAbove: true)
                    texts.append(mid)
                    texts.append(mid.contains(".") ? mid + "000000000000000000001" : mid + ".000000000000000000001")
                    if let last = mid.last, last != "0", let digit = last.wholeNumberValue {
                        texts.append(String(mid.dropLast()) + String(digit - 1) + "99999999999999999999")
                    }
                }
            }
        }
        try expectLikeStrtod(texts)
    }

    @Test func longMantissasAndExponents() throws {
        var rng = SplitMix(state: 12)
        var texts = ["123456789012345678901234567890", "0.1000000000000000055511151231257827021181583404541015625",
                     "0.10000000000000000555111512312578270211815834045410156250001", "9007199254740992.000000000000000000001",
                     "00000000000000000000000000000.5", "0.00000000000000000000000000000000000001234567890123456789",
                     "1.00000000000000000000000000000000000001", "99999999999999999999999e-23", "1E+22", "1e+0", "-0.0e-5",
                     "12345678901234567890e-30", "1234567890123456789", "12345678901234567891", "18446744073709551615",
                     "18446744073709551616", "7.2057594037927933e16", "2.0000000000000004", "2.0000000000000002"]
        for _ in 0..<5_000 {
            var digits = ""
            for _ in 0..<(20 + rng.integer(below: 30)) { digits += String(rng.integer(below: 10)) }
            let point = rng.integer(below: digits.count)
            let exponent = rng.integer(below: 640) - 330
            let text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point)) + "e\(exponent)"
            texts.append(text)
            texts.append(String(digits.prefix(19)) + "e\(exponent - 10)")
            texts.append("-" + String(digits.prefix(17)) + "E+\(abs(exponent) % 300)")
        }
        try expectLikeStrtod(texts)
    }
}
