// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Prior file")
struct PriorFileTests {
    static func file() throws -> PriorFile {
        let data = try SleepStudyFitTests.sleepStudy()
        return try PriorTraining.fit(data, basis: .linear, options: PriorFitOptions(), dataFile: "-").file
    }

    @Test func roundTripsExactly() throws {
        let file = try Self.file()
        let bytes = try file.encoded()
        let decoded = try PriorFile.decode(bytes, file: "prior.json")
        #expect(decoded == file)
        #expect(try decoded.encoded() == bytes)
        #expect(try decoded.prior(as: LinearGaussianPrior.self) == file.prior(as: LinearGaussianPrior.self))
    }

    /// The file's JSON with `key` set to `value` (a JSON-serialisable value).
    static func edited(_ file: PriorFile, _ key: String, _ value: Any) throws -> Data {
        var json = try #require(try JSONSerialization.jsonObject(with: try file.encoded()) as? [String: Any])
        json[key] = value
        return try JSONSerialization.data(withJSONObject: json)
    }

    @Test func rejectsAnAsymmetricOrIndefiniteCovariance() throws {
        let file = try Self.file()
        for (key, value) in [("covariance", [[1, 2], [2, 1]] as Any), ("covariance", [[1, 0.5], [0.4, 1]]), ("noise_variance", -1)] {
            #expect(throws: InputError.self, "\(key) = \(value)") { try PriorFile.decode(try Self.edited(file, key, value), file: "p.json") }
        }
    }

    /// The `model` key chooses the family: an unknown one is refused, naming the known ones.
    @Test func rejectsAnUnknownModel() throws {
        let file = try Self.file()
        let error = try #require(throws: InputError.self) { try PriorFile.decode(try Self.edited(file, "model", "tree"), file: "p.json") }
        #expect(error.description.contains("p.json: column 'model': 'tree' is not a model this metaprior knows (known: linear_gaussian"))
        #expect(error.kind == .invalidValue)
    }

    /// What went wrong is in the error's kind, not only in its words.
    @Test func kindsOfBadPriorFiles() throws {
        let missing = try #require(throws: InputError.self) { try LoadedPrior(path: "/nonexistent/prior.json") }
        #expect(missing.kind == .missingFile)
        let notJSON = try #require(throws: InputError.self) { try PriorFile.decode(Data("a,b\n1,2\n".utf8), file: "p.json") }
        #expect(notJSON.kind == .malformed)
        var json = try #require(try JSONSerialization.jsonObject(with: try Self.file().encoded()) as? [String: Any])
        json["mean"] = nil
        let noMean = try #require(throws: InputError.self) { try PriorFile.decode(try JSONSerialization.data(withJSONObject: json), file: "p.json") }
        #expect(noMean.kind == .malformed)
        #expect(noMean.description == "p.json: corrupt prior file: missing key 'mean'")
    }
}
