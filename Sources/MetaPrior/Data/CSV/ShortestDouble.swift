// SPDX-License-Identifier: GPL-3.0-or-later

/// A `Double` as the shortest decimal text that reads back to it, spelled exactly as Swift's
/// `description` spells it, written straight into a byte buffer.
///
/// Hand-written for speed: formatting is the largest user-space cost of a sample CSV
/// (21,000,000 numbers for a million 20-d draws), and Swift's formatter, reached without a
/// `String` only through the generic `TextOutputStream` path, took about 30 ns a number. The
/// method is Schubfach (R. Giulietti, "The Schubfach way to render doubles", 2020; as in
/// Java's `DoubleToDecimal`): the rounding interval of the double is scaled by a 126-bit
/// upper approximation of a power of ten, and the shortest decimal in it is read off with a
/// handful of 64-bit multiplications; among equally short candidates the one nearest the
/// double is taken (ties to an even last digit). The digits are then laid out as Swift does:
/// plain decimal (`0.0001`, `100.0`, `9007199254740992.0`) for 10⁻⁴ ≤ |v| ≤ 2⁵³, else
/// exponential with a signed exponent of at least two digits (`9.999e-05`, `1e+16`).
/// Zero, subnormals, infinities and NaN are the caller's (``CSVWriter/writeNumber(_:to:)``).
enum ShortestDouble {
    /// The decimal exponent range of the table: k in `smallestK...largestK`.
    static let smallestK = -324
    static let largestK = 292

