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
    }

    func run() throws {
        let spec = try BasisSpec(parsing: basis)
        let dataset = try loadWithWeights()
        var options = PriorFitOptions(structure: CovarianceStructure(rawValue: covariance)!)
        options.gradientTolerance = tolerance
        options.maximumIterations = maxIterations
        if reporting.showsProgress {
            options.progress = { p in
                CLIOutput.note("\(p.phase) \(p.iteration): log-likelihood \(formatted(p.logLikelihood, 12)), change \(formatted(p.change, 3))")
            }
        }
        let (file, result) = try PriorTraining.fit(dataset, basis: spec, options: options,
                                                   dataFile: dataOptions.data, weightsColumn: weights)
        try CLIOutput.write(Array(try file.encoded()), to: output)
        reporting.say(FitReport.text(file: file, result: result, output: output))
    }

    /// Reads the data; with --weights, reads that column too and makes it each task's weight.
    private func loadWithWeights() throws -> MetaDataset {
        guard let weights else { return try dataOptions.load() }
        var options = dataOptions.readOptions()
        if options.featureColumns == nil {
            let header = try MetaDataset.headerNames(csv: dataOptions.data)
            let taskName = options.taskColumn ?? "task"
            let targetName = options.targetColumn ?? (header.contains("y") ? "y" : "label")
            options.featureColumns = header.filter { $0 != taskName && $0 != targetName && $0 != weights }
        } else if options.featureColumns!.contains(weights) {
            throw InputError(column: weights, "is both a feature and the weight column")
        }
        let features = options.featureColumns!
        options.featureColumns = features + [weights]
        var dataset = try MetaDataset.read(csv: dataOptions.data, options: options)
        try dataset.moveLastInputToWeights(file: dataOptions.data)
        return dataset
    }
}
