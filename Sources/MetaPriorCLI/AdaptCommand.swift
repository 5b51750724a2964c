// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `metaprior adapt`: the posterior p(φ | D_train, θ) of a new task, as draws.
struct AdaptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt",
        abstract: "Adapt the prior to a new task: posterior draws of its parameters φ as a Stan-style CSV.",
        discussion: """
        For the Gaussian models the posterior is exact: N(m, S) with S = (Σ⁻¹ + ΦᵀΦ/σ²)⁻¹ and m = S(Σ⁻¹μ + Φᵀy/σ²). A new task may have fewer points than parameters, repeated inputs, or no rows at all (then the posterior is the prior).

        The CSV has # comment lines, then lp__,phi.1,…; read it with pandas.read_csv(path, comment="#"), R's read.csv(path, comment.char = "#") or arviz.from_cmdstan(path).

        A binomial or poisson prior has no closed-form posterior: by default it is sampled by MCMC (elliptical slice sampling with the Laplace approximation as its starting Gaussian reference, moved during warm-up to each chain's estimate of the posterior's mean and covariance; exact draws): --chains chains (default 4) of --warmup discarded steps (default 1000) and --draws kept draws each (default 1000), chain c from random stream (--seed, c), so the draws are the same on any number of threads. --output draws.csv then writes one file per chain, as CmdStan does: draws_1.csv, draws_2.csv, … (arviz.from_cmdstan(["draws_1.csv", "draws_2.csv", …]) reads them as chains); on standard output the chains follow one another. The --summary file adds r_hat, ess_bulk and ess_tail per parameter (rank-normalised split-R̂ and bulk and tail effective sample sizes, Vehtari et al. 2021), and a warning goes to standard error when R̂ > 1.01 or an ESS < 400. --posterior laplace gives the Laplace approximation N(mode, H⁻¹) instead (independent draws, no chains).

        A conjugate prior (fit --model normal_normal | beta_binomial | gamma_poisson) gives the exact posterior of the new task's φ: under θ̂ (--hyper eb), or mixed over the hyper-posterior (--hyper full; the default when the prior was fitted with --full-bayes, refused when it was not). The draws and the --summary file are under the chosen one; standard error shows φ's mean, sd and interval under both, side by side.

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

    @Option(help: ArgumentHelp("Conjugate priors: condition on θ̂ (eb) or mix over the hyper-posterior (full). Default: full when the prior file has a hyper-posterior, else eb.", valueName: "eb|full"))
    var hyper: ConjugateHyperChoice?

    @OptionGroup var sampling: SamplingOptions

    @OptionGroup var reporting: ReportingOptions

    func run() throws {
        let outputs = try CLIOutput.prepare([output, summary])
        let adapted = try options.adapt(dataFile: data, sampling: sampling.request(options), hyper: hyper)
        if let warning = adapted.descriptorWarning { reporting.say(warning) }
        if let warning = adapted.supportSizeWarning { reporting.say("warning: " + warning) }
        let chains = adapted.chains
        if chains > 0 && options.draws < 4 {
            throw ValidationError("--draws must be at least 4 per chain for MCMC (the diagnostics split each chain in two), not \(options.draws)")
        }
        for line in try adapted.diagnosticWarnings() { reporting.say("warning: " + line) }
        let summaryBytes = try summary.map { _ in try adapted.summaryCSV(level: options.level) }
        if let summary, let summaryBytes { try outputs.write(summaryBytes, to: summary) }
        var written = output.map { $0 == "-" ? "" : " written to \($0)" } ?? ""
        if chains > 0, let output, output != "-" {
            // One file per chain, as CmdStan writes them.
            for chain in 0..<chains {
                try outputs.write(to: PosteriorExport.chainPath(output, chain: chain + 1)) { sink in
                    try adapted.writeChainCSV(chain: chain, seed: options.seed, command: commandLine, to: sink.write)
                }
            }
            written = " written to " + (1...chains).map { PosteriorExport.chainPath(output, chain: $0) }.joined(separator: ", ")
        } else {
            // Streamed: the draws are never held whole (a hundred million would take 7.8 GB).
            try outputs.write(to: output) { sink in
                try adapted.writeDrawsCSV(draws: options.draws * Swift.max(chains, 1), seed: options.seed, command: commandLine, to: sink.write)
            }
        }
        try outputs.commit()
        if chains > 0 {
            // The chains' diagnostics per parameter, beside the summary file's.
            let summaries = try adapted.posterior.summary(level: options.level), features = adapted.parameterFeatures
            for (j, d) in try adapted.diagnostics().enumerated() {
                // Formatted, not Int(…): an undefined R-hat or ESS (one chain) is NaN.
                reporting.say("  phi.\(j + 1) = \(features[j]): mean \(formatted(summaries[j].mean, 6)), sd \(formatted(summaries[j].standardDeviation, 4)); "
                              + "R-hat " + String(format: "%.3f", d.rHat) + ", ESS bulk " + String(format: "%.0f", d.bulkESS) + ", tail " + String(format: "%.0f", d.tailESS))
            }
        }
        for line in try adapted.hyperComparison(level: options.level) { reporting.say("  " + line) }
        let count = chains > 0 ? "\(chains) chain\(chains == 1 ? "" : "s") of \(options.draws) posterior draws (after \(sampling.warmup) warm-up steps each)" : "\(options.draws) posterior draws"
        reporting.say("adapted the prior to task '\(adapted.task.id)' (\(adapted.task.count) observations); \(count)" + written)
    }
}
