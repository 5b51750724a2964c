// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

/// `metaprior predict`: the posterior predictive of a new task at query inputs.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict a new task at query inputs from its support set: mean, sd and central interval.",
        discussion: """
        The posterior predictive at x* is N(f(x*)ᵀm, f(x*)ᵀS f(x*) + σ²), with (m, S) the posterior after the support set (D_train). With --draws-output, also writes predictive draws y (columns draw, the inputs, y).

        A binomial prior predicts the success probability p(x*) and a poisson prior the mean count μ(x*) at the row's exposure: mean, sd and central interval of the posterior of p or μ (over the MCMC draws, or exactly under --posterior laplace), not of a count; the predictive draws are counts: successes out of the query's trials column (1 for a 0/1 response or a cbind(s, f) response), or Poisson counts. MCMC options as for adapt (--draws is then per chain).

        Example:
          metaprior predict --prior prior.json --support new_task.csv --query grid.csv --level 0.9 --output predictions.csv
        """
    )

    @OptionGroup var options: PriorTaskOptions

    @Option(help: ArgumentHelp("The new task's support set (D_train): the prior's input columns and the target.", valueName: "file"))
    var support: String

    @Option(help: ArgumentHelp("Query inputs: a CSV with the prior's input columns (others are ignored).", valueName: "file"))
    var query: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the predictions here (default: standard output).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Also write --draws predictive draws per query point here.", valueName: "file"))
    var drawsOutput: String?

    @Option(help: ArgumentHelp("Conjugate priors: predict under θ̂ (eb) or mixed over the hyper-posterior (full). Default: full when the prior file has a hyper-posterior, else eb.", valueName: "eb|full"))
    var hyper: ConjugateHyperChoice?

    @OptionGroup var sampling: SamplingOptions

    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        if support == "-" && query == "-" {
            throw ValidationError("--support and --query cannot both read standard input ('-'): give one of them as a file")
        }
    }

    func run() throws {
        let outputs = try CLIOutput.prepare([output, drawsOutput])
        let adapted = try options.adapt(dataFile: support, sampling: sampling.request(options), hyper: hyper)
        if let warning = adapted.descriptorWarning { reporting.say(warning) }
        if let prior = adapted.prior.file.prior as? any FewShotClassifierPrior { return try predictClasses(prior, adapted, outputs) }
        for line in try adapted.diagnosticWarnings() { reporting.say("warning: " + line) }
        let queries = try adapted.queries(csv: query)
        let predictions = try adapted.predictionsCSV(queries: queries, level: options.level, file: query)
        if let drawsOutput {
            try outputs.write(to: drawsOutput) { sink in
                // MCMC: --draws per chain, the chains one after another.
                try adapted.writePredictiveDrawsCSV(queries: queries, draws: options.draws * Swift.max(adapted.chains, 1), seed: options.seed,
                                                    command: commandLine, file: query, to: sink.write)
            }
        }
        try outputs.write(predictions, to: output)
        try outputs.commit()
        reporting.say("predicted \(queries.rows) query points of task '\(adapted.task.id)' from \(adapted.task.count) support points")
    }
}
