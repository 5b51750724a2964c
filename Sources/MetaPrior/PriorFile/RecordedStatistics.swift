// SPDX-License-Identifier: GPL-3.0-or-later

/// A statistics file a prior was fitted from (`fit --statistics`), as the prior file's
/// `training.statistics` lists it: the path as the user named it and the SHA-256 of its bytes.
public struct RecordedStatistics: Codable, Sendable, Equatable {
    /// The file as the user named it.
    public var file: String
    /// `sha256:…` of the bytes read.
    public var digest: String

    /// The record of one statistics file.
    public init(file: String, digest: String) {
        self.file = file
        self.digest = digest
    }
}
