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

/// Reads a decimal number from `bytes[start..<end]`, correctly rounded.
///
/// Hand-written because `strtod` is the slowest step of a CSV ingest (see
/// ``DecimalToDouble``): the digits are gathered into a 64-bit significand here (eight at a
/// time where possible) and converted by Clinger's fast path or Eisel–Lemire, with `strtod`
/// only for the rare cases those leave undecided, so the result is always strtod's.
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
    if let v = DecimalToDouble.convert(mantissa, exponent, negative: negative, truncated: truncated,
                                       powersOfTen: DecimalToDouble.exactPowersOfTen,
                                       powersOfFive: DecimalToDouble.powersOfFive) {
        return .value(v)
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

/// Reads a plain number — an optional `-`, digits with an optional `.`, an optional
/// exponent — from `bytes[start...]`, up to the first byte that cannot continue it, for the
/// ingest's one-pass row loop (finding where a field ends and converting it at once, instead
/// of scanning each field twice: hand-written for speed, see ``DecimalToDouble``).
///
/// Returns the value and the position of the byte after the number, or `nil` when the text
/// is not of this simple form, has more than 19 significant digits, or is not a finite
/// double; the caller then falls back to ``parseNumber(_:_:_:)`` on the whole field, which
/// accepts everything this does and gives the same value. `bytes[start...]` must end in a
/// byte that is not part of a number before `limit` (the `\n` sentinel), and eight bytes
/// from any position `i` with `i + 8 <= limit` must be readable.
@inline(__always)
func scanPlainNumber(_ bytes: UnsafePointer<UInt8>, _ start: Int, limit: Int,
                     powersOfTen: UnsafePointer<Double>, powersOfFive: UnsafePointer<UInt64>) -> (Double, Int)? {
    var i = start
    let negative = bytes[i] == UInt8(ascii: "-")
    if negative { i &+= 1 }
    let digitsStart = i
    var mantissa: UInt64 = 0
    while true {
        let d = bytes[i] &- 48
        if d > 9 { break }
        mantissa = mantissa &* 10 &+ UInt64(d)
        i &+= 1
    }
    var digitCount = i &- digitsStart
    var exponent = 0
    if bytes[i] == UInt8(ascii: ".") {
        i &+= 1
        let fractionStart = i
        while i &+ 8 <= limit {
            let word = UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt64.self).littleEndian
            guard isEightDigits(word) else { break }
            mantissa = mantissa &* 100_000_000 &+ eightDigitsValue(word)
            i &+= 8
        }
        while true {
            let d = bytes[i] &- 48
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i &+= 1
        }
        digitCount &+= i &- fractionStart
        exponent = fractionStart &- i
    }
    if digitCount == 0 { return nil }
    if digitCount > 19 {
        // Leading zeros (as in 0.00123…) are not significant and added nothing to the
        // wrapping sum above; with at most 19 significant digits the mantissa is exact.
        var k = digitsStart, zeros = 0
        while bytes[k] == UInt8(ascii: "0") || bytes[k] == UInt8(ascii: ".") {
            if bytes[k] == UInt8(ascii: "0") { zeros += 1 }
            k += 1
        }
        if digitCount - zeros > 19 { return nil }
    }
    if bytes[i] | 0x20 == UInt8(ascii: "e") {
        i += 1
        var exponentNegative = false
        if bytes[i] == UInt8(ascii: "-") { exponentNegative = true; i += 1 } else if bytes[i] == UInt8(ascii: "+") { i += 1 }
        let exponentStart = i
        var written = 0
        while true {
            let d = bytes[i] &- 48
            if d > 9 { break }
            if written < 100_000 { written = written * 10 + Int(d) }
            i += 1
        }
        if i == exponentStart { return nil }
        exponent += exponentNegative ? -written : written
    }
    if let v = DecimalToDouble.convert(mantissa, exponent, negative: negative, truncated: false,
                                       powersOfTen: powersOfTen, powersOfFive: powersOfFive) {
        return (v, i)
    }
    guard case .value(let v) = slowParse(bytes, start, i) else { return nil }
    return (v, i)
}
