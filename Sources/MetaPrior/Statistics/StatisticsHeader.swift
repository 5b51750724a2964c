// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The first line of a statistics file: `# metaprior-statistics ` and one JSON object with
/// the format version, the family, the target and task columns, the feature map and its
/// digest (see the StatisticsFormat article). Every shard of one fit must carry the same
/// feature map, or the sums would add up features that differ.
public struct StatisticsHeader: Codable, Sendable, Equatable {
    /// The newest `format_version` this build reads, and the one it writes.
    public static let currentFormatVersion = 1
    /// What the first line starts with.
    static let marker = "# metaprior-statistics "

    /// The file's format version.
    public var formatVersion: Int
    /// The model family the statistics are sufficient for (`linear_gaussian`).
    public var family: String
    /// The target column of the data.
    public var target: String
    /// The task column of the data.
    public var taskColumn: String
    /// The feature map f(x), exactly as a prior file records it under `basis`.
    public var featureMap: FeatureMap
    /// SHA-256 of the feature map's canonical JSON (``FeatureMap/canonicalDigest()``).
    public var featureMapDigest: String

    /// The header of statistics under `featureMap`, in the current format.
    public init(family: String, target: String, taskColumn: String, featureMap: FeatureMap) throws {
        self.formatVersion = Self.currentFormatVersion
        self.family = family
        self.target = target
        self.taskColumn = taskColumn
        self.featureMap = featureMap
        self.featureMapDigest = try featureMap.canonicalDigest()
    }

    /// The header line, without its line end.
    func line() throws -> String {
        Self.marker + String(decoding: try StatisticsHeader.encoder.encode(self), as: UTF8.self)
    }

    /// Reads a header line of `file`; checks the version, the family and that the digest is
    /// that of the map written beside it.
    static func parse(_ line: String, file: String) throws -> StatisticsHeader {
        guard line.hasPrefix(marker) else {
            throw InputError(file: file, line: 1, kind: .malformed,
                             "not a metaprior statistics file: the first line must start with '\(marker.trimmingCharacters(in: .whitespaces))' (write it with metaprior statistics)")
        }
        let json = Data(line.dropFirst(marker.count).utf8)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        struct Version: Decodable { var formatVersion: Int }
        guard let version = try? decoder.decode(Version.self, from: json) else {
            throw InputError(file: file, line: 1, kind: .malformed, "the header is not a JSON object with a whole-number format_version")
        }
        guard version.formatVersion == currentFormatVersion else {
            throw InputError(file: file, line: 1, kind: .invalidValue,
                             "statistics format_version \(version.formatVersion); this build of metaprior reads version \(currentFormatVersion) only")
        }
        let header: StatisticsHeader
        do {
            header = try decoder.decode(StatisticsHeader.self, from: json)
        } catch let error as InputError {
            throw InputError(file: file, line: 1, column: error.column, kind: error.kind, "feature_map: " + error.message)
        } catch {
            throw InputError(file: file, line: 1, kind: .malformed, "the header lacks a key or holds one of the wrong type (\(error))")
        }
        guard header.family == LinearGaussianFamily.name else {
            throw InputError(file: file, line: 1, kind: .invalidValue,
                             "family \(InputError.quoted(header.family)): statistics files are read for \(LinearGaussianFamily.name) only")
        }
        try header.featureMap.validate()
        let digest = try header.featureMap.canonicalDigest()
        guard digest == header.featureMapDigest else {
            throw InputError(file: file, line: 1, kind: .inconsistent,
                             "feature_map_digest is \(header.featureMapDigest) but the feature map written beside it has digest \(digest); the header was altered")
        }
        return header
    }

    /// Compact JSON, keys sorted and in snake_case: the same header always gives the same
    /// bytes.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension FeatureMap {
    /// `sha256:…` of the map's canonical JSON: keys in snake_case and sorted, no spaces,
    /// numbers in Swift's shortest round-trip form, the object a prior file writes under
    /// `basis`. Two maps with the same digest compute the same features.
    public func canonicalDigest() throws -> String {
        Digest.sha256(try StatisticsHeader.encoder.encode(self))
    }
}
