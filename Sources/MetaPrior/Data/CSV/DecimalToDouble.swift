// SPDX-License-Identifier: GPL-3.0-or-later

/// Decimal significand × 10^exponent → the correctly rounded `Double`, without `strtod` in all
/// but rare cases.
///
/// Hand-written for speed: converting the 17-digit numbers that Swift, NumPy and pandas print
/// is the largest single cost of a CSV ingest, and `strtod` (glibc goes through
/// multi-precision arithmetic for such inputs) takes 100–200 ns each, which alone would make
/// reading a 1,000,000 × 4 file slower than pandas. The method is the Eisel–Lemire algorithm
/// (Lemire, "Number parsing at a gigabyte per second", Software: Practice and Experience
/// 2021), as in the fast_float library: the 64-bit decimal significand, normalised, is
/// multiplied by a 128-bit truncation of 5^q; when the product's low bits leave no doubt about
/// the rounding, the result is exact. Every case this code does not decide — an ambiguous
/// product, subnormal or overflowing results, exponents outside the table — is left to
/// `strtod` by returning `nil`, so the result is always bit-identical to `strtod`.
enum DecimalToDouble {
    /// Smallest and largest decimal exponent q of the power-of-five table.
    static let smallestPower = -342
    static let largestPower = 308

    /// 128-bit approximations of 5^q for q in `smallestPower...largestPower`, two words per
    /// power (high, low), normalised so the high word's top bit is set. Made once at start-up
    /// (about 0.1 ms) rather than kept as a 1,302-number literal. For q ≥ 0 the value is
    /// 5^q's leading 128 bits (truncated); for q < 0 it is ⌊2^b / 5^-q⌋ + 1, cut to its
    /// leading 128 bits, with b = ⌈log2 5^-q⌉ + 127 for -q ≤ 27 and 2⌈log2 5^-q⌉ + 128 beyond —
    /// the table the algorithm's error analysis assumes.
    static let powersOfFive: UnsafePointer<UInt64> = makePowersOfFive()

    private static func makePowersOfFive() -> UnsafePointer<UInt64> {
        let count = largestPower - smallestPower + 1
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * count)
        // Non-negative powers: 5^q exactly, by repeated multiplication.
        var power = BigNatural(1)
        for q in 0...largestPower {
            let length = power.bitLength
            let (hi, lo) = length <= 128 ? power.bits128(shiftedLeftBy: 128 - length) : power.bits128(shiftedRightBy: length - 128)
            table[2 * (q - smallestPower)] = hi
            table[2 * (q - smallestPower) + 1] = lo
            power.multiply(by: 5)
        }
        // Negative powers: ⌊2^K / 5^k⌋ for k = 1, 2, … by exact repeated division by 5
        // (⌊⌊x⌋ / 5⌋ = ⌊x / 5⌋), from which ⌊2^b / 5^k⌋ = ⌊2^K / 5^k⌋ >> (K - b) for any b ≤ K.
        let bigK = 1792  // ≥ 2·795 + 128, the largest b (5^342 has 795 bits)
        var reciprocal = BigNatural(powerOfTwo: bigK)
        var fivePower = BigNatural(1)
        for k in 1...(-smallestPower) {
            reciprocal.divide(by: 5)
            fivePower.multiply(by: 5)
            let z = fivePower.bitLength  // 5^k is not a power of two: 2^(z-1) < 5^k < 2^z
            let b = k <= 27 ? z + 127 : 2 * z + 128
            var c = reciprocal.shiftedRight(by: bigK - b)
            c.addOne()
            let length = c.bitLength
            let (hi, lo) = length <= 128 ? c.bits128(shiftedLeftBy: 128 - length) : c.bits128(shiftedRightBy: length - 128)
            table[2 * (-k - smallestPower)] = hi
            table[2 * (-k - smallestPower) + 1] = lo
        }
        return UnsafePointer(table)
    }

    /// The bit pattern of the positive `Double` nearest w · 10^q (ties to even), or `nil` when
    /// this fast method cannot decide it (then ask `strtod`). Requires w ≠ 0 and q within
    /// the table.
    @inline(__always)
    static func eiselLemire(_ w: UInt64, _ q: Int, _ table: UnsafePointer<UInt64>) -> UInt64? {
        let shift = w.leadingZeroBitCount
        let normalized = w << UInt64(shift)
        let entry = table + 2 * (q - smallestPower)
        var (high, low) = normalized.multipliedFullWidth(by: entry[0])
        // 55 bits of the product matter (52 + hidden bit + rounding + the top bit's choice);
        // when the 9 bits below them are all ones a carry from the next word could change
        // them, so include the low word of 5^q.
        if high & 0x1FF == 0x1FF {
            let second = normalized.multipliedFullWidth(by: entry[1]).high
            let (sum, carry) = low.addingReportingOverflow(second)
            low = sum
            if carry { high &+= 1 }
        }
        // Outside q ∈ [-27, 55] the table is inexact, and an all-ones low word could still
        // hide a carry: undecided.
        if low == .max && (q < -27 || q > 55) { return nil }
        let upper = Int(high >> 63)
        var mantissa = high >> UInt64(upper + 9)
        // ⌊q · log2 10⌋ + 63 (exact over the table's range), then the binary exponent biased.
        var exponent = ((217_706 * q) >> 16) + 63 + upper - shift + 1023
        // Subnormal or zero: rare in data; strtod does it.
        if exponent <= 0 { return nil }
        // Exactly halfway between two doubles is possible only for small q; round to even.
        if low <= 1 && q >= -4 && q <= 23 && mantissa & 3 == 1 && (mantissa << UInt64(upper + 9)) == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= 2 << 52 {
            mantissa = 1 << 52
            exponent += 1
        }
        mantissa &= ~(1 << 52)
        if exponent >= 0x7FF { return nil }  // overflow: strtod says ±inf
        return UInt64(exponent) << 52 | mantissa
    }

    /// Exact powers of ten as doubles, 10^0 … 10^22.
    static let exactPowersOfTen: UnsafePointer<Double> = {
        let table = UnsafeMutablePointer<Double>.allocate(capacity: 23)
        var p = 1.0
        for k in 0...22 { table[k] = p; p *= 10 }
        return UnsafePointer(table)
    }()

    /// The correctly rounded value of ±w · 10^q, or `nil` when `strtod` must decide.
    /// `truncated` says digits after the 19th were dropped (and were not all zero): the true
    /// significand is then between w and w + 1.
    @inline(__always)
    static func convert(_ w: UInt64, _ q: Int, negative: Bool, truncated: Bool,
                        powersOfTen: UnsafePointer<Double>, powersOfFive: UnsafePointer<UInt64>) -> Double? {
        if w == 0 { return negative ? -0.0 : 0.0 }
        // Clinger's fast path: both operands exact doubles, one correctly rounded operation.
        if !truncated && w <= 1 << 53 && q >= -22 && q <= 22 {
            let m = Double(w)
            let v = q >= 0 ? m * powersOfTen[q] : m / powersOfTen[-q]
            return negative ? -v : v
        }
        guard q >= smallestPower && q <= largestPower, let bits = eiselLemire(w, q, powersOfFive) else { return nil }
        if truncated {
            // Both ends of the interval must round to the same double.
            guard let upperBits = eiselLemire(w + 1, q, powersOfFive), upperBits == bits else { return nil }
        }
        return Double(bitPattern: negative ? bits | 1 << 63 : bits)
    }
}

