// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// The analytic gradient of the profiled deviance against central differences of the deviance
/// itself (step h = 1e-5·max(1, |θ_k|); the truncation error is O(h²·d''') ≈ 1e-8 of the
/// criterion's scale here, so 1e-5 relative agreement leaves a wide margin and still fails on
/// any wrong term, which would be off by O(1)).
@Suite("Mixed model deviance gradient")
struct MixedDevianceGradientTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesCentralDifferences(reml: Bool, diagonal: Bool) throws {
        for tasks in [MixedModelFitTests.orthodont,
                      MixedModelFitTests.tasks(EmbeddedData.sleepStudyCSV, y: 0, x: 1, group: 2)] {
            let model = MixedDeviance(tasks: tasks, reml: reml, diagonal: diagonal)
            // A point away from the optimum, with off-diagonal entries (full Λ).
            let theta = diagonal ? [0.7, 0.3] : [0.7, -0.2, 0.3]
            let profile = try #require(try model.profile(theta))
            let analytic = try model.gradient(theta, at: profile)
            for k in theta.indices {
                let h = 1e-5 * Swift.max(1, abs(theta[k]))
                var up = theta, down = theta
                up[k] += h
                down[k] -= h
                let numeric = (try #require(try model.profile(up)).deviance - (try #require(try model.profile(down)).deviance)) / (2 * h)
                #expect(abs(analytic[k] - numeric) <= 1e-5 * Swift.max(1, abs(numeric)),
                        "θ_\(k): analytic \(analytic[k]) vs central difference \(numeric) (reml \(reml), diagonal \(diagonal))")
            }
        }
    }
}

/// The deviance and its gradient run on all cores in fixed chunks: the same bits on one
/// thread or many (2,000 tasks, four chunks).
@Suite("Mixed model: thread independence")
struct MixedDevianceThreadTests {
    @Test func sameBitsOnOneThreadOrAll() throws {
        var rng = SplitMix(state: 12)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1 }
        var tasks: [MixedTaskStatistics] = []
        for _ in 0..<2000 {
            var design: [Double] = [], y: [Double] = []
            let b = [uniform(), uniform()]
            for _ in 0..<6 {
                let x = 3 * uniform()
                design += [1, x]
                y.append(1 + b[0] + (2 + b[1]) * x + 0.3 * uniform())
            }
            tasks.append(MixedTaskStatistics(shared: design, p: 2, specific: design, q: 2, targets: y))
        }
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = 1
        let one = try MixedModelFit(tasks: tasks, reml: true, diagonal: false)
        DeterministicParallel.maximumThreads = 0
        let all = try MixedModelFit(tasks: tasks, reml: true, diagonal: false)
        #expect(one.criterion.bitPattern == all.criterion.bitPattern)
        #expect(one.beta.map(\.bitPattern) == all.beta.map(\.bitPattern))
        #expect(one.covariance.map(\.bitPattern) == all.covariance.map(\.bitPattern))
        #expect(one.converged)
    }
}
