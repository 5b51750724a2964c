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

    /// A stream for `(seed, stream)`: a fresh `gsl_rng_mt19937` whose 624-word state is filled
    /// from SplitMix64 keyed by both numbers.
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

    /// A derived stream: the same seed, another index (a SplitMix64 hash of this stream's index
    /// combined with `index`). Use for per-task streams: substream k of a stream is the same
    /// whichever thread asks for it, and independent-looking of substream k + 1.
    public func substream(_ index: UInt64) -> RandomStream {
        RandomStream(seed: seed, stream: SplitMix64.mix(stream ^ 0x9E37_79B9_7F4A_7C15) ^ index)
    }

    /// Uniform on (0, 1), never 0 (`gsl_rng_uniform_pos`).
    public func uniform() -> Double { gsl_rng_uniform_pos(generator) }

    /// A uniform integer in 0..<n (`gsl_rng_uniform_int`; beyond 2³² two 32-bit outputs
    /// combined, with rejection so that there is no modulo bias).
    ///
    /// - Precondition: `n > 0`.
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

    /// One standard normal draw, N(0, 1) (`gsl_ran_gaussian_ziggurat` with σ = 1).
    public func standardNormal() -> Double { gsl_ran_gaussian_ziggurat(generator, 1) }

    /// Fills `buffer` with independent standard normal draws, in index order, as that many calls
    /// of ``standardNormal()`` would (`gsl_ran_gaussian_ziggurat`), without allocating.
    public func fillStandardNormal(_ buffer: inout [Double]) {
        for i in buffer.indices { buffer[i] = gsl_ran_gaussian_ziggurat(generator, 1) }
    }

    /// Permutes `array` uniformly at random, in place (Fisher–Yates, the algorithm of GSL's
    /// `gsl_ran_shuffle`, with indices from ``integer(below:)``).
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
///
/// Not a generator for statistics (use ``RandomStream``): its job is to turn structured keys
/// (0, 1, 2, …) into well-spread 64-bit words.
public struct SplitMix64: Sendable {
    /// The counter: advanced by the golden-ratio increment 0x9E3779B97F4A7C15 per output.
    public var state: UInt64
    /// A generator whose first output is `mix(state &+ 0x9E3779B97F4A7C15)`.
    public init(state: UInt64) { self.state = state }

    /// The next output: advances ``state`` by the increment and returns ``mix(_:)`` of it.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser: a bijective 64-bit hash (two xor-shift-multiply rounds and a
    /// final xor-shift), so distinct inputs give distinct outputs.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