/// A natural number of any size, just enough for making the power-of-five tables (this
/// file's, and ``ShortestDouble``'s powers of ten).
struct BigNatural {
    /// Little-endian 64-bit words, no high zero words.
    var words: [UInt64]

    init(_ value: UInt64) { words = value == 0 ? [] : [value] }

    init(powerOfTwo n: Int) {
        words = Array(repeating: 0, count: n / 64 + 1)
        words[n / 64] = 1 << UInt64(n % 64)
    }

    var bitLength: Int { words.isEmpty ? 0 : 64 * (words.count - 1) + (64 - words.last!.leadingZeroBitCount) }

    mutating func multiply(by m: UInt64) {
        var carry: UInt64 = 0
        for i in words.indices {
            let (high, low) = words[i].multipliedFullWidth(by: m)
            let (sum, overflow) = low.addingReportingOverflow(carry)
            words[i] = sum
            carry = high &+ (overflow ? 1 : 0)
        }
        if carry != 0 { words.append(carry) }
    }

    mutating func divide(by d: UInt64) {
        var remainder: UInt64 = 0
        for i in words.indices.reversed() {
            let (quotient, r) = d.dividingFullWidth((high: remainder, low: words[i]))
            words[i] = quotient
            remainder = r
        }
        while words.last == 0 { words.removeLast() }
    }

    mutating func addOne() {
        for i in words.indices {
            words[i] &+= 1
            if words[i] != 0 { return }
        }
        words.append(1)
    }

    /// Word `i` of self · 2^-s (bits below are dropped), for s ≥ 0; 0 beyond the top.
    private func word(_ i: Int, shiftedRightBy s: Int) -> UInt64 {
        let index = i + s / 64, bit = s % 64
        func at(_ k: Int) -> UInt64 { k < words.count ? words[k] : 0 }
        return bit == 0 ? at(index) : (at(index) >> UInt64(bit)) | (at(index + 1) << UInt64(64 - bit))
    }

    func shiftedRight(by s: Int) -> BigNatural {
        var result = BigNatural(0)
        let count = max(0, (bitLength - s + 63) / 64)
        result.words = (0..<count).map { word($0, shiftedRightBy: s) }
        while result.words.last == 0 { result.words.removeLast() }
        return result
    }

    /// The low 128 bits of ⌊self / 2^s⌋, as (high, low).
    func bits128(shiftedRightBy s: Int) -> (UInt64, UInt64) { (word(1, shiftedRightBy: s), word(0, shiftedRightBy: s)) }

    /// self · 2^s as (high, low), for a value that then fits 128 bits.
    func bits128(shiftedLeftBy s: Int) -> (UInt64, UInt64) {
        let low = words.first ?? 0, high = words.count > 1 ? words[1] : 0
        if s == 0 { return (high, low) }
        if s >= 64 { return (s == 64 ? low : low << UInt64(s - 64), 0) }
        return ((high << UInt64(s)) | (low >> UInt64(64 - s)), low << UInt64(s))
    }
}
