// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Mixture prior: exact Hessian of the finish")
struct MixtureHessianTests {
    /// The one-pass Hessian (`MixtureFactorObjective+Hessian`) against central differences of
    /// the analytic gradient (itself checked against differences of ℓ in `MixtureFinishTests`),
    /// at random points in the coordinates, K = 2 at full rank (3, 3) and reduced (1, 2), and
    /// K = 3 at (2, 3, 1). Step h = 1e-5 in unit-free coordinates: truncation ~h²·|g'''| ≈ 1e-9,
    /// round-off ~1e-16·|g|/h ≈ 1e-9 for |g| ≲ 1e2; tolerance 1e-6·(1 + max|H|).
    @Test func hessianMatchesDifferencesOfTheGradient() throws {
        let statistics = try MixtureFinishTests.singularComponentData(tasks: 40)
        let start = try MixtureStart(statistics: statistics)
        for (seed, ranks) in [(UInt64(3), [3, 3]), (4, [1, 2]), (5, [2, 3, 1])] {
            let objective = try MixtureFactorObjective(statistics: statistics, ranks: ranks, scale: start.scale.squareRoot())
            let random = RandomStream(seed: seed)
            let x = (0..<objective.count).map { _ in 0.3 * random.standardNormal() }
            let p = objective.count
            let h = try objective.hessian(x)
            var worst = 0.0, size = 0.0
            for i in 0..<p {
                var plus = x, minus = x
                plus[i] += 1e-5
                minus[i] -= 1e-5
                let gp = try objective.evaluate(plus).gradient, gm = try objective.evaluate(minus).gradient
                for j in 0..<p {
                    worst = Swift.max(worst, abs((gp[j] - gm[j]) / 2e-5 - h[j * p + i]))
                    size = Swift.max(size, abs(h[j * p + i]))
                }
            }
            #expect(worst <= 1e-6 * (1 + size), "ranks \(ranks): largest error \(worst), max |H| \(size)")
            print("ranks \(ranks): p = \(p), largest error \(worst) of max |H| \(size)")
        }
    }

    /// The pass sums fixed chunks in order: the same bytes with one thread as with many.
    @Test func hessianDoesNotDependOnThreads() throws {
        let statistics = try MixtureFinishTests.singularComponentData(tasks: 120)
        let start = try MixtureStart(statistics: statistics)
        let objective = try MixtureFactorObjective(statistics: statistics, ranks: [2, 3], scale: start.scale.squareRoot())
        let random = RandomStream(seed: 6)
        let x = (0..<objective.count).map { _ in 0.3 * random.standardNormal() }
        let many = try objective.hessian(x)
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = 1
        let one = try objective.hessian(x)
        #expect(many == one)
    }
}
