// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import MetaPrior

/// Where results and messages go: results to `--output` (atomically) or standard output,
/// progress and warnings to standard error.
enum CLIOutput {
    /// Checks every output a command will write (see ``OutputPlan``) before it does any work.
    static func prepare(_ paths: [String?]) throws -> OutputPlan {
        try OutputPlan(paths)
    }

    /// Writes `bytes` to `path` with ``AtomicFile``, or to standard output when `path` is
    /// `nil` or `-`. For a command with one output; several go through ``prepare(_:)``.
    static func write(_ bytes: [UInt8], to path: String?) throws {
        let plan = try prepare([path])
        try plan.write(bytes, to: path)
        try plan.commit()
    }

    /// A line on standard error.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// The output files of one run, written all or none: the paths are checked before any work
/// (each directory exists and is writable, no two name one file), each file is staged to a
/// temporary beside its target as it is made, and ``commit()`` moves them all into place at the
/// end. A run that fails — a bad input found late, a full disk, a signal — writes no file.
/// Standard output (`nil` or `-`) cannot be taken back, so it is written at once; commands
/// stage their files first where they can.
struct OutputPlan {
    private let group = AtomicFile.Group()

    /// Checks `paths` (`nil` and `-` are standard output).
    init(_ paths: [String?]) throws {
        try AtomicFile.checkWritable(paths)
    }

    /// Stages `bytes` for `path`, or writes them to standard output.
    func write(_ bytes: [UInt8], to path: String?) throws {
        try write(to: path) { try $0.write(bytes) }
    }

    /// Stages what `body` gives its sink for `path`, or streams it to standard output.
    func write(to path: String?, _ body: (AtomicFile.Sink) throws -> Void) throws {
        if let path, path != "-" {
            try group.stage(to: path, body)
        } else {
            try body(AtomicFile.Sink(descriptor: STDOUT_FILENO, path: "standard output"))
        }
    }

    /// Moves every staged file into place.
    func commit() throws {
        try group.commit()
    }
}

/// A comma-separated list option, e.g. `--features a,b,c`, with spaces around names trimmed.
func splitList(_ text: String) -> [String] {
    text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
}
