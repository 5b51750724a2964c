// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `metaprior fit`: meta-training — learn the prior θ = (μ, Σ, σ²) from meta-train tasks.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Meta-train: learn a Gaussian prior over task parameters from many tasks.",
        discussion: """
        Fits φ_i ~ N(μ, Σ), y = f(x)ᵀφ_i + N(0, σ²) by maximising the marginal likelihood of all tasks (empirical Bayes; with --basis linear this is lme4's lmer(y ~ x + (x | task), REML = FALSE)). Writes the prior as JSON; prints a summary on standard error.

        Example:
          metaprior fit --data train.csv --task Subject --target Reaction --output prior.json
        """
    )

    @OptionGroup var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Feature basis: linear (intercept + inputs), poly:P, rbf:K[:width], fourier:K, rff:K:lengthscale[:seed].", valueName: "spec"))
    var basis: String = "linear"

    @Option(help: ArgumentHelp("Shape of the prior covariance Σ: full, diagonal or isotropic.", valueName: "shape"))
    var covariance: String = "full"

    @Option(help: ArgumentHelp("Column of the data holding each task's weight (constant within a task): multiplies that task's log-likelihood.", valueName: "column"))
    var weights: String?

    @Option(help: ArgumentHelp("Stop when the largest gradient entry per observation is below this.", valueName: "tol"))
    var tolerance: Double = 1e-8

    @Option(help: ArgumentHelp("Most quasi-Newton iterations.", valueName: "n"))
    var maxIterations: Int = 500

    @Option(help: ArgumentHelp("What to maximise: marginal (likelihood of whole tasks) or episodic (K-shot predictive density of query points given support points).", valueName: "objective"))
    var objective: String = "marginal"

    @Option(help: ArgumentHelp("Episodic: support points K per episode, or a range K_min-K_max drawn per episode.", valueName: "K"))
    var shots: String?

    @Option(help: ArgumentHelp("Episodic: query points Q per episode.", valueName: "Q"))
    var query: Int = 10

    @Option(help: ArgumentHelp("Episodic: number of training episodes (per mini-batch with --batch-episodes).", valueName: "E"))
    var episodes: Int = 1000

    @Option(help: ArgumentHelp("Episodic: fresh seeded mini-batches of this many episodes, 20 BFGS iterations each, instead of one fixed episode set.", valueName: "B"))
    var batchEpisodes: Int?

    @Option(help: ArgumentHelp("Seed of the episodes (and of the split, unless --split-seed).", valueName: "n"))
    var seed: UInt64 = 1

    @OptionGroup var splitOptions: SplitOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the prior JSON here (default: standard output).", valueName: "file"))
    var output: String?

    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        _ = try BasisSpec(parsing: basis)
        guard CovarianceStructure(rawValue: covariance) != nil else {
            throw ValidationError("--covariance must be full, diagonal or isotropic, not '\(covariance)'")
        }
        guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a positive number") }
        guard maxIterations >= 1 else { throw ValidationError("--max-iterations must be at least 1") }
        if let weights, weights == dataOptions.target || weights == dataOptions.task {
            throw ValidationError("--weights '\(weights)' cannot be the task or target column")
        }
        switch objective {
        case "marginal":
            if shots != nil || batchEpisodes != nil { throw ValidationError("--shots and --batch-episodes need --objective episodic") }
        case "episodic":
            guard let shots else { throw ValidationError("--objective episodic needs --shots K (or a range, e.g. 1-10)") }
            do { _ = try ShotRange(parsing: shots) } catch let error as InputError { throw ValidationError("--shots: \(error.message)") }
            guard query >= 1 else { throw ValidationError("--query must be at least 1, not \(query)") }
            guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1, not \(episodes)") }
            if let batchEpisodes, batchEpisodes < 1 { throw ValidationError("--batch-episodes must be at least 1") }
        default:
            throw ValidationError("--objective must be marginal or episodic, not '\(objective)'")
        }
    }

    func run() throws {
        let spec = try BasisSpec(parsing: basis)
        var dataset = try loadWithWeights()
        let split = try splitOptions.split(dataset, defaultSeed: seed)
        if let split {
            if let path = splitOptions.splitOutput { try CLIOutput.write(split.csvBytes(taskColumn: dataset.taskColumn), to: path) }
            let ids = split.ids(splitOptions.chosenPartition)
            guard !ids.isEmpty else {
                throw InputError(column: "--partition", "the \(splitOptions.partition) part of the split has no tasks")
            }
            dataset = try dataset.subset(ids: ids)
        }
        var options = PriorFitOptions(structure: CovarianceStructure(rawValue: covariance)!)
        options.gradientTolerance = tolerance
        options.maximumIterations = maxIterations
        if reporting.showsProgress {
            options.progress = { p in
                CLIOutput.note("\(p.phase) \(p.iteration): log-likelihood \(formatted(p.logLikelihood, 12)), change \(formatted(p.change, 3))")
            }
        }
        var file: PriorFile
        let result: PriorFitResult
        var episodicNote: String?
        if objective == "episodic", let shots {
            var episodic = EpisodicFitOptions(shots: try ShotRange(parsing: shots), query: query, episodes: episodes, seed: seed)
            episodic.batchEpisodes = batchEpisodes
            episodic.maximumIterations = maxIterations
            episodic.progress = options.progress
            let fit = try PriorTraining.fitEpisodic(dataset, basis: spec, options: options, episodic: episodic,
                                                    dataFile: dataOptions.data, weightsColumn: weights)
            (file, result) = (fit.file, fit.result)
            let e = fit.episodic
            episodicNote = "  episodic objective (K = \(shots), Q = \(query), \(e.episodes) episodes\(batchEpisodes != nil ? " per batch" : ""), seed \(seed)): "
                + "mean log predictive density per query point \(formatted(e.startLogPredictive, 7)) at the marginal start → \(formatted(e.logPredictive, 7)), "
                + "\(e.converged ? "converged" : "NOT converged") after \(e.iterations) BFGS iterations"
        } else {
            (file, result) = try PriorTraining.fit(dataset, basis: spec, options: options,
                                                   dataFile: dataOptions.data, weightsColumn: weights)
        }
        if let split {
            file.training.split = splitOptions.split.map { "fractions \($0)" } ?? "lists"
            file.training.splitSeed = splitOptions.split != nil ? (splitOptions.splitSeed ?? seed) : nil
            file.training.partition = splitOptions.partition
            _ = split
        }
        try CLIOutput.write(Array(try file.encoded()), to: output)
        reporting.say(FitReport.text(file: file, result: result, output: output) + (episodicNote.map { "\n" + $0 } ?? ""))
    }

    /// Reads the data, with its digest for the prior file; with --weights, that column is
    /// each task's weight.
    private func loadWithWeights() throws -> MetaDataset {
        var options = dataOptions.readOptions()
        options.taskWeightColumn = weights
        options.recordsSourceDigest = true
        return try dataOptions.load(options)
    }
}
