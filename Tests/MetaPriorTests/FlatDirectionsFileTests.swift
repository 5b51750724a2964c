// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// `flat_directions` and `flat_tilt` in a linear-Gaussian prior file: a valid file reads,
/// writes back the same bytes and adapts; every hostile edit is one `InputError` naming the key.
@Suite("Flat directions: prior file")
struct FlatDirectionsFileTests {
    /// The sleepstudy `linear` prior (d = 2) made flat along the Days slope: covariance
    /// [[612, 0], [0, 0]], mean (251, 0), U = e₂, η = 0.3.
    static let valid: [UInt8] = {
        let data = try! SleepStudyFitTests.sleepStudy()
        let bytes = try! PriorTraining.fit(data, basis: .linear, options: PriorFitOptions(), dataFile: "sleepstudy.csv").file.encoded()
        var json = try! JSONSerialization.jsonObject(with: bytes) as! [String: Any]
        json["covariance"] = [[612.0, 0.0], [0.0, 0.0]]
        json["mean"] = [251.0, 0.0]
        json["flat_directions"] = [[0.0, 1.0]]
        json["flat_tilt"] = [0.3]
        return [UInt8](try! JSONSerialization.data(withJSONObject: json))
    }()

    /// One edit of the valid file and the key its error must name (the descriptor keys' table type).
    typealias Edit = DescriptorPriorFileTests.Edit

    static func set(_ key: String, _ value: Any?) -> @Sendable (inout [String: Any]) -> Void { DescriptorPriorFileTests.set(key, value) }

    /// Tolerances: orthonormality and the complement conditions are checked to 1e-10
    /// (`FlatDirections.orthonormalityTolerance`, `complementTolerance`), so the edits below are
    /// off by far more (1e-6 and up) and one just inside (1e-12) must read.
    static let edits: [Edit] = [
        Edit(name: "not unit length", key: "flat_directions", apply: set("flat_directions", [[0.0, 1.000001]])),
        Edit(name: "zero direction", key: "flat_directions", apply: set("flat_directions", [[0.0, 0.0]])),
        Edit(name: "too short", key: "flat_directions", apply: set("flat_directions", [[1.0]])),
        Edit(name: "too long", key: "flat_directions", apply: set("flat_directions", [[0.0, 1.0, 0.0]])),
        Edit(name: "as many as parameters", key: "flat_directions", apply: { json in
            set("flat_directions", [[1.0, 0.0], [0.0, 1.0]])(&json); set("flat_tilt", [0.3, 0.1])(&json)
        }),
        Edit(name: "none", key: "flat_directions", apply: { json in set("flat_directions", [[Double]]())(&json); set("flat_tilt", [Double]())(&json) }),
        Edit(name: "huge entry", key: "flat_directions", apply: set("flat_directions", [[0.0, 1e300]])),
        Edit(name: "covariance not zero on it", key: "flat_directions", apply: set("covariance", [[612.0, 1.0], [1.0, 0.01]])),
        Edit(name: "mean along it", key: "flat_directions", apply: set("mean", [251.0, 10.0])),
        Edit(name: "tilt of the wrong length", key: "flat_tilt", apply: set("flat_tilt", [0.3, 0.1])),
        Edit(name: "tilt without directions", key: "flat_tilt", apply: set("flat_directions", nil)),
    ]

    static func edited(_ apply: (inout [String: Any]) -> Void) throws -> Data {
        var json = try #require(try JSONSerialization.jsonObject(with: Data(valid)) as? [String: Any])
        apply(&json)
        return try JSONSerialization.data(withJSONObject: json)
    }

    @Test func validFileReadsWritesBackAndAdapts() throws {
        let file = try PriorFile.decode(Data(Self.valid), file: "prior.json")
        let prior = try file.prior(as: LinearGaussianPrior.self)
        let flat = try #require(prior.flat)
        #expect(flat.count == 1 && flat.tilt == [0.3])
        let bytes = try file.encoded()
        #expect(try PriorFile.decode(bytes, file: "prior.json").encoded() == bytes)
        #expect(try PriorFile.decode(bytes, file: "prior.json").prior.isEqual(to: prior))
        // Any day but day 0 determines the slope (the intercept has a proper prior); day 0 alone does not.
        let posterior = try prior.gaussianPosterior(inputs: try Matrix(rows: 2, columns: 1, elements: [0, 9]), targets: [250, 300])
        #expect(posterior.gaussian.rank == 2)
        let error = try #require(throws: InputError.self) {
            try prior.posterior(inputs: try Matrix(rows: 1, columns: 1, elements: [0]), targets: [260])
        }
        #expect(error.description.contains("Days"), "\(error)")
        // Just inside the stated tolerance still reads.
        _ = try PriorFile.decode(try Self.edited(Self.set("flat_directions", [[1e-12, 1.0]])), file: "prior.json")
    }

    @Test(arguments: edits)
    func hostileEditIsOneLineNamingTheKey(_ edit: Edit) throws {
        let error = try #require(throws: InputError.self) { try PriorFile.decode(try Self.edited(edit.apply), file: "prior.json") }
        #expect(error.description.hasPrefix("prior.json: column '\(edit.key)': "), "\(error)")
        #expect(!error.description.contains("\n"))
        #expect([.invalidValue, .inconsistent].contains(error.kind), "\(error.kind)")
    }

    @Test func directionsWithoutTiltNameTheMissingKey() throws {
        let error = try #require(throws: InputError.self) {
            try PriorFile.decode(try Self.edited(Self.set("flat_tilt", nil)), file: "prior.json")
        }
        #expect(error.description.contains("flat_tilt"), "\(error)")
    }
}
