// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// A prior file as read from disk: its path, its contents and the SHA-256 of the very bytes
/// that were decoded (so provenance never reads the file a second time).
public struct LoadedPrior: Sendable {
    /// The path as the user named it.
    public let path: String
    /// The decoded file.
    public let file: PriorFile
    /// `sha256:…` of the bytes read.
    public let digest: String

    /// Reads and validates the prior file at `path`.
    /// - Throws: ``InputError`` naming the file (see ``PriorFile/decode(_:file:)``).
    public init(path: String) throws {
        let bytes = try FileBytes(path: path, what: "a prior file")
        self.path = path
        self.file = try PriorFile.decode(bytes.withBytes { Data(bytes: $0, count: bytes.count) }, file: path)
        self.digest = bytes.sha256
    }
}
