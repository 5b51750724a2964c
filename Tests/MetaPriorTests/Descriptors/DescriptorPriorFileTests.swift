// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// B in the prior file: written, read back bit for bit, validated when read, and used to
/// condition a new task's prior.
@Suite("Descriptor prior file")
struct DescriptorPriorFileTests {
    /// A prior fitted with two descriptors (60 tasks of 6 points, seed 12), as file bytes.
    static let valid: [UInt8] = {
        var settings = SimulationSettings(family: .linearGaussian, tasks: 60, points: 6, seed: 12)
        settings.descriptorCoefficients = DescriptorLikelihoodTests.trueSlopes
        let data = try! simulateTasks(settings).dataset
        return try! PriorTraining.fit(data, basis: .linear, options: PriorFitOptions(), dataFile: "d.csv").file.encoded().map { $0 }
    }()

    @Test func roundTripsExactlyAndConditions() throws {
        let file = try PriorFile.decode(Data(Self.valid), file: "prior.json")
        #expect(try file.encoded() == Data(Self.valid))
        let prior = try #require(file.prior as? LinearGaussianPrior)
        let b = try #require(prior.descriptors)
        #expect(b.columnNames == ["(intercept)", "z1", "z2"])
        // The prior at z: mean B z̃, the same Σ and σ².
        let at = try prior.conditioned(onDescriptor: [0.5, -2])
        for j in 0..<2 {
            let expected = b.coefficients[j * 3] + 0.5 * b.coefficients[j * 3 + 1] - 2 * b.coefficients[j * 3 + 2]
            #expect(abs(at.gaussian.mean[j] - expected) <= 1e-12 * Swift.max(1, abs(expected)))
        }
        #expect(at.gaussian.covariance == prior.gaussian.covariance && at.descriptors == nil)
        // Without z it is refused, naming the columns; the average prior is the file's mean.
        let error = try #require(throws: InputError.self) { try prior.posterior(inputs: Matrix(rows: 0, columns: 1), targets: []) }
        #expect("\(error)".contains("z1, z2") && "\(error)".contains("--no-descriptor"))
        #expect(prior.atAverageDescriptor.gaussian == prior.gaussian)
    }

    struct Edit: CustomStringConvertible, Sendable {
        var name: String
        var key: String
        var apply: @Sendable (inout [String: Any]) -> Void
        var description: String { name }
    }

    static func set(_ key: String, _ value: Any?) -> @Sendable (inout [String: Any]) -> Void {
        nonisolated(unsafe) let value = value
        return { json in json[key] = value }
    }

    static let edits: [Edit] = [
        Edit(name: "no names", key: "descriptor_names", apply: set("descriptor_names", [String]())),
        Edit(name: "repeated name", key: "descriptor_names", apply: set("descriptor_names", ["z1", "z1"])),
        Edit(name: "one name too many", key: "descriptor_coefficients", apply: set("descriptor_names", ["z1", "z2", "z3"])),
        Edit(name: "short coefficient row", key: "descriptor_coefficients", apply: set("descriptor_coefficients", [[1.0, 0.5], [2.0, 0.3, 0.6]])),
        Edit(name: "missing coefficient row", key: "descriptor_coefficients", apply: set("descriptor_coefficients", [[1.0, 0.5, 0.1]])),
        Edit(name: "negative standard error", key: "descriptor_standard_errors", apply: set("descriptor_standard_errors", [[-1.0, 0.1, 0.1], [0.1, 0.1, 0.1]])),
        Edit(name: "mean descriptor without intercept", key: "descriptor_mean", apply: set("descriptor_mean", [0.0, 0.1, 0.2])),
        Edit(name: "short mean descriptor", key: "descriptor_mean", apply: set("descriptor_mean", [1.0, 0.1])),
        Edit(name: "mean descriptor off the prior mean", key: "descriptor_mean", apply: set("descriptor_mean", [1.0, 5.0, 5.0])),
        Edit(name: "coefficients missing", key: "descriptor_coefficients", apply: set("descriptor_coefficients", nil)),
    ]

    @Test(arguments: edits)
    func badEditIsOneLineNamingFileAndKey(_ edit: Edit) throws {
        var json = try #require(try JSONSerialization.jsonObject(with: Data(Self.valid)) as? [String: Any])
        edit.apply(&json)
        let bytes = try JSONSerialization.data(withJSONObject: json)
        let error = try #require(throws: InputError.self) { try PriorFile.decode(bytes, file: "prior.json") }
        // A missing key is named by the decoder's own message; every other edit by its column.
        let prefix = json[edit.key] == nil ? "prior.json: corrupt prior file: missing key '\(edit.key)'" : "prior.json: column '\(edit.key)': "
        #expect(error.description.hasPrefix(prefix), "\(error)")
        #expect(!error.description.contains("\n"))
    }

    /// A coefficient beyond double range (1e999 in the text) is refused, not read as infinity.
    @Test func overflowingCoefficientIsRefused() throws {
        let text = try #require(String(bytes: Self.valid, encoding: .utf8))
        let range = try #require(text.range(of: "\"descriptor_coefficients\" : [\n    [\n      "))
        let end = try #require(text[range.upperBound...].firstIndex(of: ","))
        let edited = text.replacingCharacters(in: range.upperBound..<end, with: "1e999")
        let error = try #require(throws: InputError.self) { try PriorFile.decode(Data(edited.utf8), file: "prior.json") }
        #expect(error.description.hasPrefix("prior.json: ") && !error.description.contains("\n"), "\(error)")
    }
}
