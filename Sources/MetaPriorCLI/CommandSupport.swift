// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// Options every long-running command shares.
struct ReportingOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print nothing on standard error but errors.")
    var quiet = false

    /// Whether to print progress lines (only on a terminal, never with --quiet).
    var showsProgress: Bool { !quiet && isatty(STDERR_FILENO) != 0 }

    /// A message on standard error unless --quiet.
    func say(_ text: String) { if !quiet { CLIOutput.note(text) } }
}

/// The command line as typed, for provenance comments.
var commandLine: String {
    (["metaprior"] + CommandLine.arguments.dropFirst()).map { argument in
        argument.contains(where: { " \"'$".contains($0) }) ? "'\(argument)'" : argument
    }.joined(separator: " ")
}

/// A number with `digits` significant digits, for human-readable reports.
func formatted(_ value: Double, _ digits: Int = 6) -> String {
    String(format: "%.\(digits)g", value)
}
