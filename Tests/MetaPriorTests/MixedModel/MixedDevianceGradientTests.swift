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
