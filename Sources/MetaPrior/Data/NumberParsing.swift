// SPDX-License-Identifier: GPL-3.0-or-later
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of reading one numeric field.
enum ParsedNumber {
    case value(Double)
    /// An empty field (or only spaces): a missing value.
    case empty
    /// `NaN`, `nan`, `NA`…: not allowed in a data set.
    case notANumber
    /// `inf`, `-Infinity`, or a finite literal too large for a `Double`.
    case infinite
    /// Anything else.
    case invalid
}

/// Powers of ten that are exact in binary floating point (10^0 … 10^27 fit a 64-bit significand).
private let exactPowersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }
#if arch(x86_64) && !os(Windows) && !os(Android)
private let exactPowersOfTen80: [Float80] = {
    var powers: [Float80] = [1]
    for _ in 1...27 { powers.append(powers.last! * 10) }
    return powers
}()
#endif

/// Reads a decimal number from `bytes[start..<end]`, correctly rounded.
///
/// Hand-written because `strtod` is the slowest step of a CSV ingest: it takes
/// 100–200 ns for the 17-digit numbers Swift and NumPy print (glibc goes through
/// multi-precision arithmetic for them), which alone would make reading a 1,000,000 × 4
/// file slower than pandas. The fast paths below are exact:
///
/// - Clinger (1990): a significand m < 2^53 and |e| ≤ 22 give m·10^e or m/10^e with one
///   correctly rounded operation, since both operands are exact doubles.
/// - On x86-64, the same with the 64-bit significand of `Float80` for up to 19 digits and
///   |e| ≤ 27, then rounded to `Double`. Double rounding can err only when the `Float80`
///   result is exactly a midpoint between two doubles (its low 11 significand bits are
///   `0x400`); that case, and everything else (more than 19 digits, large exponents), falls
///   back to `strtod`, which is correct everywhere.
///
/// Accepts an optional sign, digits with an optional `.`, and an optional exponent; leading
/// and trailing spaces or tabs are ignored. Hexadecimal floats, thousands separators and
/// `1_000` are rejected. Uses the C locale (Swift never calls `setlocale`).
@inline(__always)
func parseNumber(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedNumber {
    var i = start, end = end
    while i < end && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
    while end > i && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
    if i == end { return .empty }
    let numberStart = i
    var negative = false
    if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if bytes[i] == UInt8(ascii: "+") { i += 1 }
    var mantissa: UInt64 = 0
    var significant = 0
    var exponent = 0
    var truncated = false
    var anyDigit = false
    while i < end {
        let d = bytes[i] &- 48
        if d > 9 { break }
        anyDigit = true
        if significant < 19 {
            mantissa = mantissa &* 10 &+ UInt64(d)
            if mantissa != 0 { significant += 1 }
        } else {
            exponent += 1
            if d != 0 { truncated = true }
        }
        i += 1
    }
    if i < end && bytes[i] == UInt8(ascii: ".") {
        i += 1
        while i < end {
            // Eight digits at a time once the significand has started (SWAR, as in
            // Lemire's fast_float): most of a 17-digit number goes through here.
            if significant <= 11 && i + 8 <= end {
                let word = UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt64.self).littleEndian
                if isEightDigits(word) {
                    let value = eightDigitsValue(word)
                    // Leading zeros (as in 0.00123…) are not significant digits.
                    significant = mantissa != 0 ? significant + 8 : decimalDigitCount(value)
                    mantissa = mantissa &* 100_000_000 &+ value
                    exponent -= 8
                    anyDigit = true
                    i += 8
                    continue
                }
            }
            let d = bytes[i] &- 48
            if d > 9 { break }
            anyDigit = true
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { significant += 1 }
                exponent -= 1
            } else if d != 0 {
                truncated = true
            }
            i += 1
        }
    }
    guard anyDigit else { return classifyWord(bytes, numberStart, end) }
    if i < end && (bytes[i] | 0x20) == UInt8(ascii: "e") {
        i += 1
        var exponentNegative = false
        if i < end && bytes[i] == UInt8(ascii: "-") { exponentNegative = true; i += 1 } else if i < end && bytes[i] == UInt8(ascii: "+") { i += 1 }
        var written = 0
        var anyExponentDigit = false
        while i < end {
            let d = bytes[i] &- 48
            if d > 9 { break }
            anyExponentDigit = true
            if written < 100_000 { written = written * 10 + Int(d) }
            i += 1
        }
        guard anyExponentDigit else { return .invalid }
        exponent += exponentNegative ? -written : written
    }
    guard i == end else { return .invalid }
    if mantissa == 0 { return .value(negative ? -0.0 : 0.0) }
    if !truncated {
        if mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            let m = Double(mantissa)
            let v = exponent >= 0 ? m * exactPowersOfTen[exponent] : m / exactPowersOfTen[-exponent]
            return .value(negative ? -v : v)
        }
        #if arch(x86_64) && !os(Windows) && !os(Android)
        if exponent >= -27 && exponent <= 27 {
            let m = Float80(mantissa)
            let r = exponent >= 0 ? m * exactPowersOfTen80[exponent] : m / exactPowersOfTen80[-exponent]
            if r.significandBitPattern & 0x7FF != 0x400 {
                let v = Double(r)
                return .value(negative ? -v : v)
            }
        }
        #endif
    }
    return slowParse(bytes, numberStart, end)
}

/// Whether all eight bytes of `word` (little-endian) are ASCII digits.
@inline(__always)
private func isEightDigits(_ word: UInt64) -> Bool {
    ((word & 0xF0F0_F0F0_F0F0_F0F0) | (((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)) == 0x3333_3333_3333_3333
}

/// Number of decimal digits of `v` < 10^8 (0 for 0).
@inline(__always)
private func decimalDigitCount(_ v: UInt64) -> Int {
    var count = 0, power: UInt64 = 1
    while count < 8 && v >= power { count += 1; power &*= 10 }
    return count
}

/// The value of eight ASCII digits, the first in the lowest byte.
@inline(__always)
private func eightDigitsValue(_ word: UInt64) -> UInt64 {
    var v = word &- 0x3030_3030_3030_3030
    v = (v &* 10) &+ (v >> 8)
    v = (((v & 0x0000_00FF_0000_00FF) &* (100 &+ (1_000_000 << 32)))
         &+ (((v >> 16) & 0x0000_00FF_0000_00FF) &* (1 &+ (10_000 << 32)))) >> 32
    return v & 0xFFFF_FFFF
}

/// `strtod` on a field whose syntax is already checked: our grammar is a subset of
/// `strtod`'s, so it consumes exactly the field. Copied out so it is NUL-terminated.
@inline(never)
private func slowParse(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedNumber {
    let length = end - start
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
        for k in 0..<length { buffer[k] = CChar(bitPattern: bytes[start + k]) }
        buffer[length] = 0
        var stop: UnsafeMutablePointer<CChar>? = nil
        let v = strtod(buffer.baseAddress!, &stop)
        guard let stop, stop - buffer.baseAddress! == length else { return .invalid }
        return v.isFinite ? .value(v) : .infinite
    }
}

/// Tells a word that means "not a number" or "infinity" from other text.
@inline(never)
private func classifyWord(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedNumber {
    var word = String(decoding: UnsafeBufferPointer(start: bytes + start, count: end - start), as: UTF8.self).lowercased()
    if word.hasPrefix("+") || word.hasPrefix("-") { word.removeFirst() }
    switch word {
    case "nan", "na", "n/a", "null", "none", "#n/a": return .notANumber
    case "inf", "infinity": return .infinite
    default: return .invalid
    }
}
