// SPDX-License-Identifier: GPL-3.0-or-later
import Crypto
import Foundation

/// SHA-256 digests, written `sha256:<hex>` so a user can check them with `sha256sum`.
public enum Digest {
    /// The digest of some bytes.
    public static func sha256<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        hex(SHA256.hash(data: bytes), prefix: "sha256:")
    }

    /// The digest of a file's bytes (standard input cannot be digested after it was read: `-`
    /// gives `nil`).
    public static func sha256(file path: String) -> String? {
        guard path != "-", let data = FileManager.default.contents(atPath: path) else { return nil }
        return sha256(data)
    }

    /// Whether `text` has the form ``sha256(_:)`` writes: `sha256:` and 64 lowercase hex
    /// digits (for checking digests read back from files).
    public static func isSHA256(_ text: String) -> Bool {
        let prefix = "sha256:"
        guard text.hasPrefix(prefix) else { return false }
        let hex = text.utf8.dropFirst(prefix.utf8.count)
        return hex.count == 64 && hex.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// Lower-case hex of `bytes` after `prefix`. By table, not `String(format:)`: a prior file
    /// digests every training task, and formatting 32 bytes through `String(format:)` per task
    /// cost half the time of a 20,000-task fit.
    static func hex<Bytes: Sequence>(_ bytes: Bytes, prefix: String) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = Array(prefix.utf8)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
