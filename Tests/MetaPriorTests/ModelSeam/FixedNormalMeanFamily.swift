// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL
@testable import MetaPrior

/// A second model family, written only as a test double, to prove the seam: each task is a
/// normal mean with a *fixed, known* prior, y_ij ~ N(φ_i, σ²), φ_i ~ N(μ, τ²) with
/// θ = (μ, τ², σ²) = (2, 4, 1) whatever the data (the input column is read and ignored).
/// The posterior is conjugate: precision 1/τ² + n/σ², mean (μ/τ² + Σy/σ²)/precision.
enum FixedNormalMeanFamily: ModelFamily {
    static let name = "fixed_normal_mean"
    static let summary = "φ ~ N(2, 4) fixed, y ~ N(φ, 1)"

    static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        let prior = FixedNormalMeanPrior(input: dataset.inputNames.first ?? "x", mean: 2, variance: 4, noiseVariance: 1)
        return FittedModel(prior: prior, logMarginalLikelihood: 0, iterations: 0, gradientNorm: 0, converged: true,
                           tasks: dataset.tasks.count, observations: dataset.observationCount, account: "nothing to fit: θ is fixed")
    }

    static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior {
        try FixedNormalMeanPrior(from: decoder)
    }
}

struct FixedNormalMeanPrior: TaskPrior, Codable, Equatable {
    var input: String
    var mean: Double
    var variance: Double
    var noiseVariance: Double

    var model: String { FixedNormalMeanFamily.name }
    var inputs: [String] { [input] }
    var parameterNames: [String] { ["mean"] }
    var featureDescription: String { "none" }

    func posterior(inputs: Matrix, targets: [Double]) throws -> any TaskPosterior {
        let precision = 1 / variance + Double(targets.count) / noiseVariance
        let m = (mean / variance + targets.reduce(0, +) / noiseVariance) / precision
        return FixedNormalMeanPosterior(mean: m, variance: 1 / precision, noiseVariance: noiseVariance, observations: targets.count)
    }

    func reportLines() -> [String] { ["a fixed normal-mean prior N(\(mean), \(variance))"] }
    func isEqual(to other: any TaskPrior) -> Bool { (other as? FixedNormalMeanPrior) == self }
}

struct FixedNormalMeanPosterior: TaskPosterior {
    var mean: Double
    var variance: Double
    var noiseVariance: Double
    var observations: Int

    var parameterCount: Int { 1 }
    var drawsPerChunk: Int { 100 }
    var logDensityDescription: String { "log N(phi; m, v)" }

    func draws(chunk: Int, range: Range<Int>, seed: UInt64) -> [Double] {
        let stream = RandomStream(seed: seed, stream: UInt64(chunk))
        for _ in (chunk * drawsPerChunk)..<range.lowerBound { _ = stream.standardNormal() }  // draw k is the k-th of its chunk
        return range.flatMap { _ -> [Double] in
            let z = stream.standardNormal()
            return [-0.5 * log(2 * Double.pi * variance) - 0.5 * z * z, mean + variance.squareRoot() * z]
        }
    }

    func logDensity(_ phi: [Double]) throws -> Double {
        -0.5 * log(2 * Double.pi * variance) - 0.5 * (phi[0] - mean) * (phi[0] - mean) / variance
    }

    func summary(level: Double) throws -> [IntervalSummary] { [try Self.normal(mean, variance, level)] }

    func predictive(at inputs: Matrix, level: Double) throws -> [IntervalSummary] {
        try (0..<inputs.rows).map { _ in try Self.normal(mean, variance + noiseVariance, level) }
    }

    func jointPredictive(at inputs: Matrix) throws -> (mean: [Double], covariance: Matrix) {
        var covariance = Matrix(rows: inputs.rows, columns: inputs.rows)
        for i in 0..<inputs.rows { for j in 0..<inputs.rows { covariance[i, j] = variance + (i == j ? noiseVariance : 0) } }
        return ([Double](repeating: mean, count: inputs.rows), covariance)
    }

    func predictiveDraws(at inputs: Matrix, chunk: Int, range: Range<Int>, seed: UInt64) throws -> [Double] {
        let rows = draws(chunk: chunk, range: range, seed: seed)  // lp__, φ per draw
        let noise = RandomStream(seed: seed, stream: (1 << 32) + UInt64(chunk))
        return (0..<range.count).flatMap { r in
            (0..<inputs.rows).map { _ in rows[2 * r + 1] + noiseVariance.squareRoot() * noise.standardNormal() }
        }
    }

    static func normal(_ mean: Double, _ variance: Double, _ level: Double) throws -> IntervalSummary {
        let interval = try Normal(mean: mean, standardDeviation: variance.squareRoot()).centralInterval(level: level)
        return IntervalSummary(mean: mean, standardDeviation: variance.squareRoot(), lower: interval.lower, upper: interval.upper)
    }
}
