// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// A `gaussian_mixture` prior file reads back exactly, and every hostile edit of its θ is one
/// `InputError` naming the file and the key (the rows of the prior-file hardening table for
/// this family).
@Suite("Mixture prior: prior file")
struct MixturePriorFileTests {
    /// A K = 2 fit of 40 simulated linear-Gaussian tasks, encoded.
    static let valid: [UInt8] = {
        let dataset = try! simulateTasks(SimulationSettings(family: .linearGaussian, tasks: 40, points: 6, seed: 3)).dataset
        var request = FitRequest(basis: .linear)
        request.mixture = MixtureRequest(components: .fixed(2))
        request.options.maximumIterations = 50
        return try! PriorTraining.train(dataset, family: GaussianMixtureFamily.self, request: request,
                                        source: PriorTraining.Source(file: "train.csv", digest: nil)).file.encoded().map { $0 }
    }()

    @Test func validFileReadsBackExactly() throws {
        let file = try PriorFile.decode(Data(Self.valid), file: "prior.json")
        #expect(file.prior.model == "gaussian_mixture")
        #expect(try file.encoded() == Data(Self.valid))
        let prior = try #require(file.prior as? GaussianMixturePrior)
        #expect(prior.mixture.componentCount == 2)
    }

    /// A fit that chose K (`--components 1-2`) writes `component_selection`; the file must read
    /// back to the same bytes (its `shortfall_se` key once could not be read).
    @Test func fileWithAChoiceOfKReadsBackExactly() throws {
        // 16 points: the choice of K scores 5-shot episodes with Q = 10
        let dataset = try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: 40, points: 16, seed: 3)).dataset
        var request = FitRequest(basis: .linear)
        request.mixture = MixtureRequest(components: .choose(1...2))
        request.options.maximumIterations = 20
        let bytes = try PriorTraining.train(dataset, family: GaussianMixtureFamily.self, request: request,
                                            source: PriorTraining.Source(file: "train.csv", digest: nil)).file.encoded()
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"shortfall_se\""))
        let file = try PriorFile.decode(bytes, file: "prior.json")
        #expect(try file.encoded() == bytes)
        let prior = try #require(file.prior as? GaussianMixturePrior)
        #expect(prior.selection.map(\.components) == [1, 2] && prior.selection.filter(\.chosen).count == 1)
    }

    static let edits: [(name: String, key: String, apply: @Sendable (inout [String: Any]) -> Void)] = [
        ("weights do not sum to 1", "weights", { $0["weights"] = [0.5, 0.6] }),
        ("negative weight", "weights", { $0["weights"] = [1.5, -0.5] }),
        ("three weights for two components", "means", { $0["weights"] = [0.2, 0.3, 0.5] }),
        ("short mean", "means", { json in var m = json["means"] as! [[Double]]; m[1] = [1.0]; json["means"] = m }),
        ("indefinite covariance", "covariances", { json in
            var c = json["covariances"] as! [[[Double]]]; c[0] = [[1.0, 2.0], [2.0, 1.0]]; json["covariances"] = c }),
        ("asymmetric covariance", "covariances", { json in
            var c = json["covariances"] as! [[[Double]]]; c[1] = [[1.0, 0.5], [0.1, 1.0]]; json["covariances"] = c }),
        ("covariance of the wrong size", "covariances", { json in
            var c = json["covariances"] as! [[[Double]]]; c[1] = [[1.0]]; json["covariances"] = c }),
        ("ragged covariance", "covariances", { json in
            var c = json["covariances"] as! [[[Double]]]; c[1] = [[1.0, 0.0], [0.0]]; json["covariances"] = c }),
        ("negative noise variance", "noise_variance", { $0["noise_variance"] = -1.0 }),
        ("no components", "weights", { json in json["weights"] = [Double](); json["means"] = [[Double]](); json["covariances"] = [[[Double]]]() }),
    ]

    @Test(arguments: edits.indices)
    func hostileEditIsOneLineNamingFileAndKey(_ index: Int) throws {
        let edit = Self.edits[index]
        var json = try #require(try JSONSerialization.jsonObject(with: Data(Self.valid)) as? [String: Any])
        edit.apply(&json)
        let bytes = try JSONSerialization.data(withJSONObject: json)
        let error = try #require(throws: InputError.self) { try PriorFile.decode(bytes, file: "prior.json") }
        #expect(error.description.hasPrefix("prior.json: column '\(edit.key)': "), "\(edit.name): \(error)")
        #expect(!error.description.contains("\n"), "\(edit.name)")
    }
}
