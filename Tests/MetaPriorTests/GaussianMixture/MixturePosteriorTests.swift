// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Mixture prior: posterior and predictive")
struct MixturePosteriorTests {
    /// d = 1 (an intercept only): φ ~ 0.3 N(−2, 0.5²) + 0.7 N(1.5, 1), y_j = φ + ε, σ = 0.8.
    static func prior() throws -> GaussianMixturePrior {
        let map = try FeatureMap(spec: .linear, inputNames: [], trainingInputs: [])
        let mixture = try GaussianMixture(weights: [0.3, 0.7], means: [[-2], [1.5]], covariances: [try Matrix([[0.25]]), try Matrix([[1]])], noiseVariance: 0.64)
        return try GaussianMixturePrior(basis: map, mixture: mixture)
    }

    static let targets = [-0.4, 0.3, -1.1]

    /// The unnormalised posterior density of φ, directly: prior mixture × likelihood.
    static func density(_ phi: Double) -> Double {
        let prior = 0.3 * exp(-0.5 * pow((phi + 2) / 0.5, 2)) / 0.5 + 0.7 * exp(-0.5 * pow(phi - 1.5, 2))
        return prior * targets.reduce(1) { $0 * exp(-0.5 * pow(($1 - phi) / 0.8, 2)) }
    }

    /// The mixture posterior against numerical integration of prior × likelihood on a grid
    /// (trapezoid, step 1e-4 over [−15, 15]: the integrand is smooth and negligible at the
    /// ends, so the rule is exact to far below 1e-9); mean, sd, the 5 % and 95 % quantiles
    /// and the density at three points agree to 1e-7.
    @Test func posteriorAgreesWithQuadratureInOneDimension() throws {
        let posterior = try Self.prior().mixturePosterior(inputs: Matrix(rows: 3, columns: 0), targets: Self.targets)
        let h = 1e-4
        let grid = stride(from: -15.0, through: 15.0, by: h).map { $0 }
        let values = grid.map(Self.density)
        var cumulative = [0.0]
        for i in 1..<grid.count { cumulative.append(cumulative[i - 1] + 0.5 * h * (values[i] + values[i - 1])) }
        let z = cumulative[cumulative.count - 1]
        var m1 = 0.0, m2 = 0.0
        for i in 1..<grid.count {
            m1 += 0.5 * h * (grid[i] * values[i] + grid[i - 1] * values[i - 1]) / z
            m2 += 0.5 * h * (grid[i] * grid[i] * values[i] + grid[i - 1] * grid[i - 1] * values[i - 1]) / z
        }
        func quantile(_ p: Double) -> Double {
            let i = cumulative.firstIndex { $0 / z >= p }!
            let f0 = cumulative[i - 1] / z, f1 = cumulative[i] / z
            return grid[i - 1] + h * (p - f0) / (f1 - f0)
        }
        let summary = try posterior.summary(level: 0.9)[0]
        #expect(abs(summary.mean - m1) < 1e-7)
        #expect(abs(summary.standardDeviation - (m2 - m1 * m1).squareRoot()) < 1e-7)
        #expect(abs(summary.lower - quantile(0.05)) < 1e-6)
        #expect(abs(summary.upper - quantile(0.95)) < 1e-6)
        for phi in [-2.0, -0.5, 1.0] {
            #expect(abs(try posterior.logDensity([phi]) - log(Self.density(phi) / z)) < 1e-7)
        }
        #expect(abs(posterior.weights.reduce(0, +) - 1) < 1e-12)
    }

    /// Predictive interval ends against Monte Carlo: 200,000 predictive draws. The empirical
    /// p-quantile of n draws is asymptotically normal about the true one with standard error
    /// √(p(1 − p)/n)/f(q), f the predictive density at q (computed exactly here from the mixture
    /// of the components' predictives); each end must agree within 5 of its SEs (a false failure
    /// has probability below 1e-6 per end). The draws' component frequencies match the posterior
    /// weights to 5 binomial SE.
    @Test func predictiveQuantilesAgreeWithMonteCarlo() throws {
        let posterior = try Self.prior().mixturePosterior(inputs: Matrix(rows: 1, columns: 0), targets: [0.2])
        let query = Matrix(rows: 1, columns: 0)
        let interval = try posterior.predictive(at: query, level: 0.9)[0]
        let n = 200_000, chunk = posterior.drawsPerChunk
        var ys: [Double] = [], labels: [Int] = []
        for c in 0..<((n + chunk - 1) / chunk) {
            let range = (c * chunk)..<min(n, (c + 1) * chunk)
            ys += try posterior.predictiveDraws(at: query, chunk: c, range: range, seed: 3)
            labels += posterior.drawComponents(chunk: c, range: range, seed: 3)
        }
        ys.sort()
        let features = try posterior.components[0].basis.design(query)
        let parts = posterior.components.map { $0.gaussian.predictive(features: (0..<features.columns).map { features[0, $0] }) }
        func density(_ y: Double) -> Double {
            zip(posterior.weights, parts).reduce(0) { sum, part in
                let (w, p) = part
                return sum + w * exp(-0.5 * (y - p.mean) * (y - p.mean) / p.variance) / (2 * Double.pi * p.variance).squareRoot()
            }
        }
        for (p, end) in [(0.05, interval.lower), (0.95, interval.upper)] {
            let se = (p * (1 - p) / Double(n)).squareRoot() / density(end)
            let empirical = ys[Int(p * Double(n))]
            #expect(abs(empirical - end) < 5 * se, "p = \(p): Monte Carlo \(empirical), exact \(end), SE \(se)")
        }
        let share = Double(labels.filter { $0 == 0 }.count) / Double(n)
        let w = posterior.weights[0]
        #expect(abs(share - w) < 5 * (w * (1 - w) / Double(n)).squareRoot())
    }

    /// Each component's draws are its own exact Gaussian draws, made only as many as needed:
    /// the j-th draw of a chunk with component k is draw j of chunk c of component k's posterior
    /// with its seed (bit for bit), and `lp__` is the mixture density of φ.
    @Test func drawsAreEachComponentsOwnStream() throws {
        let posterior = try Self.prior().mixturePosterior(inputs: Matrix(rows: 1, columns: 0), targets: [0.2])
        let chunk = 2, range = 8192..<9000
        let draws = posterior.draws(chunk: chunk, range: range, seed: 5)
        let labels = posterior.drawComponents(chunk: chunk, range: range, seed: 5)
        #expect(Set(labels) == [0, 1])
        for k in 0..<2 {
            let rows = labels.indices.filter { labels[$0] == k }
            let own = posterior.components[k].draws(chunk: chunk, range: 0..<rows.count, seed: posterior.componentSeed(5, k))
            for (j, r) in rows.enumerated() {
                #expect(draws[r * 2 + 1] == own[j * 2 + 1])
                #expect(draws[r * 2] == (try posterior.logDensity([draws[r * 2 + 1]])))
            }
        }
    }
}
