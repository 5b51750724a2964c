// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `metaprior evaluate`: few-shot scores of learned priors and baselines on the same episodes.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Meta-test: score priors and baselines on K-shot episodes of held-out tasks (MSE, NLL, interval coverage).",
        discussion: """
        Cuts E episodes from the tasks (K support and Q query points each, seeded) and, for \
        every --prior and each baseline, adapts to the support points and predicts the query \
        points. Reports, per query point and averaged over episodes with a standard error over \
        episodes clustered by task (episodes of one task are correlated): the mean squared error of the predictive mean, the negative log predictive \
        density (per-point marginals), the joint NLL of the query set divided by Q (what the \
        episodic objective maximises), and the coverage of the central 50, 90 and 95% \
        predictive intervals (calibration).

        A binomial or poisson prior is adapted by its Laplace approximation and scored by its \
        discrete predictive: for a 0/1 target the log loss (NLL), the Brier score (MSE), the \
        accuracy and the expected calibration error (10 bins of P(y = 1)); for counts the NLPD, \
        the MSE and the interval coverage. It has no joint NLL; its baselines are the same model \
        with a weak prior (independent) and with Σ = 0 (pooled: ν for every task).

        Baselines (same basis as the first prior): independent, each task alone under a weak \
        fixed prior φ ~ N(0, 10⁴·I) with the noise variance σ² of the first prior file; pooled, \
        one φ for every task, fitted by least squares on all the other tasks being scored \
        (leave-task-out), with no adaptation to the support.

        The priors' training conditions are checked: a support size K outside the shots an \
        episodic prior was trained for (or above every task a marginal prior saw) is a warning \
        (an error with --strict), and tasks the prior was fitted on (by content digest) are \
        refused unless --allow-training-tasks. With no split options and --data the prior's \
        own training file, the prior's recorded split is reused and its test part scored.

        A formula prior with task-level columns (constant within every meta-train task, as z \
        in 'y ~ x * z + (x | task)') takes each task's value from its rows, where it must be \
        constant within the task, or from the task's row of --descriptors (which must agree \
        with the rows where both give it); --no-descriptor takes a numeric column that a task \
        does not give at its meta-train average, with a warning. As adapt does for one task.

        Example:
          metaprior evaluate --prior marginal.json --prior episodic.json --data test.csv --shots 5 --query 10 --episodes 1000 --seed 1 --output report.json
        """
    )

    @Option(help: ArgumentHelp("A prior JSON written by `metaprior fit`; repeat to compare several (e.g. marginal and episodic).", valueName: "file"))
    var prior: [String] = []

    @OptionGroup var dataOptions: DataOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Support points K per episode (default: the shots of the first prior, if episodic with one K).", valueName: "K"))
    var shots: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Query points Q per episode (default: the first prior's, else 10).", valueName: "Q"))
    var query: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Number of episodes.", valueName: "E"))
    var episodes: Int = 1000

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the episodes (and of the split, unless --split-seed).", valueName: "n"))
    var seed: UInt64 = 1

    @OptionGroup var splitOptions: SplitOptions

    @Flag(help: "Make a support size outside what a prior was meta-trained for an error, not a warning.")
    var strict = false

    @Flag(help: "Score tasks a prior was fitted on (normally refused: its scores would be optimistic).")
    var allowTrainingTasks = false

    @Flag(help: "Leave out the baselines: independent and pooled; with --ways, nearest_mean and logistic.")
    var noBaselines = false

    @Flag(help: "A formula prior: a numeric task-level column that a task gives neither on its rows nor in --descriptors is taken at its meta-train average. A prior fitted with task descriptors: every task is scored at the average meta-train descriptor. With a warning either way, as adapt --no-descriptor.")
    var noDescriptor = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Prior variance of the independent baseline's φ ~ N(0, v·I).", valueName: "v"))
    var independentVariance: Double = 1e4

    @Option(name: .shortAndLong, help: ArgumentHelp("Also write the report here: CSV if the name ends in .csv, JSON otherwise ('-': JSON on standard output instead of the table).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Also write every episode's scores for every method here (CSV), for paired tests of your own.", valueName: "file"))
    var episodesOutput: String?

    @OptionGroup var classification: ClassificationEvaluateOptions

    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        try dataOptions.requireData()
        // Evaluate reads its tasks itself (per prior's columns), not through DataOptions.load,
        // so --one-hot would otherwise be ignored without a word.
        try dataOptions.refuseOneHot(for: "evaluate")
        guard !prior.isEmpty else { throw ValidationError("give at least one --prior file") }
        if let shots { try OptionRange.check("--shots", shots, 0...EpisodeSpec.maximumShots, "a task must hold K + Q rows") }
        if let query { try OptionRange.check("--query", query, 1...EpisodeSpec.maximumShots, "a task must hold K + Q rows") }
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1, not \(episodes)") }
        try OptionRange.check("--episodes", episodes, 1...EpisodeSampler.maximumEpisodes, "every episode is kept in memory")
        guard independentVariance > 0, independentVariance.isFinite else { throw ValidationError("--independent-variance must be a positive number") }
        if noDescriptor && dataOptions.descriptors != nil { throw ValidationError("give --descriptors or --no-descriptor, not both") }
    }

    func run() throws {
        let outputs = try CLIOutput.prepare([output, episodesOutput, splitOptions.splitOutput])
        if let ways = classification.ways { return try runClassification(ways: ways, outputs: outputs) }
        let priors = try prior.map(LoadedPrior.init(path:))
        var options = dataOptions.readOptions()
        options.recordsSourceDigest = true
        let data = try EvaluationRun.readDataset(csv: dataOptions.data, options: options, for: priors)
        var settings = EvaluationRun.Settings(shots: shots, query: query, episodes: episodes, seed: seed)
        settings.split = splitOptions.rule(defaultSeed: seed)
        settings.partition = splitOptions.partition
        settings.splitSeed = splitOptions.splitSeed
        settings.strict = strict
        settings.allowTrainingTasks = allowTrainingTasks
        settings.baselines = !noBaselines
        settings.independentVariance = independentVariance
        settings.noDescriptor = noDescriptor
        let run: EvaluationRun
        do {
            run = try EvaluationRun(priors: priors, dataset: data, dataFile: dataOptions.data,
                                    dataDigest: data.sourceDigest, settings: settings, command: commandLine)
        } catch var error as InputError where error.file == nil && error.column.map({ !$0.hasPrefix("--") }) ?? false {
            // A problem with the tasks (e.g. none large enough for K + Q): name the data file.
            error.file = dataOptions.data
            throw error
        }
        for warning in run.report.warnings { CLIOutput.note("warning: " + warning) }
        if let made = run.split, let path = splitOptions.splitOutput {
            try outputs.write(made.csvBytes(taskColumn: data.taskColumn), to: path)
        }
        // Files are staged first; standard output, which cannot be taken back, comes last
        // (a checked write: a closed pipe or a full device is an error, not lost output).
        if let output, output != "-" {
            let bytes = output.lowercased().hasSuffix(".csv") ? run.report.csv() : Array(try run.report.json())
            try outputs.write(bytes, to: output)
        }
        if let episodesOutput {
            try outputs.write(EvaluationReport.episodesCSV(run.result, episodes: run.episodes, dataset: run.dataset), to: episodesOutput)
        }
        try outputs.write(output == "-" ? Array(try run.report.json()) : Array(run.report.table().utf8), to: "-")
        try outputs.commit()
        reporting.say(run.summary + (output.map { $0 == "-" ? "" : "; report written to \($0)" } ?? ""))
    }
}
