// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch
import Testing
@testable import GSL

@Suite("Random streams")
struct RandomStreamTests {
    static func draws(_ stream: RandomStream, _ count: Int = 1000) -> [Double] {
        (0..<count).map { i in i % 2 == 0 ? stream.uniform() : stream.standardNormal() }
    }

    @Test func sameSeedAndStreamGiveIdenticalSequences() {
        #expect(Self.draws(RandomStream(seed: 42, stream: 9)) == Self.draws(RandomStream(seed: 42, stream: 9)))
        let g1 = try! Gamma(shape: 2, rate: 1), s1 = RandomStream(seed: 1), s2 = RandomStream(seed: 1)
        #expect((0..<100).map { _ in g1.sample(using: s1) } == (0..<100).map { _ in g1.sample(using: s2) })
    }

    @Test func differentStreamsAndSeedsDiffer() {
        let base = Self.draws(RandomStream(seed: 42, stream: 0))
        #expect(base != Self.draws(RandomStream(seed: 42, stream: 1)))
        #expect(base != Self.draws(RandomStream(seed: 43, stream: 0)))
        // Seeds that agree in their low 32 bits must still differ (gsl_rng_set would collide).
        #expect(Self.draws(RandomStream(seed: 1)) != Self.draws(RandomStream(seed: 1 + (1 << 32))))
        // No shared prefix either: the first draws already differ.
        let first = (0..<1000).map { RandomStream(seed: 7, stream: UInt64($0)).uniform() }
        #expect(Set(first).count == 1000)
    }

    @Test func substreamsDoNotDependOnCreationOrderOrParentUse() {
        let parentA = RandomStream(seed: 99)
        let a3 = parentA.substream(3), a5 = parentA.substream(5)
        let parentB = RandomStream(seed: 99)
        _ = Self.draws(parentB, 17)  // using the parent must not shift its substreams
        let b5 = parentB.substream(5), b3 = parentB.substream(3)
        #expect(Self.draws(a3) == Self.draws(b3))
        #expect(Self.draws(a5) == Self.draws(b5))
        #expect(Self.draws(RandomStream(seed: 99).substream(3)) != Self.draws(RandomStream(seed: 99).substream(5)))
    }

    /// Each worker makes its own substream; the numbers must not depend on threads or timing.
    @Test func streamsAreThreadIndependent() {
        let workers = 16, count = 2000
        let serial = (0..<workers).map { Self.draws(RandomStream(seed: 2024).substream(UInt64($0)), count) }
        let results = ResultSlots(count: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let stream = RandomStream(seed: 2024).substream(UInt64(w))
            results.store(Self.draws(stream, count), at: w)
        }
        #expect(results.values == serial)
    }

    @Test func shuffleAndIntegerAreReproducible() {
        var a = Array(0..<50), b = Array(0..<50)
        RandomStream(seed: 3).shuffle(&a)
        RandomStream(seed: 3).shuffle(&b)
        #expect(a == b && a != Array(0..<50) && a.sorted() == Array(0..<50))
        let s = RandomStream(seed: 4)
        #expect((0..<1000).allSatisfy { _ in (0..<7).contains(s.integer(below: 7)) })
        #expect((0..<100).allSatisfy { _ in s.integer(below: 1 << 40) < 1 << 40 })
    }
}

/// One slot per worker, each written by exactly one thread; read after the parallel loop.
final class ResultSlots: @unchecked Sendable {
    private var slots: [[Double]]
    private let lock = SemaphoreLock()
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func store(_ value: [Double], at index: Int) { lock.withLock { slots[index] = value } }
    var values: [[Double]] { lock.withLock { slots } }
}

/// A minimal lock over a Dispatch semaphore (no Foundation needed).
final class SemaphoreLock: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 1)
    func withLock<R>(_ body: () -> R) -> R {
        semaphore.wait()
        defer { semaphore.signal() }
        return body()
    }
}
