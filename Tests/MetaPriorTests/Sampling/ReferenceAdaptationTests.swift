// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// Warm-up adaptation of the elliptical slice sampler's reference: the draws stay exact and
/// become nearly independent when the given reference is off the target.
@Suite("Elliptical slice sampler: reference adapted in warm-up")
struct ReferenceAdaptationTests {
    /// Target N(a, S) in three dimensions, S = LLᵀ with a correlated L, written as the reference
    /// N(0, I) times r(φ) = log N(φ; a, S) − log N(φ; 0, I): the reference is 2–3 target sds
    /// away from the mean, the situation adaptation is for. Moments are known exactly.
    static let a = [1.0, -0.5, 2.0]
    static let l = [[0.5, 0, 0], [0.3, 0.4, 0], [-0.2, 0.1, 0.6]]

    static func sampler(adapts: Bool) throws -> EllipticalSliceSampler {
        let cholesky = try Cholesky(try Matrix(l).multiplied(by: try Matrix(l), transposeRight: true))
        return try EllipticalSliceSampler(mean: [0, 0, 0], factor: Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), adaptsReference: adapts) { phi in
            let x = try cholesky.solveLower(zip(phi, a).map { $0 - $1 })
            return -0.5 * x.reduce(0) { $0 + $1 * $1 } + 0.5 * phi.reduce(0) { $0 + $1 * $1 }
        }
    }

    /// Every coordinate's mean within 3 Monte Carlo standard errors of a (the seed is fixed;
    /// a correct sampler fails a check with probability 0.003), its variance within 3 of its
    /// standard errors (s²·√(2/ESS) for a Gaussian), and the smallest bulk ESS above half the
    /// 4,000 draws (a reference equal to the target gives about 4,000; without adaptation this
    /// target gives far fewer, checked below).
    @Test func adaptedDrawsAreExactAndNearlyIndependent() throws {
        let run = try Self.sampler(adapts: true).sample(chains: 4, warmup: 1000, draws: 1000, seed: 21)
        for k in 0..<3 {
            let chains = run.parameter(k)
            let d = try ChainDiagnostics(chains: chains)
            let all = chains.flatMap { $0 }
            let mean = all.reduce(0, +) / Double(all.count)
            let variance = all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count - 1)
            let exactVariance = Self.l[k].reduce(0) { $0 + $1 * $1 }
            #expect(abs(mean - Self.a[k]) < 3 * d.meanStandardError, "coordinate \(k): mean \(mean) vs \(Self.a[k]) ± \(d.meanStandardError)")
            #expect(abs(variance - exactVariance) < 3 * exactVariance * (2 / d.bulkESS).squareRoot(), "coordinate \(k): variance \(variance) vs \(exactVariance)")
            #expect(d.bulkESS > 2000, "coordinate \(k): bulk ESS \(d.bulkESS) of 4000 draws")
            #expect(d.rHat < 1.01)
        }
    }

    /// The same target without adaptation mixes several times worse: what adaptation buys.
    @Test func withoutAdaptationTheSameTargetMixesWorse() throws {
        let adapted = try Self.sampler(adapts: true).sample(chains: 4, warmup: 1000, draws: 1000, seed: 21)
        let fixed = try Self.sampler(adapts: false).sample(chains: 4, warmup: 1000, draws: 1000, seed: 21)
        let worst = { (run: SampledChains) in try (0..<3).map { try ChainDiagnostics(chains: run.parameter($0)).bulkESS }.min() ?? 0 }
        let (good, poor) = (try worst(adapted), try worst(fixed))
        #expect(good > 2 * poor, "bulk ESS adapted \(good), fixed reference \(poor)")
    }

    /// Adaptation keeps the draws a function of the seed alone (chains run in parallel).
    @Test func adaptedDrawsDoNotDependOnThreads() throws {
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = 1
        let serial = try Self.sampler(adapts: true).sample(chains: 3, warmup: 200, draws: 50, seed: 3)
        DeterministicParallel.maximumThreads = 0
        let parallel = try Self.sampler(adapts: true).sample(chains: 3, warmup: 200, draws: 50, seed: 3)
        #expect(serial == parallel)
    }

    /// Too short a warm-up (windows under max(20, 2d) states) or a non-square reference factor
    /// leaves the reference alone: the chain is the unadapted one, bit for bit.
    @Test func shortWarmUpLeavesTheReferenceAlone() throws {
        let adapted = try Self.sampler(adapts: true).sample(chains: 2, warmup: 30, draws: 40, seed: 9)
        let fixed = try Self.sampler(adapts: false).sample(chains: 2, warmup: 30, draws: 40, seed: 9)
        #expect(adapted == fixed)
    }
}
