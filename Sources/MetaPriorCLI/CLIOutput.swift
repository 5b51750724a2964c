// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import MetaPrior

/// Where results and messages go: results to `--output` (atomically) or standard output,
/// progress and warnings to standard error.
enum CLIOutput {
    /// Writes `bytes` to `path` with ``AtomicFile``, or to standard output when `path` is
    /// `nil` or `-`.
    static func write(_ bytes: [UInt8], to path: String?) throws {
        if let path, path != "-" {
            try AtomicFile.write(bytes, to: path)
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }

    /// A line on standard error.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// A comma-separated list option, e.g. `--features a,b,c`, with spaces around names trimmed.
func splitList(_ text: String) -> [String] {
    text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
}
