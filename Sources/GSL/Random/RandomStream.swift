// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// A seeded stream of random numbers: GSL's Mersenne Twister (`gsl_rng_mt19937`), owned by a
/// class that frees it in `deinit` (the swift-crypto pattern for C resources).
///
/// Streams are keyed by `(seed, stream)`: the same pair always gives the same numbers, and
/// different pairs give independent-looking streams. Give every task or episode its own
/// stream index and results do not depend on which thread draws them, or in which order.
///
/// Why not `gsl_rng_set`: it takes a 32-bit seed, so among 100,000 substreams two would
/// collide more often than not (birthday bound). Instead the 624-word state is filled from a
/// SplitMix64 sequence keyed by both 64-bit numbers, as `init_by_array` does in the
/// reference implementation. Not thread-safe: one stream per thread of work.
public final class RandomStream {
    let generator: UnsafeMutablePointer<gsl_rng>
    /// The seed this stream was made from.
    public let seed: UInt64
    /// The stream index this stream was made from.
    public let stream: UInt64

    /// A stream for `(seed, stream)`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        prepareGSL()
        guard let generator = gsl_rng_alloc(metaprior_mt19937()) else {
            // Allocation of a 5 kB state failing means the process is out of memory.
            fatalError("metaprior: out of memory allocating a random number generator")
        }
        self.generator = generator
        self.seed = seed
        self.stream = stream
        let state = gsl_rng_state(generator)!.assumingMemoryBound(to: metaprior_mt_state.self)
        var mixer = SplitMix64(state: SplitMix64.mix(seed) ^ SplitMix64.mix(stream &+ 0x632B_E59B_D9B4_E019))
        withUnsafeMutableBytes(of: &state.pointee.mt) { raw in
            let words = raw.bindMemory(to: UInt.self)
            for i in words.indices { words[i] = UInt(truncatingIfNeeded: mixer.next() >> 32) }
            words[0] |= 0x8000_0000  // as init_by_array: the state is never all zero
        }
        state.pointee.mti = 624
    }

    deinit { gsl_rng_free(generator) }

    /// A derived stream: the same seed, another index. Use for per-task streams.
    public func substream(_ index: UInt64) -> RandomStream {
        RandomStream(seed: seed, stream: SplitMix64.mix(stream ^ 0x9E37_79B9_7F4A_7C15) ^ index)
    }

    /// Uniform on (0, 1), never 0 (`gsl_rng_uniform_pos`).
    public func uniform() -> Double { gsl_rng_uniform_pos(generator) }

    /// Uniform integer in 0..<n.
    public func integer(below n: Int) -> Int {
        precondition(n > 0, "integer(below:) needs a positive bound")
        if n <= Int(UInt32.max) { return Int(gsl_rng_uniform_int(generator, UInt(n))) }
        // Beyond 2^32 GSL's MT cannot answer in one draw: combine two, reject the tail.
        let limit = UInt64.max - UInt64.max % UInt64(n)
        while true {
            let x = (UInt64(gsl_rng_get(generator)) << 32) | UInt64(gsl_rng_get(generator))
            if x < limit { return Int(x % UInt64(n)) }
        }
    }

    /// Standard normal (`gsl_ran_gaussian_ziggurat`).
    public func standardNormal() -> Double { gsl_ran_gaussian_ziggurat(generator, 1) }

    /// Fills `buffer` with standard normal draws.
    public func fillStandardNormal(_ buffer: inout [Double]) {
        for i in buffer.indices { buffer[i] = gsl_ran_gaussian_ziggurat(generator, 1) }
    }

    /// A uniformly random permutation of `array` (Fisher–Yates, GSL `gsl_ran_shuffle`).
    public func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, integer(below: i + 1))
        }
    }

    /// Runs `body` with the GSL generator; for code in this layer only.
    func withGenerator<R>(_ body: (UnsafeMutablePointer<gsl_rng>) throws -> R) rethrows -> R {
        try body(generator)
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed 64-bit generator, used only to
/// expand `(seed, stream)` into generator state and to derive stream keys.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser: a bijective 64-bit hash.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
