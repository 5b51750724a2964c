// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// Data that are finite but degenerate or extreme: `fit` and `adapt` either reach a real
/// boundary answer or say which file and column is at fault, never a GSL message.
@Suite("Fit input hardening")
struct FitInputHardeningTests {
    /// Six tasks of five points x = 0…4 with targets `y(task, x)`.
    static func data(weights: Bool = false, _ y: (Int, Int) -> Double) throws -> MetaDataset {
        var csv = weights ? "task,x,w,y\n" : "task,x,y\n"
        for t in 0..<6 { for i in 0..<5 { csv += "t\(t),\(i)," + (weights ? "0," : "") + "\(y(t, i))\n" } }
        return try MetaDataset.parse(csv: Array(csv.utf8), name: "d.csv",
                                     options: CSVReadOptions(taskColumn: "task", targetColumn: "y", featureColumns: ["x"],
                                                             taskWeightColumn: weights ? "w" : nil))
    }

    /// Every y the same: every task is fitted exactly by μ = (3, 0), so Σ = 0 and σ² is floored
    /// — the boundary DESIGN.md §2 calls a real outcome. It once failed with "covariance is not
    /// positive semi-definite" (EM's Σ lost to cancellation under |μ| = 3).
    @Test(arguments: [3.0, 0.0, -1e6])
    func constantTargetsFitOnTheBoundary(value: Double) throws {
        let fit = try PriorTraining.fit(try Self.data { _, _ in value }, basis: .linear, options: PriorFitOptions(), dataFile: "d.csv")
        let prior = try fit.file.prior(as: LinearGaussianPrior.self)
        #expect(abs(prior.gaussian.mean[0] - value) <= 1e-9 * Swift.max(1, abs(value)))
        #expect(abs(prior.gaussian.mean[1]) <= 1e-9 * Swift.max(1, abs(value)))
        #expect(prior.gaussian.covariance.elements.allSatisfy { $0 == 0 })
        #expect(fit.result.noiseFloored)
        // The file reads back.
        #expect(try PriorFile.decode(try fit.file.encoded(), file: "p.json") == fit.file)
    }

    @Test func allZeroWeightsNameTheWeightColumn() throws {
        let error = try #require(throws: InputError.self) { try Self.data(weights: true) { t, i in Double(t * i) } }
        #expect(error.description == "d.csv: column 'w': every task's weight is 0; at least one task needs a positive weight")
        #expect(error.kind == .invalidValue)
    }

    /// Targets of 1e200 are finite, but their squares are not.
    @Test func overflowingTargetsNameTheTargetColumn() throws {
        let data = try Self.data { t, i in 1e200 * Double(t + i + 1) }
        let error = try #require(throws: InputError.self) {
            try PriorTraining.train(data, request: FitRequest(basis: .linear), source: .init(file: "d.csv", digest: nil))
        }
        #expect(error.description.hasPrefix("d.csv: column 'y': task 't0': the values are too large"), "\(error)")
    }

    /// Targets near 1e152 have finite squares but a between-task variance beyond what a prior
    /// may hold (1e300): the error names the target column and says to rescale, not a
    /// prior-file key.
    @Test func outOfRangeFitNamesTheTarget() throws {
        let data = try Self.data { t, i in i == 1 ? (t % 2 == 0 ? 1e152 : -1e152) : Double(t) }
        let error = try #require(throws: InputError.self) {
            try PriorTraining.train(data, request: FitRequest(basis: .linear), source: .init(file: "d.csv", digest: nil))
        }
        #expect(error.description.hasPrefix("d.csv: column 'y': the fitted prior is out of range"), "\(error)")
        #expect(error.description.contains("rescale the columns"))
    }

    /// A query far outside the fitted range overflows the predictive; the error names the
    /// input column and the query row, not "Normal(mean: -inf…)".
    @Test func overflowingPredictiveNamesTheQuery() throws {
        let fit = try PriorTraining.fit(try Self.data { t, i in Double(t) + 2 * Double(i) + 0.1 * Double((t * 7 + i * 3) % 5) },
                                        basis: .linear, options: PriorFitOptions(), dataFile: "d.csv")
        let prior = try fit.file.prior(as: LinearGaussianPrior.self)
        let posterior = try prior.gaussianPosterior(inputs: try Matrix(rows: 1, columns: 1, elements: [1]), targets: [2])
        let error = try #require(throws: InputError.self) {
            try posterior.predictive(at: try Matrix(rows: 2, columns: 1, elements: [1, 1e200]), level: 0.9)
        }
        #expect(error.description.hasPrefix("column 'x': query row 2: the mean"), "\(error)")
    }
}
