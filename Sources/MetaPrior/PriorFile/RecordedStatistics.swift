// SPDX-License-Identifier: GPL-3.0-or-later

/// A statistics file a prior was fitted from (`fit --statistics`), as the prior file's
/// `training.statistics` lists it: the path as the user named it and the SHA-256 of its bytes.
public struct RecordedStatistics: Codable, Sendable, Equatable {
    /// The file as the user named it.
    public var file: String
    /// `sha256:…` of the bytes read (64 lowercase hex digits, as `sha256sum` prints them).
    public var digest: String

    /// The record of one statistics file.
    public init(file: String, digest: String) {
        self.file = file
        self.digest = digest
    }

    private enum CodingKeys: String, CodingKey { case file, digest }

    /// Reads a record from a prior file, checked: a hand-edited digest that is not
    /// `sha256:` and 64 lowercase hex digits could never be compared with a file's bytes.
    /// - Parameter decoder: the prior file's decoder, at one element of `training.statistics`.
    /// - Throws: ``InputError`` naming the key `training.statistics` for an empty file name or
    ///   a malformed digest.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        file = try container.decode(String.self, forKey: .file)
        digest = try container.decode(String.self, forKey: .digest)
        guard !file.isEmpty else {
            throw InputError(column: "training.statistics", kind: .invalidValue, "a statistics file is recorded with an empty name")
        }
        guard Digest.isSHA256(digest) else {
            throw InputError(column: "training.statistics", kind: .invalidValue,
                             "the digest of \(InputError.quoted(file)) is \(InputError.quoted(digest)), not sha256: and 64 lowercase hex digits")
        }
    }
}
