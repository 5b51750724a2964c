// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

/// `metaprior adapt`: the posterior p(φ | D_train, θ) of a new task, as draws.
struct AdaptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt",
        abstract: "Adapt the prior to a new task: posterior draws of its parameters φ as a Stan-style CSV.",
        discussion: """
        The posterior is exact: N(m, S) with S = (Σ⁻¹ + ΦᵀΦ/σ²)⁻¹ and m = S(Σ⁻¹μ + Φᵀy/σ²). A new task may have fewer points than parameters, repeated inputs, or no rows at all (then the posterior is the prior).

        The CSV has # comment lines, then lp__,phi.1,…; read it with pandas.read_csv(path, comment="#"), R's read.csv(path, comment.char = "#") or arviz.from_cmdstan(path).

        Example:
          metaprior adapt --prior prior.json --data new_task.csv --draws 4000 --output samples.csv --summary summary.csv
        """
    )

    @OptionGroup var options: PriorTaskOptions

    @Option(help: ArgumentHelp("The new task's data (D_train): the prior's input columns and the target.", valueName: "file"))
    var data: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the draws here (default: standard output).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Also write, per parameter, the prior and posterior mean, sd and central interval here.", valueName: "file"))
    var summary: String?

    @OptionGroup var reporting: ReportingOptions

    func run() throws {
        let outputs = try CLIOutput.prepare([output, summary])
        let adapted = try options.adapt(dataFile: data)
        if let warning = adapted.supportSizeWarning { reporting.say("warning: " + warning) }
        let summaryBytes = try summary.map { _ in try adapted.summaryCSV(level: options.level) }
        if let summary, let summaryBytes { try outputs.write(summaryBytes, to: summary) }
        // Streamed: the draws are never held whole (a hundred million would take 7.8 GB).
        try outputs.write(to: output) { sink in
            try adapted.writeDrawsCSV(draws: options.draws, seed: options.seed, command: commandLine, to: sink.write)
        }
        try outputs.commit()
        reporting.say("adapted the prior to task '\(adapted.task.id)' (\(adapted.task.count) observations); \(options.draws) posterior draws"
                      + (output.map { $0 == "-" ? "" : " written to \($0)" } ?? ""))
    }
}
