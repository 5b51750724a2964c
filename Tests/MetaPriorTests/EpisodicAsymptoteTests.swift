// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The episodic objective at infinite variance along one direction (`VarianceRay`,
/// `EpisodicFit.asymptoteTest`): the closed form against the objective evaluated directly,
/// and a converged fit checked against the limit by objective values alone.
@Suite("Episodic fit: variance sent to infinity")
struct EpisodicAsymptoteTests {
    /// The objective of `EpisodicObjectiveTests` (30 linear-Gaussian tasks, d = 3, 25 episodes
    /// of 3 support and 4 query points).
    static func objective() throws -> EpisodicObjective {
        try EpisodicObjectiveTests.objective(shots: try ShotRange(parsing: "3"))
    }

    /// Σ = LLᵀ of rank 2 (d = 3) with eigenvalues of different sizes; L row-major 3×3, column 2 zero.
    static let factor: [Double] = [0.9, 0, 0, 0.3, 0.05, 0, -0.2, 0.01, 0]
    static let mean: [Double] = [0.8, -0.9, 0.4]
    static let noise = 0.3

    /// f(μ, Σ₀ + t·vvᵀ, σ²) by the direct (Woodbury) evaluation, summed over episodes.
    static func direct(_ objective: EpisodicObjective, reduced: [Double], direction v: [Double], t: Double) throws -> Double {
        var lambda = reduced
        for i in 0..<3 { lambda[i * 3 + 2] = t.squareRoot() * v[i] }   // the free third column
        return try objective.totals(mean: mean, lambda: lambda, sigma2: noise, wantGradient: false)[0]
    }

    static func reduced(_ v: [Double]) -> [Double] {
        var out = factor
        for j in 0..<3 {
            let dot = (0..<3).reduce(0.0) { $0 + v[$1] * factor[$1 * 3 + j] }
            for i in 0..<3 { out[i * 3 + j] -= v[i] * dot }
        }
        return out
    }

    /// g(t) − g(0) from the closed form equals the direct evaluation along every eigen-direction
    /// of Σ, for t from 1e-2 to 1e4 of the top eigenvalue. Tolerance: the direct evaluation's
    /// round-off, ~1e-16 × cond(M) × |f| with cond(M) ≤ t·‖A‖/σ² ≲ 1e6 here and |f| ~ 100 (25
    /// episodes × 4 query points), so ~1e-8; 1e-7 absolute.
    @Test func closedFormMatchesDirectEvaluation() throws {
        let objective = try Self.objective()
        var sigma = Matrix(rows: 3, columns: 3)
        for i in 0..<3 { for j in 0..<3 { sigma[i, j] = (0..<3).reduce(0.0) { $0 + Self.factor[i * 3 + $1] * Self.factor[j * 3 + $1] } } }
        let eigen = try SymmetricEigen(symmetrized(sigma))
        let top = try #require(eigen.values.last)
        for k in 1..<3 {
            let v = (0..<3).map { eigen.vectors[$0, k] }
            let reduced = Self.reduced(v)
            let ray = try EpisodicFit.varianceRay(objective, mean: Self.mean, reduced: reduced, noiseVariance: Self.noise, direction: v)
            let base = try Self.direct(objective, reduced: reduced, direction: v, t: 0)
            for scale in [1e-2, 1, 1e2, 1e4] {
                let t = scale * top
                let closed = ray.change(from: 0, to: t)
                let value = try Self.direct(objective, reduced: reduced, direction: v, t: t) - base
                #expect(abs(closed - value) <= 1e-7, "direction \(k), t = \(t): closed form \(closed), direct \(value)")
                // g(∞) = g(t) + remaining(t) is one number whatever t (the limit is finite).
                let limit = value + ray.remainingGain(from: t)
                let reference = try Self.direct(objective, reduced: reduced, direction: v, t: top) - base + ray.remainingGain(from: top)
                #expect(abs(limit - reference) <= 1e-7, "direction \(k), t = \(t): limit \(limit) vs \(reference)")
            }
            // The remaining gain vanishes like 1/t.
            let far = ray.remainingGain(from: 1e8 * top), farther = ray.remainingGain(from: 1e9 * top)
            #expect(abs(farther) <= 0.11 * abs(far) + 1e-15)
        }
    }

