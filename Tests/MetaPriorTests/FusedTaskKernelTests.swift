// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
import GSL
@testable import MetaPrior

/// The fused per-task kernels (d ≤ 8) against the general loops they replace: the profiled
/// likelihood's value, gradient, μ̂ and σ̂², and one EM step, at random points.
///
/// Tolerance 1e-12 relative (the gradient relative to its largest entry). Where the general
/// path runs `SmallKernels` (d ≤ 6 with OpenBLAS, every d with GSL's CBLAS) the fused loops do
/// the same operations in the same order and agree bit for bit; at d = 7, 8 with OpenBLAS the
/// products and solves are summed in another order, which moves each per-task term by a few
/// units of roundoff times its condition (M̃ here has condition below 1e3), so sums over 60
/// tasks agree to about 1e-13: 1e-12 leaves a margin and still fails on any wrong term.
@Suite("Fused per-task kernels")
struct FusedTaskKernelTests {
    static let tolerance = 1e-12

    /// Statistics of 60 tasks of 2–12 random rows (intercept first), d features; weights 0,
    /// 1 and 2.5 so that zero weights are skipped and weights multiply.
    static func statistics(dimension d: Int, seed: UInt64) -> TaskStatistics {
        var random = SplitMix(state: seed)
        func uniform() -> Double { Double(random.next() >> 11) * 0x1p-53 * 4 - 2 }
        let tasks = 60
        var gram: [Double] = [], cross: [Double] = [], squares: [Double] = [], counts: [Int] = [], weights: [Double] = []
        for t in 0..<tasks {
            let n = d + 2 + random.integer(below: 10)  // n > d: no task takes the thin form
            var a = [Double](repeating: 0, count: d * d), b = [Double](repeating: 0, count: d), c = 0.0
            for _ in 0..<n {
                let phi = [1.0] + (1..<d).map { _ in uniform() }
                let y = phi.enumerated().reduce(0.5 * uniform()) { $0 + Double($1.offset % 3 - 1) * $1.element }
                for i in 0..<d {
                    b[i] += phi[i] * y
                    for j in 0..<d { a[i * d + j] += phi[i] * phi[j] }
                }
                c += y * y
            }
            gram += a; cross += b; squares.append(c); counts.append(n)
            weights.append([1.0, 0.0, 2.5][t % 3])
        }
        return TaskStatistics(dimension: d, gram: gram, cross: cross, targetSquares: squares, counts: counts, weights: weights)
    }

    static func expectClose(_ a: [Double], _ b: [Double], _ what: String) {
        let scale = Swift.max(a.map(abs).max() ?? 0, b.map(abs).max() ?? 0, .leastNormalMagnitude)
        let error = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(a.count == b.count && error <= tolerance * scale, "\(what): \(error / scale) relative")
    }

    @Test(arguments: 1...8)
    func profiledLikelihoodMatchesTheGeneralLoops(dimension d: Int) throws {
        let statistics = Self.statistics(dimension: d, seed: UInt64(100 + d))
        for structure in [CovarianceStructure.full, .diagonal] {
            let fused = ProfiledLikelihood(statistics: statistics, structure: structure)
            let general = ProfiledLikelihood(statistics: statistics, structure: structure)
            general.usesFusedKernels = false
            #expect(fused.fusedKernelsApply && !general.fusedKernelsApply)
            var random = SplitMix(state: UInt64(d))
            for _ in 0..<3 {
                let theta = (0..<fused.parameterCount).map { _ in Double(random.next() >> 11) * 0x1p-53 * 1.5 - 0.5 }
                let a = try fused.evaluate(theta), b = try general.evaluate(theta)
                Self.expectClose([a.logLikelihood], [b.logLikelihood], "ℓ, d = \(d)")
                Self.expectClose(a.gradient, b.gradient, "∂ℓ/∂θ, d = \(d)")
                Self.expectClose(a.mean, b.mean, "μ̂, d = \(d)")
                Self.expectClose([a.noiseVariance], [b.noiseVariance], "σ̂², d = \(d)")
                Self.expectClose(a.residualOuter, b.residualOuter, "E, d = \(d)")
            }
        }
    }

    @Test(arguments: 1...8)
    func expectationMaximisationStepMatchesTheGeneralLoops(dimension d: Int) throws {
        let statistics = Self.statistics(dimension: d, seed: UInt64(200 + d))
        var fused = try ExpectationMaximisation(statistics: statistics, structure: .full)
        var general = fused
        general.usesFusedKernels = false
        for _ in 0..<3 {
            let a = try fused.step(), b = try general.step()
            Self.expectClose([a], [b], "EM ℓ, d = \(d)")
            Self.expectClose(fused.mean, general.mean, "EM μ, d = \(d)")
            Self.expectClose(fused.factor, general.factor, "EM F, d = \(d)")
            Self.expectClose([fused.noiseVariance], [general.noiseVariance], "EM σ², d = \(d)")
        }
    }

    /// The kernels stand aside where they do not apply: d > 8, and a rank below d.
    @Test func generalLoopsRunOutsideTheKernelsReach() {
        #expect(!ProfiledLikelihood(statistics: Self.statistics(dimension: 9, seed: 1), structure: .full).fusedKernelsApply)
        #expect(!ProfiledLikelihood(statistics: Self.statistics(dimension: 4, seed: 1), structure: .full, columns: 2).fusedKernelsApply)
    }

    /// A task whose M̃ has no Cholesky factor (Λ with a NaN) fails as the general loops fail.
    @Test func aFailedFactorIsReportedAsBefore() throws {
        let statistics = Self.statistics(dimension: 3, seed: 7)
        let fused = ProfiledLikelihood(statistics: statistics, structure: .full)
        let theta = [Double](repeating: .nan, count: fused.parameterCount)
        let error = try #require(throws: GSLError.self) { try fused.evaluate(theta) }
        #expect("\(error)".contains("task 1"), "\(error)")
    }
}
