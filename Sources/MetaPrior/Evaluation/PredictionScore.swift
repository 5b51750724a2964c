// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// How well a posterior predicts held-out points: squared error of the predictive mean,
/// negative log predictive density, and whether each point is inside the central interval.
public struct PredictionScore: Sendable {
    /// Mean squared error of the predictive mean.
    public let mse: Double
    /// Mean negative log predictive density, −log N(y; mean, sd²).
    public let nlpd: Double
    /// Points inside the central interval at the level asked for.
    public let covered: Int
    /// Points scored.
    public let count: Int

    /// Root mean squared error √MSE, in the target's units.
    public var rmse: Double { mse.squareRoot() }

    /// Scores `posterior` at `inputs` against `targets` by its predictive (mean, sd and the
    /// central interval at `level`).
    public init(posterior: any TaskPosterior, inputs: Matrix, targets: [Double], level: Double) throws {
        let predictive = try posterior.predictive(at: inputs, level: level)
        var squares = 0.0, nlpd = 0.0, covered = 0
        for (point, y) in zip(predictive, targets) {
            let error = y - point.mean
            let variance = point.standardDeviation * point.standardDeviation
            squares += error * error
            nlpd += 0.5 * (log(2 * Double.pi * variance) + error * error / variance)
            if y >= point.lower && y <= point.upper { covered += 1 }
        }
        let n = Double(Swift.max(predictive.count, 1))
        self.mse = squares / n
        self.nlpd = nlpd / n
        self.covered = covered
        self.count = predictive.count
    }

    /// RMSE on `query` of least squares on `support` alone (no prior: no transfer), with the
    /// minimum-norm solution when the support has fewer points than features.
    public static func leastSquaresRMSE(support: TaskData, query: TaskData, basis: FeatureMap) throws -> Double {
        let a = try basis.design(support.inputs)
        // Minimum-norm least squares via a vanishing ridge: (AᵀA + εI)⁻¹Aᵀy with ε = 1e-10·tr(AᵀA)/d.
        var gram = try a.multiplied(by: a, transposeLeft: true)
        let epsilon = 1e-10 * Swift.max(gram.trace / Double(gram.rows), 1e-300)
        for i in 0..<gram.rows { gram[i, i] += epsilon }
        let phi = try Cholesky(gram, jitter: .allowed(maximum: gram.trace)).solve(try a.multiplied(by: support.targets, transpose: true))
        let predicted = try basis.design(query.inputs).multiplied(by: phi)
        let squares = zip(predicted, query.targets).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return (squares / Double(Swift.max(query.count, 1))).squareRoot()
    }
}

extension TaskData {
    /// The task restricted to rows `range` (in file order).
    public func rows(_ range: Range<Int>) throws -> TaskData {
        let p = inputs.columns
        var values: [Double] = []
        values.reserveCapacity(range.count * p)
        for i in range { for j in 0..<p { values.append(inputs[i, j]) } }
        return TaskData(id: id, inputs: try Matrix(rows: range.count, columns: p, elements: values),
                        targets: Array(targets[range]), descriptor: descriptor, weight: weight)
    }
}
