// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL
import Testing
@testable import MetaPrior

/// The pieces that make full Bayes fast and its θ draws exact to a stated accuracy: the
/// rearranged log-likelihood sum, the per-pair posteriors, the node CDF and the θ sampler.
@Suite("Conjugate hierarchies: joint draws and the fast sums")
struct ConjugateDrawsTests {
    /// ``NodeCDF``'s stated bound, 0.01 (h/σ)⁴ for a Gaussian shape, on N(0, 1) at
    /// h = 0.375 (the coarsest final grid's spacing): 2e-4, checked at 4001 points; and its
    /// quantile inverts its CDF.
    @Test func nodeCDFMeetsItsBoundOnANormal() throws {
        let h = 0.375, origin = -8.25, n = 45
        let normal = try Normal(mean: 0, standardDeviation: 1)
        let cdf = NodeCDF(origin: origin, spacing: h, density: (0..<n).map { normal.density(origin + Double($0) * h) })
        var worst = 0.0
        for k in 0...4000 {
            let x = -8 + 16 * Double(k) / 4000
            worst = max(worst, abs(cdf.cdf(x) - normal.lowerTailProbability(x)))
        }
        #expect(worst <= 0.01 * pow(h, 4), "largest CDF error \(worst)")
        for p in [0.001, 0.025, 0.3, 0.5, 0.975, 0.999] {
            #expect(abs(cdf.cdf(cdf.quantile(p)) - p) < 1e-12)
        }
    }

    /// The counts form of Σ_i log p(y_i | θ) is the per-task sum reordered: equal to 1e-12 of
    /// the sum's size (each of the ≤ 4,000 terms rounds to ~1e-16 of itself), for the counts
    /// form, for the per-value form (trials in the thousands), across α + β up to 1e7, and for
    /// the other two families.
    @Test func logMarginalSumIsTheSumOverTasks() throws {
        let random = RandomStream(seed: 5)
        func check(_ tasks: ConjugateTasks, _ thetas: [(Double, Double)]) throws {
            let sum = try LogMarginalSum(tasks, groups: ConjugateTaskGroups(tasks))
            for theta in thetas {
                var direct = 0.0, size = 0.0
                for i in 0..<tasks.count { let term = try tasks.logMarginal(i, theta); direct += term; size += abs(term) }
                let fast = try sum(theta)
                #expect(abs(fast - direct) <= 1e-12 * max(size, 1), "\(tasks.kind) at \(theta): \(fast) against \(direct)")
            }
        }
        let trials = (0..<4000).map { _ in Double(5 + Int(random.uniform() * 46)) }
        let successes = trials.map { (($0 + 1) * random.uniform() * 0.4).rounded(.down) }
        let thetas = [(0.3, 2.0), (2.0, 8.0), (25.0, 70.0), (3e6, 7e6)]
        try check(try ConjugateTasks(kind: .betaBinomial, responses: successes, scales: trials), thetas)
        let many = (0..<50).map { 1000 + 97 * Double($0) }
        try check(try ConjugateTasks(kind: .betaBinomial, responses: many.map { ($0 * 0.3).rounded() }, scales: many), thetas)
        let hours = ConjugateReferenceData.pumpHours + ConjugateReferenceData.pumpHours
        try check(try ConjugateTasks(kind: .gammaPoisson, responses: ConjugateReferenceData.pumpFailures + ConjugateReferenceData.pumpFailures, scales: hours),
                  [(0.7, 0.9), (5, 40), (1e5, 2e6)])
        try check(try ConjugateEmpiricalBayesTests.bcg(), [(-0.7, 0.5), (0.2, 0), (1, 3)])
    }

    /// Tasks with equal (y, n) share their posterior: the per-pair summaries, mapped back to
    /// the tasks, are each task's own mixture's summary.
    @Test func taskSummariesArePerTaskPosteriors() throws {
        let tasks = try ConjugateTasks(kind: .betaBinomial, responses: [3, 1, 3, 0, 1, 5, 3], scales: [20, 10, 20, 10, 10, 30, 20])
        let fit = try ConjugateFullBayes(tasks)
        let summaries = try fit.taskSummaries(level: 0.9)
        for i in 0..<tasks.count {
            #expect(summaries[i] == (try fit.taskPosterior(i)).summary(level: 0.9), "task \(i + 1)")
        }
    }

    /// The θ draws against the quadrature: a Kolmogorov–Smirnov test of 4000 draws of log α and
    /// of log β (the second drawn from its conditional, so this tests that too) on the pumps
    /// against the hyper-posterior's marginal CDFs, at the 1% level (D ≤ 1.628/√4000; the seed
    /// is fixed, so the outcome is too); and the fraction of draws below each end of the 95%
    /// intervals within 3 binomial sds (√(p(1 − p)/4000)) of 0.025 and 0.975.
    @Test func thetaDrawsFollowTheQuadrature() throws {
        let fit = try ConjugateFullBayesTests.pumps.get()
        let draws = try fit.draws(count: 4000, seed: 11)
        let hyper = fit.hyperSummary(level: 0.95)
        for axis in 0..<2 {
            let marginal = fit.grid.marginalCDF(axis: axis)
            let sorted = draws.map { log($0[1 + axis]) }.sorted()
            var d = 0.0
            for (k, x) in sorted.enumerated() {
                let f = marginal.cdf(x)
                d = max(d, abs(Double(k + 1) / 4000 - f), abs(Double(k) / 4000 - f))
            }
            #expect(d <= 1.628 / 4000.0.squareRoot(), "axis \(axis): KS D = \(d)")
            for (end, p) in [(hyper[axis].lower, 0.025), (hyper[axis].upper, 0.975)] {
                let below = Double(draws.filter { $0[1 + axis] <= end }.count) / 4000
                #expect(abs(below - p) <= 3 * (p * (1 - p) / 4000).squareRoot(), "axis \(axis): \(below) below the \(p) quantile")
            }
        }
    }

    /// The draws CSV's bytes do not depend on the thread count (one thread against all).
    @Test func drawsCSVIsTheSameOnAnyThreadCount() throws {
        let fit = try ConjugateFullBayesTests.pumps.get()
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = 1
        let serial = try fit.drawsCSV(count: 100, seed: 4)
        DeterministicParallel.maximumThreads = 0
        #expect(try fit.drawsCSV(count: 100, seed: 4) == serial)
    }
}
