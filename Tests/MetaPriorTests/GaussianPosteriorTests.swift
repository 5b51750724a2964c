// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Posterior: closed form")
struct GaussianPosteriorTests {
    static let prior = try! GaussianPrior(mean: [1, -2, 0.5],
                                          covariance: try! Matrix([[2, 0.3, 0.1], [0.3, 1, -0.2], [0.1, -0.2, 0.5]]),
                                          noiseVariance: 0.4)

    /// The textbook form, computed independently with inverses: P = Σ⁻¹ + ΦᵀΦ/σ², S = P⁻¹,
    /// m = S(Σ⁻¹μ + Φᵀy/σ²).
    static func textbook(_ prior: GaussianPrior, design: Matrix, targets: [Double]) throws -> (mean: [Double], covariance: Matrix) {
        let sigmaInverse = try LUDecomposition(prior.covariance).inverse()
        let a = try design.multiplied(by: design, transposeLeft: true)
        let precision = sigmaInverse + (1 / prior.noiseVariance) * a
        let s = try LUDecomposition(precision).inverse()
        var h = try sigmaInverse.multiplied(by: prior.mean)
        let b = try design.multiplied(by: targets, transpose: true)
        for i in h.indices { h[i] += b[i] / prior.noiseVariance }
        return (try s.multiplied(by: h), s)
    }

    /// Designs: ordinary, fewer points than parameters, repeated inputs (a rank-1 design).
    @Test(arguments: [
        ([[1, 0.5, -1], [1, -0.3, 2], [1, 1.2, 0.1], [1, 0.0, 0.7], [1, 2.0, -0.4]], [0.3, -1.2, 2.2, 0.1, 1.9]),
        ([[1, 0.5, -1], [1, -0.3, 2]], [0.3, -1.2]),
        ([[1, 0.5, -1], [1, 0.5, -1], [1, 0.5, -1]], [0.3, 0.4, 0.2]),
    ])
    func equalsTheTextbookForm(rows: [[Double]], targets: [Double]) throws {
        let design = try Matrix(rows)
        let posterior = try Self.prior.posterior(design: design, targets: targets)
        let reference = try Self.textbook(Self.prior, design: design, targets: targets)
        for (a, b) in zip(posterior.mean, reference.mean) { #expect(abs(a - b) <= 1e-12 * Swift.max(1, abs(b))) }
        for (a, b) in zip(posterior.covariance.elements, reference.covariance.elements) { #expect(abs(a - b) <= 1e-12 * Swift.max(1, abs(b))) }
        #expect(posterior.observations == targets.count)
    }

    @Test func noDataGivesThePrior() throws {
        let posterior = try Self.prior.posterior(design: Matrix(rows: 0, columns: 3), targets: [])
        #expect(posterior.mean == Self.prior.mean)
        #expect(posterior.covariance == Self.prior.covariance)
    }

    /// A singular prior (φ₂ has no between-task variance): the posterior keeps φ₂ at its prior
    /// mean exactly and has zero variance there; the density of draws is that of a degenerate
    /// Gaussian on the range of S.
    @Test func singularPriorStaysExact() throws {
        let prior = try GaussianPrior(mean: [1, 2], covariance: try Matrix([[1, 0], [0, 0]]), noiseVariance: 0.5)
        let posterior = try prior.posterior(design: try Matrix([[1, 0.5], [1, -1], [1, 2]]), targets: [3, 0.5, 5.5])
        #expect(posterior.mean[1] == 2)
        #expect(posterior.covariance[1, 1] == 0 && posterior.covariance[0, 1] == 0)
        #expect(posterior.rank == 1)
        var phi: [Double] = [], lp: [Double] = []
        posterior.sample(count: 100, seed: 1, into: &phi, logDensity: &lp)
        for k in 0..<100 {
            #expect(phi[2 * k + 1] == 2)
            #expect(abs(lp[k] - (try posterior.logDensity([phi[2 * k], phi[2 * k + 1]]))) < 1e-10)
        }
    }

    /// Moments of 40,000 draws: each mean within 5 SE (SE = sd/√n) of m, each variance within
    /// 5 SE (SE of a normal sample variance = S_jj·√(2/(n−1))) of S_jj; lp__ equals the
    /// log density of the draw.
    @Test func drawsHaveThePosteriorMoments() throws {
        let posterior = try Self.prior.posterior(design: try Matrix([[1, 0.5, -1], [1, -0.3, 2]]), targets: [0.3, -1.2])
        let n = 40_000
        var phi: [Double] = [], lp: [Double] = []
        posterior.sample(count: n, seed: 99, into: &phi, logDensity: &lp)
        for j in 0..<3 {
            let column = (0..<n).map { phi[$0 * 3 + j] }
            let mean = column.reduce(0, +) / Double(n)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            let s = posterior.covariance[j, j]
            #expect(abs(mean - posterior.mean[j]) <= 5 * (s / Double(n)).squareRoot())
            #expect(abs(variance - s) <= 5 * s * (2 / Double(n - 1)).squareRoot())
        }
        for k in stride(from: 0, to: n, by: 997) {
            #expect(abs(lp[k] - (try posterior.logDensity(Array(phi[(3 * k)..<(3 * k + 3)])))) < 1e-10)
        }
    }
}
