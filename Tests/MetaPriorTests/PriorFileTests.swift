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
        #expect(try decoded.prior() == file.prior())
    }

    @Test func rejectsAnAsymmetricOrIndefiniteCovariance() throws {
        var file = try Self.file()
        file.covariance = [[1, 2], [2, 1]]
        #expect(throws: InputError.self) { try PriorFile.decode(try file.encoded(), file: "p.json") }
        file.covariance = [[1, 0.5], [0.4, 1]]
        #expect(throws: InputError.self) { try PriorFile.decode(try file.encoded(), file: "p.json") }
        file.covariance = [[1, 0], [0, 1]]
        file.noiseVariance = -1
        #expect(throws: InputError.self) { try PriorFile.decode(try file.encoded(), file: "p.json") }
    }
}
