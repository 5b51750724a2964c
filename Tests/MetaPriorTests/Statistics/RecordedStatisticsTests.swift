// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// `training.statistics` of a prior fitted from statistics files: the records read back
/// exactly, and a hand-edited record is one `InputError` naming the file and the key.
@Suite("Prior file: recorded statistics")
struct RecordedStatisticsTests {
    static let digest = Digest.sha256(Array("task,n,c\n".utf8))

    /// The sleepstudy linear prior with `training.statistics` set to `records`.
    static func prior(_ records: Any) throws -> Data {
        let valid = try #require(PriorFileHardeningTests.priors["linear"])
        var json = try #require(try JSONSerialization.jsonObject(with: Data(valid)) as? [String: Any])
        var training = try #require(json["training"] as? [String: Any])
        training["statistics"] = records
        json["training"] = training
        return try JSONSerialization.data(withJSONObject: json)
    }

    @Test func recordsReadBack() throws {
        let file = try PriorFile.decode(try Self.prior([["file": "s1.csv", "digest": Self.digest], ["file": "s2.csv", "digest": Self.digest]]),
                                        file: "prior.json")
        #expect(file.training.statistics == [RecordedStatistics(file: "s1.csv", digest: Self.digest),
                                             RecordedStatistics(file: "s2.csv", digest: Self.digest)])
        #expect(Digest.isSHA256(Self.digest))
    }

    static let bad: [(String, String)] = [
        ("", Self.digest),
        ("s.csv", ""),
        ("s.csv", "sha256:"),
        ("s.csv", String(Self.digest.dropLast())),
        ("s.csv", Self.digest + "0"),
        ("s.csv", Self.digest.uppercased()),
        ("s.csv", "md5:" + String(Self.digest.dropFirst(7))),
        ("s.csv", String(Self.digest.dropLast()) + "g"),
    ]

    @Test(arguments: 0..<bad.count)
    func badRecordIsOneLineNamingTheKey(_ index: Int) throws {
        let (name, digest) = Self.bad[index]
        let error = try #require(throws: InputError.self) {
            try PriorFile.decode(try Self.prior([["file": name, "digest": digest]]), file: "prior.json")
        }
        #expect(error.description.hasPrefix("prior.json: column 'training.statistics': "), "\(error)")
        #expect(!error.description.contains("\n") && error.kind == .invalidValue)
    }
}
