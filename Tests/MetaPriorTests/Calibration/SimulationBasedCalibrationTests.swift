// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018) of the
/// linear-Gaussian posterior, through the model-family seam (`TaskPrior.posterior`,
/// `TaskPosterior.draws`, `TaskPosterior.logDensity`).
///
/// θ is known. Each replication draws φ from the prior, simulates a task of K points from it,
/// adapts, and takes L = 99 posterior draws; the rank of the true value among the draws is
/// uniform on 0…L exactly when the posterior is right. The N = 1000 ranks of each quantity
/// (every coordinate of φ, and the log posterior density, which checks the joint shape) are
/// put in 10 bins of 10 ranks and compared with the uniform by Pearson's χ² with 9 degrees of
/// freedom. The suite computes 32 such p-values (8 configurations × 4 quantities), so each must
/// exceed 0.01 / 32 (Bonferroni): under a correct posterior the chance that any of them fails
/// is then at most 1%. The seeds are fixed, so each p is one fixed number; they were not
/// searched for (seed 2026 was the first tried; 2027 and 2028 also pass), and a negative
/// control shows the test rejects a posterior whose prior covariance is off by a factor of 2.
@Suite("Simulation-based calibration")
struct SimulationBasedCalibrationTests {
    static let replications = 1000
    static let drawsPerReplication = 99
    static let bins = 10
    /// Family-wise 1% over the suite's 32 p-values.
    static let threshold = 0.01 / 32

    /// A prior over (intercept, x1, x2): full Σ with correlations, or rank 2 (the degenerate
    /// path of the posterior: the slope of x2 is a fixed combination of the other two).
    static func truth(singular: Bool) throws -> (prior: LinearGaussianPrior, gaussian: GaussianPrior) {
        let covariance = singular
            ? try Matrix([[1.0, 0.3, 1.3], [0.3, 0.5, 0.8], [1.3, 0.8, 2.1]])   // row 3 = row 1 + row 2
            : try Matrix([[1.0, 0.3, -0.2], [0.3, 0.5, 0.1], [-0.2, 0.1, 0.8]])
        let gaussian = try GaussianPrior(mean: [1, -0.5, 2], covariance: covariance, noiseVariance: 0.25)
        let basis = try FeatureMap(spec: .linear, inputNames: ["x1", "x2"], trainingInputs: [try Matrix([[0, 0], [1, 1]])])
        return (try LinearGaussianPrior(basis: basis, structure: .full, gaussian: gaussian), gaussian)
    }

    /// The p-values of the rank-uniformity χ² tests: one per coordinate of φ, then lp__.
    /// `adaptWith` is the prior the posterior is computed under (the truth, or a wrong one for
    /// the negative control).
    static func pValues(shots k: Int, singular: Bool, adaptWith: LinearGaussianPrior? = nil) throws -> [Double] {
        let (truePrior, gaussian) = try truth(singular: singular)
        let model = adaptWith ?? truePrior
        let d = gaussian.dimension, l = drawsPerReplication
        var counts = [[Int]](repeating: [Int](repeating: 0, count: bins), count: d + 1)
        for r in 0..<replications {
            let stream = RandomStream(seed: 2026, stream: UInt64(r))
            // φ = μ + F z from the prior (F F' = Σ; exact for the singular Σ too).
            var z = [Double](repeating: 0, count: d)
            stream.fillStandardNormal(&z)
            let phi = try gaussian.factor.multiplied(by: z).enumerated().map { gaussian.mean[$0.offset] + $0.element }
            var x: [Double] = [], y: [Double] = []
            for _ in 0..<k {
                let x1 = stream.standardNormal(), x2 = stream.standardNormal()
                x += [x1, x2]
                y.append(phi[0] + phi[1] * x1 + phi[2] * x2 + gaussian.noiseVariance.squareRoot() * stream.standardNormal())
            }
            let posterior = try model.posterior(inputs: try Matrix(rows: k, columns: 2, elements: x), targets: y)
            let draws = posterior.draws(chunk: 0, range: 0..<l, seed: 1_000_000 + UInt64(r))
            let trueLogDensity = try posterior.logDensity(phi)
            for j in 0...d {
                var rank = 0
                for s in 0..<l {
                    let value = j < d ? draws[s * (d + 1) + 1 + j] : draws[s * (d + 1)]
                    if value < (j < d ? phi[j] : trueLogDensity) { rank += 1 }
                }
                counts[j][rank * bins / (l + 1)] += 1
            }
        }
        let expected = Double(replications) / Double(bins)
        let chiSquared = try Gamma(shape: Double(bins - 1) / 2, rate: 0.5)
        return counts.map { row in
            chiSquared.upperTailProbability(row.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected })
        }
    }

    @Test(arguments: [0, 1, 2, 5, 20])
    func ranksAreUniform(shots: Int) throws {
        let p = try Self.pValues(shots: shots, singular: false)
        for (j, value) in p.enumerated() {
            #expect(value > Self.threshold, "K = \(shots), \(j < 3 ? "phi.\(j + 1)" : "lp__"): χ² p = \(value)")
        }
    }

    /// A singular Σ: the posterior is a degenerate Gaussian on the range of Σ; draws and lp__
    /// are still calibrated.
    @Test(arguments: [0, 2, 10])
    func ranksAreUniformForASingularPrior(shots: Int) throws {
        let p = try Self.pValues(shots: shots, singular: true)
        for (j, value) in p.enumerated() {
            #expect(value > Self.threshold, "K = \(shots), singular Σ, \(j < 3 ? "phi.\(j + 1)" : "lp__"): χ² p = \(value)")
        }
    }

    /// The test has power: adapting under a prior whose Σ is half the true one (too confident)
    /// is rejected at the suite's threshold.
    @Test func rejectsAMiscalibratedPosterior() throws {
        let (truePrior, gaussian) = try Self.truth(singular: false)
        let narrow = try GaussianPrior(mean: gaussian.mean, covariance: 0.5 * gaussian.covariance, noiseVariance: gaussian.noiseVariance)
        let wrong = try LinearGaussianPrior(basis: truePrior.basis, structure: .full, gaussian: narrow)
        let p = try Self.pValues(shots: 1, singular: false, adaptWith: wrong)
        #expect(try #require(p.min()) < Self.threshold, "p-values \(p)")
    }
}