    /// For each k, g = ⌊10⁻ᵏ · 2⁻ʳ⌋ + 1 with r such that 2¹²⁵ ≤ g < 2¹²⁶ (g is never below
    /// 10⁻ᵏ · 2⁻ʳ, the approximation the method's proof assumes), stored as (g >> 63, g mod 2⁶³).
    /// Made once, on first use, exactly with big-integer arithmetic (about a millisecond).
    static let table: UnsafePointer<UInt64> = {
        let count = largestK - smallestK + 1
        let out = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * count)
        func store(_ k: Int, _ floorValue: (UInt64, UInt64)) {
            var (high, low) = floorValue
            low &+= 1
            if low == 0 { high &+= 1 }
            out[2 * (k - smallestK)] = (high << 1) | (low >> 63)
            out[2 * (k - smallestK) + 1] = low & (1 << 63 - 1)
        }
        // k ≤ 0: 10^-k is an integer N; ⌊N · 2^(126 - L)⌋ with L its bit length.
        var power = BigNatural(1)
        for e in 0...(-smallestK) {
            let length = power.bitLength
            store(-e, length >= 126 ? power.bits128(shiftedRightBy: length - 126) : power.bits128(shiftedLeftBy: 126 - length))
            power.multiply(by: 10)
        }
        // k > 0: 10^-k = 1 / 10^k; ⌊2^(125 + L) / 10^k⌋ with L the bit length of 10^k, which is
        // ⌊2^(125 + L − k) / 5^k⌋ = ⌊2^1024 / 5^k⌋ >> (1024 − 125 − L + k) (⌊⌊x⌋ / 2^j⌋ = ⌊x / 2^j⌋).
        let big = 1024
        var reciprocal = BigNatural(powerOfTwo: big)
        var tenPower = BigNatural(1)
        for k in 1...largestK {
            reciprocal.divide(by: 5)
            tenPower.multiply(by: 10)
            store(k, reciprocal.bits128(shiftedRightBy: big - 125 - tenPower.bitLength + k))
        }
        return UnsafePointer(out)
    }()

    /// The two tables, fetched once by a caller that formats many numbers (a global's lazy
    /// initialisation is checked on every access otherwise, a tenth of the time here).
    struct Tables: @unchecked Sendable {
        let powers: UnsafePointer<UInt64>
        let pairs: UnsafePointer<UInt8>
        static let shared = Tables(powers: table, pairs: digitPairs)
    }

    /// Two ASCII digits per entry, 00 … 99.
    static let digitPairs: UnsafePointer<UInt8> = {
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: 200)
        for n in 0..<100 {
            out[2 * n] = UInt8(ascii: "0") + UInt8(n / 10)
            out[2 * n + 1] = UInt8(ascii: "0") + UInt8(n % 10)
        }
        return UnsafePointer(out)
    }()

    /// ⌊log10 2^q⌋, for |q| ≤ 5456721.
    @inline(__always) static func floorLog10Pow2(_ q: Int) -> Int { (q &* 661_971_961_083) >> 41 }
    /// ⌊log10 (3/4 · 2^q)⌋.
    @inline(__always) static func floorLog10ThreeQuartersPow2(_ q: Int) -> Int { (q &* 661_971_961_083 &- 274_743_187_321) >> 41 }
    /// ⌊log2 10^e⌋, for |e| ≤ 1233.
    @inline(__always) static func floorLog2Pow10(_ e: Int) -> Int { (e &* 913_124_641_741) >> 38 }

    /// ⌊g · cp / 2¹²⁷⌋, with its lowest bit set when the discarded bits are not all zero (the
    /// "round to odd" that keeps the comparisons exact).
    @inline(__always)
    static func roundOdd(_ g1: UInt64, _ g0: UInt64, _ cp: UInt64) -> UInt64 {
        let x1 = g0.multipliedFullWidth(by: cp).high
        let (y1, y0) = g1.multipliedFullWidth(by: cp)
        let z = (y0 >> 1) &+ x1
        let vbp = y1 &+ (z >> 63)
        return vbp | (((z & (1 << 63 - 1)) &+ (1 << 63 - 1)) >> 63)
    }

    /// The shortest decimal f · 10^e in the rounding interval of the positive finite double with
    /// significand c (2⁵² ≤ c < 2⁵³) and binary exponent q (value c · 2^q), nearest it among
    /// the shortest. f may end in zeros.
    @inline(__always)
    static func decimal(q: Int, c: UInt64, table: UnsafePointer<UInt64>) -> (f: UInt64, e: Int) {
        let out: UInt64 = c & 1
        let cb = c << 2
        let cbr = cb + 2
        let cbl: UInt64
        let k: Int
        if c != 1 << 52 || q == -1074 {
            cbl = cb - 2
            k = floorLog10Pow2(q)
        } else {
            cbl = cb - 1
            k = floorLog10ThreeQuartersPow2(q)
        }
        let h = q + floorLog2Pow10(-k) + 2
        let entry = table + 2 * (k - smallestK)
        let g1 = entry[0], g0 = entry[1]
        let vb = roundOdd(g1, g0, cb << UInt64(h))
        let vbl = roundOdd(g1, g0, cbl << UInt64(h))
        let vbr = roundOdd(g1, g0, cbr << UInt64(h))
        let s = vb >> 2
        if s >= 100 {
            // One digit fewer, if a multiple of ten is in the interval (and only one end).
            let sp10 = 10 * s.multipliedFullWidth(by: 115_292_150_460_684_698 << 4).high
            let tp10 = sp10 + 10
            let upin = vbl + out <= sp10 << 2
            let wpin = (tp10 << 2) + out <= vbr
            if upin != wpin { return (upin ? sp10 : tp10, k) }
        }
        let t = s + 1
        let uin = vbl + out <= s << 2
        let win = (t << 2) + out <= vbr
        if uin != win { return (uin ? s : t, k) }
        // Both in: the nearer; a tie goes to the even one.
        let middle = (s + t) << 1
        return (vb < middle || (vb == middle && s & 1 == 0) ? s : t, k)
    }

    /// Writes the text of the normal (finite, non-zero, not subnormal) `value` at `buffer`
    /// (room for 32 bytes) and returns its length. Subnormals are left to Swift's formatter:
    /// their rounding interval is wide enough that the shortest text can be several digits
    /// shorter than this method's one-digit shortening finds (Java, whose method this is, wants
    /// two digits there anyway: `4.9E-324` where Swift writes `5e-324`).
    @inline(__always)
    static func write(_ value: Double, to buffer: UnsafeMutablePointer<UInt8>, tables: Tables) -> Int {
        let pairs = tables.pairs
        let bits = value.bitPattern
        let t = bits & (1 << 52 - 1)
        let biased = Int((bits >> 52) & 0x7FF)
        var f: UInt64, e: Int
        let c = 1 << 52 | t
        let mq = 1075 - biased  // −q
        if mq > 0 && mq < 53 && (c >> UInt64(mq)) << UInt64(mq) == c {
            (f, e) = (c >> UInt64(mq), 0)  // an integer below 2⁵³: its own digits
        } else {
            (f, e) = decimal(q: -mq, c: c, table: tables.powers)
        }
        // Drop trailing zeros.
        while f % 10 == 0 { f /= 10; e += 1 }
        // The digits, right-aligned in 24 bytes of scratch.
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { raw in
            let digits = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var at = 24
            var rest = f
            // Eight digits at a time (four independent pairs), then the leading ones.
            while rest >= 100_000_000 {
                let block = Int(rest % 100_000_000)
                rest /= 100_000_000
                at -= 8
                let high = block / 10_000, low = block % 10_000
                let p0 = 2 * (high / 100), p1 = 2 * (high % 100), p2 = 2 * (low / 100), p3 = 2 * (low % 100)
                digits[at] = pairs[p0]; digits[at + 1] = pairs[p0 + 1]
                digits[at + 2] = pairs[p1]; digits[at + 3] = pairs[p1 + 1]
                digits[at + 4] = pairs[p2]; digits[at + 5] = pairs[p2 + 1]
                digits[at + 6] = pairs[p3]; digits[at + 7] = pairs[p3 + 1]
            }
            while rest >= 100 {
                let pair = Int(rest % 100)
                rest /= 100
                at -= 2
                digits[at] = pairs[2 * pair]
                digits[at + 1] = pairs[2 * pair + 1]
            }
            if rest >= 10 {
                at -= 2
                digits[at] = pairs[2 * Int(rest)]
                digits[at + 1] = pairs[2 * Int(rest) + 1]
            } else {
                at -= 1
                digits[at] = UInt8(ascii: "0") + UInt8(rest)
            }
            let n = 24 - at
            let first = digits + at
            let exponent = e + n - 1  // value = d.ddd × 10^exponent
            var out = buffer
            if bits >> 63 != 0 { out.pointee = UInt8(ascii: "-"); out += 1 }
            if exponent < -4 || value.magnitude > 9_007_199_254_740_992 {
                out.pointee = first[0]; out += 1
                if n > 1 {
                    out.pointee = UInt8(ascii: "."); out += 1
                    out.update(from: first + 1, count: n - 1); out += n - 1
                }
                out.pointee = UInt8(ascii: "e"); out += 1
                out.pointee = exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"); out += 1
                let magnitude = abs(exponent)
                if magnitude >= 100 { out.pointee = UInt8(ascii: "0") + UInt8(magnitude / 100); out += 1 }
                out[0] = pairs[2 * (magnitude % 100)]
                out[1] = pairs[2 * (magnitude % 100) + 1]
                out += 2
            } else if exponent < 0 {
                out.pointee = UInt8(ascii: "0"); out += 1
                out.pointee = UInt8(ascii: "."); out += 1
                for _ in 0..<(-exponent - 1) { out.pointee = UInt8(ascii: "0"); out += 1 }
                out.update(from: first, count: n); out += n
            } else if exponent >= n - 1 {
                out.update(from: first, count: n); out += n
                for _ in 0..<(exponent - (n - 1)) { out.pointee = UInt8(ascii: "0"); out += 1 }
                out.pointee = UInt8(ascii: "."); out += 1
                out.pointee = UInt8(ascii: "0"); out += 1
            } else {
                out.update(from: first, count: exponent + 1); out += exponent + 1
                out.pointee = UInt8(ascii: "."); out += 1
                out.update(from: first + exponent + 1, count: n - exponent - 1); out += n - exponent - 1
            }
            return out - buffer
        }
    }
}
