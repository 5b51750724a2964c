// SPDX-License-Identifier: GPL-3.0-or-later
import Crypto
import Foundation

/// SHA-256 digests, written `sha256:<hex>` so a user can check them with `sha256sum`.
public enum Digest {
    /// The digest of some bytes.
    public static func sha256<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The digest of a file's bytes (standard input cannot be digested after it was read: `-`
    /// gives `nil`).
    public static func sha256(file path: String) -> String? {
        guard path != "-", let data = FileManager.default.contents(atPath: path) else { return nil }
        return sha256(data)
    }
}
