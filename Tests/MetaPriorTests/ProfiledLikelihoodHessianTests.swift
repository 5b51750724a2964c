// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
import GSL
@testable import MetaPrior

/// The exact Hessian of the profiled ℓ in θ (ProfiledLikelihood+Hessian.swift) against central
/// differences of the analytic gradient, at random points.
///
/// Tolerance: with h = 1e-5·max(1, |θ_i|) the difference's truncation error is h²/6·|ℓ'''| ≈
/// 2e-11 of the third derivative's scale and its round-off about 1e-16·|∇ℓ|/h ≈ 1e-11 of the
/// gradient's; against the Hessian's largest entry both stay below 1e-8 here, so 1e-6 relative
/// (the brief's figure) leaves a margin and still fails on any wrong term (each term moves
/// entries by 1e-2 or more of the largest: see the mutation notes in the report).
@Suite("Profiled likelihood: exact Hessian")
struct ProfiledLikelihoodHessianTests {
    static let tolerance = 1e-6

    /// FusedTaskKernelTests' 60 random tasks (weights 1, 0, 2.5), or the same with unit weights.
    static func statistics(dimension d: Int, seed: UInt64, weighted: Bool) -> TaskStatistics {
        let s = FusedTaskKernelTests.statistics(dimension: d, seed: seed)
        return TaskStatistics(dimension: d, gram: s.gram, cross: s.cross, targetSquares: s.targetSquares, counts: s.counts,
                              weights: weighted ? s.weights : [Double](repeating: 1, count: s.taskCount))
    }

    /// ∂²ℓ/∂θ∂θᵀ by central differences of the analytic gradient (row-major k×k).
    static func differenced(_ likelihood: ProfiledLikelihood, at theta: [Double]) throws -> [Double] {
        let k = theta.count
        var h = [Double](repeating: 0, count: k * k)
        for j in 0..<k {
            let step = 1e-5 * Swift.max(1, abs(theta[j]))
            var plus = theta, minus = theta
            plus[j] += step; minus[j] -= step
            let gp = try likelihood.evaluate(plus).gradient, gm = try likelihood.evaluate(minus).gradient
            for i in 0..<k { h[i * k + j] = (gp[i] - gm[i]) / (2 * step) }
        }
        return h
    }

    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        let scale = Swift.max(b.map(abs).max() ?? 0, .leastNormalMagnitude)
        return (zip(a, b).map { abs($0 - $1) }.max() ?? 0) / scale
    }

    static func randomTheta(_ count: Int, _ random: inout SplitMix) -> [Double] {
        (0..<count).map { _ in Double(random.next() >> 11) * 0x1p-53 * 1.5 - 0.5 }
    }

    /// Every structure, full rank and (for the full structure) one column fewer, with and
    /// without weights, for d = 1, 3, 8 (fused kernels) and 11 (general path).
    @Test(arguments: [1, 3, 8, 11])
    func matchesCentralDifferencesOfTheGradient(dimension d: Int) throws {
        for weighted in [false, true] {
            let statistics = Self.statistics(dimension: d, seed: UInt64(300 + d), weighted: weighted)
            var shapes: [(CovarianceStructure, Int?)] = [(.full, nil), (.diagonal, nil), (.isotropic, nil)]
            if d > 1 { shapes.append((.full, d - 1)) }
            var random = SplitMix(state: UInt64(d) + (weighted ? 50 : 0))
            for (structure, columns) in shapes {
                let likelihood = ProfiledLikelihood(statistics: statistics, structure: structure, columns: columns)
                for _ in 0..<2 {
                    let theta = Self.randomTheta(likelihood.parameterCount, &random)
                    let exact = try likelihood.hessian(at: try likelihood.evaluate(theta))
                    let error = Self.relativeError(exact, try Self.differenced(likelihood, at: theta))
                    #expect(error <= Self.tolerance, "d = \(d), \(structure), r = \(columns ?? d), weighted \(weighted): \(error) relative")
                }
            }
        }
    }

    /// With σ² held at a floor above σ̂² (no Schur complement of σ²): still the Hessian of
    /// the ℓ evaluated.
    @Test func matchesCentralDifferencesAtTheNoiseFloor() throws {
        let statistics = Self.statistics(dimension: 3, seed: 17, weighted: true)
        let free = ProfiledLikelihood(statistics: statistics, structure: .full)
        var random = SplitMix(state: 5)
        let theta = Self.randomTheta(free.parameterCount, &random)
        let floor = 4 * (try free.evaluate(theta)).noiseVariance
        let likelihood = ProfiledLikelihood(statistics: statistics, structure: .full, noiseFloor: floor)
        let e = try likelihood.evaluate(theta)
        #expect(PriorFit.atNoiseFloor(likelihood, e))
        let error = Self.relativeError(try likelihood.hessian(at: e), try Self.differenced(likelihood, at: theta))
        #expect(error <= Self.tolerance, "at the noise floor: \(error) relative")
    }

    /// The fused pass (d ≤ 8) against the general loops, and the same bytes on one thread as
    /// on all of them. The two paths sum in different orders: 1e-12 relative (FusedTaskKernelTests'
    /// figure for the passes they share).
    @Test(arguments: [2, 5, 8])
    func fusedPassMatchesTheGeneralLoopsAndIsThreadIndependent(dimension d: Int) throws {
        let statistics = Self.statistics(dimension: d, seed: UInt64(400 + d), weighted: true)
        let fused = ProfiledLikelihood(statistics: statistics, structure: .full)
        let general = ProfiledLikelihood(statistics: statistics, structure: .full)
        general.usesFusedKernels = false
        #expect(fused.fusedKernelsApply && !general.fusedKernelsApply)
        var random = SplitMix(state: UInt64(d))
        let theta = Self.randomTheta(fused.parameterCount, &random)
        let a = try fused.hessian(at: try fused.evaluate(theta))
        let b = try general.hessian(at: try general.evaluate(theta))
        #expect(Self.relativeError(a, b) <= 1e-12, "fused vs general, d = \(d): \(Self.relativeError(a, b))")
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = 1
        let serial = try fused.hessian(at: try fused.evaluate(theta))
        DeterministicParallel.maximumThreads = 0
        #expect(serial == a, "one thread vs all, d = \(d)")
    }

    /// Task descriptors: the B block's Schur complement is not written, so the exact Hessian
    /// refuses (the Newton polish keeps differences there) instead of returning a wrong one.
    @Test func refusesWithDescriptors() throws {
        let s = Self.statistics(dimension: 2, seed: 9, weighted: false)
        var statistics = s
        statistics.descriptors = try DescriptorDesign(names: ["z"], descriptors: (0..<s.taskCount).map { [Double($0 % 4)] })
        let likelihood = ProfiledLikelihood(statistics: statistics, structure: .full)
        let e = try likelihood.evaluate([1, 0.2, 0.5])
        #expect(throws: InputError.self) { try likelihood.hessian(at: e) }
    }
}
