// SPDX-License-Identifier: GPL-3.0-or-later

/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator for tests that walk many
/// random cases, so the cases are the same on every run and every machine.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// An integer in 0..<n (modulo reduction: its bias, below n/2⁶⁴, is irrelevant to tests).
    mutating func integer(below n: Int) -> Int { Int(next() % UInt64(n)) }
}