    /// The test's gain is the largest over the eigen-directions of g(∞) − g(λ), checked against
    /// direct values: f at t = 1e4·λ_top plus the closed-form remainder from there (the
    /// remainder is itself 1e-4 of the gap at λ_top, so this checks the limit to ~1e-4).
    /// With one variance made small (1e-4) along a direction the data spread along, the limit
    /// lies above the current value: the gain is positive there, so the criterion can fail.
    @Test(arguments: [false, true])
    func testReportsTheLargestGainAtInfinity(shrunk: Bool) throws {
        let objective = try Self.objective()
        var factor = Self.factor
        if shrunk { for i in 0..<3 { factor[i * 3 + 1] *= 1e-3 } }
        let n = objective.statistics.queryPoints
        let theta = objective.parameters(mean: Self.mean, factor: factor, noiseVariance: Self.noise)
        let test = try #require(try EpisodicFit.asymptoteTest(objective, theta: theta))
        let current = try objective.evaluate(theta, gradient: false).value
        var sigma = Matrix(rows: 3, columns: 3)
        for i in 0..<3 { for j in 0..<3 { sigma[i, j] = (0..<3).reduce(0.0) { $0 + factor[i * 3 + $1] * factor[j * 3 + $1] } } }
        let eigen = try SymmetricEigen(symmetrized(sigma))
        let top = try #require(eigen.values.last)
        var best = -Double.infinity
        for k in 0..<3 where eigen.values[k] > 1e-10 * top {
            let v = (0..<3).map { eigen.vectors[$0, k] }
            var lambda = factor
            for j in 0..<3 {
                let dot = (0..<3).reduce(0.0) { $0 + v[$1] * factor[$1 * 3 + j] }
                for i in 0..<3 { lambda[i * 3 + j] -= v[i] * dot }
            }
            let ray = try EpisodicFit.varianceRay(objective, mean: Self.mean, reduced: lambda, noiseVariance: Self.noise, direction: v)
            let t = 1e4 * top
            lambda[2] = 0; lambda[5] = 0; lambda[8] = 0
            for i in 0..<3 { lambda[i * 3 + 2] = t.squareRoot() * v[i] }
            let far = try objective.totals(mean: Self.mean, lambda: lambda, sigma2: Self.noise, wantGradient: false)[0]
            best = Swift.max(best, (far - current + ray.remainingGain(from: t)) / n)
        }
        #expect(abs(test.gain - best) <= 1e-9, "test \(test.gain), by values \(best)")
        if shrunk { #expect(test.gain > 1e-3, "a shrunk variance should leave a gain at infinity, got \(test.gain)") }
    }

    /// A converged fit (linear-Gaussian tasks, interior optimum) reports a gain at infinity of at
    /// most the tolerance, and, by objective values alone, adding 1e4 times the largest
    /// eigenvalue of Σ along any eigen-direction does not raise the mean log predictive density
    /// per query point beyond it (plus 1e-13 of round-off, as in `EpisodicConvergenceTests`).
    @Test func convergedFitHasNoGainAtInfinity() throws {
        let data = try EpisodicConvergenceTests.data(slopeVariance: 0.3)
        let map = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let marginal = try PriorFit.fit(try TaskStatistics(dataset: data, featureMap: map))
        var options = EpisodicFitOptions(shots: try ShotRange(parsing: "3"), query: 4, episodes: 200, seed: 7)
        options.maximumIterations = 200
        let fit = try EpisodicFit.fit(data, featureMap: map, start: marginal.prior, options: options)
        #expect(fit.converged, "ended \(fit.ending), criterion \(String(describing: fit.criterion))")
        let gain = try #require(fit.asymptoteGain)
        #expect(gain <= options.tolerance)
        let criterion = try #require(fit.criterion)
        #expect(criterion >= gain)

        let sampler = try EpisodeSampler(dataset: data, spec: options.spec)
        let episodes = EpisodicFit.episodes(sampler, shots: options.shots, count: options.episodes)
        let best = try EpisodicConvergenceTests.meanLogPredictive(fit.prior, episodes, data, map)
        let eigen = try SymmetricEigen(symmetrized(fit.prior.covariance))
        let top = try #require(eigen.values.last)
        for c in 0..<2 {
            let v = (0..<2).map { eigen.vectors[$0, c] }
            var sigma = fit.prior.covariance
            for r in 0..<2 { for s in 0..<2 { sigma[r, s] += 1e4 * top * v[r] * v[s] } }
            let moved = try GaussianPrior(mean: fit.prior.mean, covariance: symmetrized(sigma), noiseVariance: fit.prior.noiseVariance)
            let value = try EpisodicConvergenceTests.meanLogPredictive(moved, episodes, data, map)
            #expect(value <= best + options.tolerance + 1e-13, "variance 1e4·λ along eigenvector \(c) raised f by \(value - best)")
        }
    }
}
