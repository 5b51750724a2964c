// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// Options every long-running command shares.
struct ReportingOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print nothing on standard error but errors.")
    var quiet = false

    /// Whether to print progress lines (never with --quiet; see ``ProgressLines`` for how often).
    var showsProgress: Bool { !quiet }

    /// The progress printer of one long job, or `nil` with --quiet.
    func progressLines() -> ProgressLines? {
        showsProgress ? ProgressLines(terminal: isatty(STDERR_FILENO) != 0) : nil
    }

    /// A message on standard error unless --quiet.
    func say(_ text: String) { if !quiet { CLIOutput.note(text) } }
}

/// Progress lines of a long job on standard error. On a terminal, every line offered; otherwise
/// (a log file, a pipe, a batch system) the first line offered once the job has run 1 s, then
/// at most one every 5 s, so a fit longer than a second says where it is without filling the
/// log with one line per iteration.
///
/// `METAPRIOR_PROGRESS_INTERVAL` (seconds, > 0) replaces both the 1 s and the 5 s when not on
/// a terminal. It exists for the test suite only (a CLI test cannot wait 5 s per line on a
/// shared machine, and an option would put a testing knob into `--help`); it is not a user
/// setting and may go away.
final class ProgressLines: @unchecked Sendable {
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let terminal: Bool
    private let interval: Duration
    private var next: ContinuousClock.Instant
    private let lock = NSLock()

    /// A printer for a job starting now; `terminal` prints every line.
    init(terminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.terminal = terminal
        start = clock.now
        var first = Duration.seconds(1), every = Duration.seconds(5)
        if let text = environment["METAPRIOR_PROGRESS_INTERVAL"], let seconds = Double(text), seconds > 0, seconds <= 3600 {
            first = .milliseconds(Int64(seconds * 1000))
            every = first
        }
        interval = every
        next = start + first
    }

    /// Prints `line()` (prefixed with the seconds since the start) if it is time to.
    func offer(_ line: () -> String) {
        lock.lock()
        defer { lock.unlock() }
        let now = clock.now
        guard terminal || now >= next else { return }
        next = now + interval
        let elapsed = now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        CLIOutput.note("[\(String(format: "%.1f", seconds)) s] " + line())
    }
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
