// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The model-family seam has a second client: ``FixedNormalMeanFamily``, a test double, goes
/// through the same library calls as `metaprior fit`, `adapt`, `predict` and `evaluate`
/// (PriorTraining.train, LoadedPrior, Adaptation, EvaluationRun) from a prior file, with no
/// change to the CLI or to those calls.
@Suite("Model-family seam", .serialized)
struct ModelSeamTests {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mp-seam-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes `csv` and returns its path.
    static func write(_ csv: String, _ name: String) throws -> String {
        try AtomicFile.write(csv, to: path(name))
        return path(name)
    }

    /// Fits the double through the registry and writes its prior file as `fit` does.
    static func fittedPriorFile() throws -> String {
        ModelRegistry.register(FixedNormalMeanFamily.self)
        let train = try write("task,x,y\na,0,1\na,1,2\nb,0,3\nb,2,4\nc,1,2.5\n", "train.csv")
        let dataset = try MetaDataset.read(csv: train, options: CSVReadOptions())
        let outcome = try PriorTraining.train(dataset, family: try ModelRegistry.family(named: "fixed_normal_mean"),
                                              request: FitRequest(), source: PriorTraining.Source(file: train, digest: nil))
        #expect(outcome.report.contains("a fixed normal-mean prior N(2.0, 4.0)"))
        try AtomicFile.write(try outcome.file.encoded(), to: path("prior.json"))
        return path("prior.json")
    }

    @Test func priorFileNamesTheFamilyAndRoundTrips() throws {
        let prior = try LoadedPrior(path: try Self.fittedPriorFile())
        #expect(prior.file.model == "fixed_normal_mean")
        #expect(try prior.file.prior(as: FixedNormalMeanPrior.self) == FixedNormalMeanPrior(input: "x", mean: 2, variance: 4, noiseVariance: 1))
        let json = try #require(try JSONSerialization.jsonObject(with: try prior.file.encoded()) as? [String: Any])
        #expect(json["model"] as? String == "fixed_normal_mean")
        #expect(json["variance"] as? Double == 4)  // the family's own key, beside the shared ones
        #expect(json["tasks"] as? Int == 3)
        #expect(throws: InputError.self) { try prior.file.prior(as: LinearGaussianPrior.self) }
    }

    /// Adapt: the conjugate posterior, and draws whose mean and variance agree with it. With
    /// n = 3 points summing to 6: precision 1/4 + 3 = 3.25, mean (2/4 + 6)/3.25 = 2, variance
    /// 1/3.25. 4000 draws: the sample mean is within 4 standard errors √(v/4000) of m, and the
    /// sample variance within 4 of its standard error v·√(2/3999).
    @Test func adaptGoesThroughTheSeam() throws {
        let priorPath = try Self.fittedPriorFile()
        let taskPath = try Self.write("x,y\n0,1\n5,2\n9,3\n", "task.csv")
        let adapted = try Adaptation(priorPath: priorPath, dataFile: taskPath)
        let summary = try adapted.posterior.summary(level: 0.9)[0]
        #expect(abs(summary.mean - 2) < 1e-12)
        #expect(abs(summary.standardDeviation - (1 / 3.25).squareRoot()) < 1e-12)

        let csv = String(decoding: adapted.drawsCSV(draws: 4000, seed: 7, command: "test"), as: UTF8.self)
        let lines = csv.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.first == "lp__,phi.1")
        #expect(csv.contains("# parameters: phi.1 = mean"))
        let phi = lines.dropFirst().map { Double($0.split(separator: ",")[1])! }
        #expect(phi.count == 4000)
        let v = 1 / 3.25
        let mean = phi.reduce(0, +) / 4000
        let variance = phi.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 3999
        #expect(abs(mean - 2) < 4 * (v / 4000).squareRoot(), "\(mean)")
        #expect(abs(variance - v) < 4 * v * (2.0 / 3999).squareRoot(), "\(variance)")
        // Same seed, same bytes.
        #expect(adapted.drawsCSV(draws: 4000, seed: 7, command: "test") == adapted.drawsCSV(draws: 4000, seed: 7, command: "test"))

        let predictions = String(decoding: try adapted.predictionsCSV(queries: try Matrix([[1], [2]]), level: 0.9), as: UTF8.self)
        #expect(predictions.hasPrefix("x,mean,sd,lower,upper\n1.0,2.0,"))
        // Predictive draws through the family's chunked draws: a row per draw and query point,
        // the same bytes for the same seed.
        let predictive = try adapted.predictiveDrawsCSV(queries: try Matrix([[1], [2]]), draws: 250, seed: 5, command: "test")
        #expect(String(decoding: predictive, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.count == 1 + 500)
        #expect(predictive == (try adapted.predictiveDrawsCSV(queries: try Matrix([[1], [2]]), draws: 250, seed: 5, command: "test")))
        let summaryCSV = String(decoding: try adapted.summaryCSV(level: 0.9), as: UTF8.self)
        #expect(summaryCSV.contains("phi.1,mean,2.0,2.0,2.0,"))
    }

    /// Evaluate scores any family's prior; the double has no baselines.
    @Test func evaluateGoesThroughTheSeam() throws {
        let prior = try LoadedPrior(path: try Self.fittedPriorFile())
        let dataPath = try Self.write("task,x,y\n" + (0..<6).flatMap { t in (0..<4).map { i in "t\(t),\(i),\(Double(t) + 0.1 * Double(i))" } }.joined(separator: "\n") + "\n", "eval.csv")
        let data = try MetaDataset.read(csv: dataPath, options: EvaluationRun.readOptions(CSVReadOptions(), for: [prior]))
        let run = try EvaluationRun(priors: [prior], dataset: data, dataFile: dataPath, dataDigest: nil,
                                    settings: EvaluationRun.Settings(shots: 2, query: 2, episodes: 12, seed: 3), command: "test")
        #expect(run.report.scores.map(\.name) == ["marginal prior"])
        #expect(run.report.scores[0].mse.isFinite && run.report.scores[0].nll.isFinite)
    }
}
