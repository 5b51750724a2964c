// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `metaprior fit`: meta-training — learn the prior θ = (μ, Σ, σ²) from meta-train tasks.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Meta-train: learn a Gaussian prior over task parameters from many tasks.",
        // --data is declared optional in DataOptions (shared with commands that need it):
        // the usage line says that fit needs it or --statistics.
        usage: "metaprior fit (--data <file> | --statistics <file> ...) [<options>]",
        discussion: """
        Either --data (the rows) or --statistics (files of per-task sums from metaprior statistics) is required.

        Fits φ_i ~ N(μ, Σ), y = f(x)ᵀφ_i + N(0, σ²) by maximising the marginal likelihood of all tasks (empirical Bayes; with --basis linear this is lme4's lmer(y ~ x + (x | task), REML = FALSE)). Writes the prior as JSON; prints a report on standard error: one line per stage (what it maximised, how it ended, its value, convergence criterion and the rank of Σ), then whether the fit asked for converged.

        Converged means: marginal — the first-order (KKT) conditions hold without units: the largest |∂ℓ/∂Λ̂| per observation is at most --tolerance (default 1e-8) — or, where double precision cannot resolve that (σ² at its noise floor with a rich basis), at most 4 times its round-off measured at the fit, with no Newton or flat-direction step raising ℓ by more than 4 times ℓ's round-off — for Σ/σ² = ΛΛᵀ with Λ of size d × rank and Λ̂ = Λ scaled by each feature's root mean square (μ and σ² profiled out), and no direction outside Σ's range is worth a column (largest generalised eigenvalue of (E/σ², Σ X) at most 1 + 1e-3, or the best rank-one growth of Σ along its eigenvector gains at most 1e-3 nats per task), within 30 EM + --max-iterations quasi-Newton/Newton iterations (default 500). Episodic (started from the marginal fit, whose own convergence is reported but not required) — on one fixed episode set, with Σ = LLᵀ and L of d × rank, the Newton decrement (the gain in mean log predictive density per query point that one more Newton step promises; scale-free) is at most --episodic-tolerance (default 1e-9) and adding variance outside Σ's range gains no more than that, within --max-iterations BFGS + Newton iterations (BFGS at most half of them); when a round of 10 such Newton steps does not converge at a settled rank, the fit hands over to at most 100 Newton steps on the natural parameters (Σ⁻¹, Σ⁻¹μ) of the prior on Σ's range, whose decrement (same tolerance, no ascent direction) then decides convergence; with --batch-episodes, the largest gradient entry per query point on the last batch is at most 1e-6. A fit stopped by --time-limit is written with "converged": false and training.stopped_at_time_limit.

        Shared and task-specific parameters (lme4's formulas): --formula 'distance ~ age + Sex + (age | Subject)' fits the linear_mixed model, with the terms outside the parentheses shared by every task (fixed effects, estimated by generalised least squares with standard errors) and those inside task-specific (φ ~ N(ν, Σ)); the task column is the one after |. Text columns are factors (treatment contrasts, R's column names such as SexMale); a:b and a*b are interactions, I(x^2) a power, basis(x) the features of x in the --basis given (e.g. 'y ~ basis(x) + (1 | task)' --basis rbf:10); 0 + or - 1 drops the intercept; (x || task) makes Σ diagonal. --reml maximises the restricted likelihood (lme4's default; the maximum likelihood is this tool's default, as for the column form). lmer(distance ~ age + Sex + (age | Subject), data, REML = FALSE) is `fit --data data.csv --formula 'distance ~ age + Sex + (age | Subject)'`. --model binomial or --model poisson fits a generalised linear mixed model as glmer does (logit or log link), from --formula or from the columns (--target, --task, --features, read as the formula 'y ~ x1 + x2 + (x1 + x2 | task)', or 'y ~ basis(x) + (basis(x) | task)' with another --basis of one input): a 0/1 response, or successes out of trials written cbind(s, n - s) (or cbind(s, f), f the failures); counts with --exposure t for the offset log t. θ = (β, Σ) maximises the Laplace approximation of the likelihood (glmer's nAGQ = 1), or adaptive Gauss–Hermite quadrature with --quadrature-points n (one task-specific term). glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial) is `fit --model binomial --formula 'cbind(incidence, size - incidence) ~ period + (1 | herd)'`. It has converged when every |∂ℓ/∂(β, θ)| is at most 1e-7 · max(1, |ℓ|), θ the lower triangle of Λ (Σ = ΛΛᵀ, lme4's theta); the report counts the tasks with no successes, with nothing but successes, and the others that the task-specific terms separate (or all counts zero), whose modes the prior keeps finite. A linear_mixed formula fit has converged when every entry of the gradient of its criterion (−2 log L, or the REML criterion) in θ, the entries of the relative covariance factor Λ (Σ = σ²ΛΛᵀ, lme4's theta), is at most 1e-7 of the criterion; --tolerance, --max-iterations and --episodic-tolerance are for the column form.

        A mixture prior (--model gaussian_mixture, φ ~ Σ_k π_k N(μ_k, Σ_k), σ² shared) is fitted by exact EM over tasks (each task's φ and component missing) from the best of 4 seeded k-means++ starts (--seed); it has converged when ℓ rose by at most 1e-9 nats per task in the last iteration and no π_k or μ_k entry (in units of √(tr Σ₁/d), Σ₁ the single-Gaussian start) moved more than 1e-6, within --max-iterations EM iterations. --components K (default 2), or a range 1-3 / auto (1-5): each K fitted on three quarters of the tasks and scored by the held-out 5-shot log predictive density (1000 seeded episodes, Q = 10) on the rest; the smallest K within one paired standard error of the best is chosen and refitted on all tasks, BIC reported beside it. Example: metaprior fit --data sl.csv --model gaussian_mixture --components auto --basis rbf:10 --output mix.json

        Progress: on a terminal, a line per iteration; otherwise a line after 1 s and then every 5 s (--quiet: none).

        Example:
          metaprior fit --data train.csv --task Subject --target Reaction --output prior.json
        """
    )

    @OptionGroup var dataOptions: DataOptions

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Fit from statistics files (metaprior statistics) instead of --data (one of the two is required): a task's statistics in several files add up; the marginal fit of linear_gaussian only.", valueName: "file"))
    var statistics: [String] = []

    @Flag(help: "With --data and a fixed basis (linear, poly:P): reduce the rows to per-task statistics while reading the file in chunks, so memory grows with the tasks, not the rows (marginal linear_gaussian fit; for files larger than memory).")
    var streaming = false

    @Option(help: ArgumentHelp("Model family: \(ModelRegistry.families.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")) (default: \(LinearMixedFamily.name) with --formula, \(ModelRegistry.defaultName) otherwise).", valueName: "name"))
    var model: String?

    @Option(help: ArgumentHelp("An lme4 model formula, 'response ~ shared terms + (task-specific terms | task)': read those columns (text columns as factors) instead of --target/--task/--features.", valueName: "formula"),
            transform: { try ModelFormula(parsing: $0) })
    var formula: ModelFormula?

    @Flag(help: "With --formula: maximise the restricted likelihood (REML, lme4's default) instead of the likelihood.")
    var reml = false

    @Option(parsing: .unconditional, help: ArgumentHelp("--model binomial or poisson: Gauss–Hermite points per task (glmer's nAGQ): 1, the Laplace approximation (default), or up to 100 of adaptive quadrature, for a single task-specific term such as (1 | task).", valueName: "n"))
    var quadraturePoints: Int = 1

    @Option(help: ArgumentHelp("--model poisson: the column of each row's exposure t (time, area, population), entering as the offset log t; each must be a positive number.", valueName: "column"))
    var exposure: String?

    @Option(help: ArgumentHelp("Feature basis (default: linear). Each has an intercept. linear: the inputs; poly:P: powers 1…P; "
                               + "rbf:K[:width]: K Gaussian bumps, centres evenly over the meta-train input range, width = centre spacing by default; "
                               + "fourier:K[:period]: sin/cos of 2πk(x − origin)/period, k = 1…K, origin = smallest meta-train input, period = meta-train range by default; "
                               + "rff:K:lengthscale[:seed]: K random features cos(ωx + b), ω ~ N(0, 1/lengthscale²), seed 0 by default. "
                               + "rbf and rff features are centred on their meta-train means (the intercept is then the mean level). "
                               + "rbf:K:auto, fourier:K:auto, rff:K:auto[:seed] choose the width (×[1/4, 8] the spacing), period (×[1/16, 4] the range) "
                               + "or lengthscale (×[1/16, 8] a tenth of the range) that maximises the marginal likelihood. "
                               + "auto compares linear, poly:3, rbf:10:auto, rbf:20:auto, fourier:8:auto, fourier:16:auto by log likelihood − ½·(parameters)·log(tasks) and reports the table. "
                               + "class_gaussian and softmax take linear (the raw inputs) or pca:k: the k leading principal components of all meta-train inputs (eigenvectors of their sample covariance), stored in the prior file and applied by predict and evaluate.",
                               valueName: "spec"),
            transform: parsing(BasisSpec.init(parsing:)))
    var basis: BasisSpec = .linear

    @Option(help: ArgumentHelp("--model gaussian_mixture: the number of mixture components K (1-100), a range K_min-K_max to choose from, or auto (1-5); a range is chosen by the held-out log predictive density of 1000 seeded 5-shot episodes (Q = 10) on a quarter of the tasks, the others fitting each K, with BIC reported beside it (default: 2).", valueName: "K"),
            transform: { text in do { return try ComponentCount(parsing: text) } catch let error as InputError { throw ValidationError("--components " + error.message) } })
    var components: ComponentCount?

    @Option(help: ArgumentHelp("Shape of the prior covariance Σ: full, diagonal or isotropic (default: full).", valueName: "shape"),
            transform: choice("--covariance"))
    var covariance: CovarianceStructure = .full

    @Option(help: ArgumentHelp("--model class_gaussian: shape of the NIW scale matrix Ψ, full, diagonal or isotropic (default: --covariance).", valueName: "shape"),
            transform: choice("--psi"))
    var psi: CovarianceStructure?

    @Option(help: ArgumentHelp("Column of the data holding each task's weight (constant within a task): multiplies that task's log-likelihood.", valueName: "column"))
    var weights: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Marginal fit: converged when the largest |∂ℓ/∂Λ| per observation is at most this.", valueName: "tol"))
    var tolerance: Double = 1e-8

    @Option(parsing: .unconditional, help: ArgumentHelp("Most iterations of each stage: quasi-Newton of the marginal fit (after 30 EM iterations), BFGS + Newton of the episodic fit.", valueName: "n"))
    var maxIterations: Int = 500

    @Option(parsing: .unconditional, help: ArgumentHelp("Episodic fit: converged when the Newton decrement (gain in mean log predictive density per query point a Newton step promises) is at most this.", valueName: "tol"))
    var episodicTolerance: Double = 1e-9

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop the whole fit (marginal and episodic stages) after this many seconds at the best point reached, write it and mark it not converged (default: no limit).", valueName: "seconds"))
    var timeLimit: Double?

    @Option(help: ArgumentHelp("What to maximise: marginal (likelihood of whole tasks) or episodic (K-shot predictive density of query points given support points); default marginal.", valueName: "objective"),
            transform: choice("--objective"))
    var objective: TrainingObjective = .marginal

    @Option(parsing: .unconditional, help: ArgumentHelp("Episodic: support points K per episode, or a range K_min-K_max drawn per episode.", valueName: "K"),
            transform: parsing(ShotRange.init(parsing:)))
    var shots: ShotRange?

    @Option(parsing: .unconditional, help: ArgumentHelp("Episodic: query points Q per episode (per class with --ways).", valueName: "Q"))
    var query: Int = 10

    @Option(parsing: .unconditional, help: ArgumentHelp("Episodic, class_gaussian or softmax: N-way K-shot training episodes of the meta-train classes, at the test N and K (--shots K, --query Q per class); recorded in the prior file.", valueName: "N"))
    var ways: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Episodic: number of training episodes (per mini-batch with --batch-episodes).", valueName: "E"))
    var episodes: Int = 1000

    @Option(parsing: .unconditional, help: ArgumentHelp("Episodic: fresh seeded mini-batches of this many episodes, 20 BFGS iterations each, instead of one fixed episode set.", valueName: "B"))
    var batchEpisodes: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the episodes (and of the split, unless --split-seed; of the mixture starts and choice of K with --model gaussian_mixture).", valueName: "n"))
    var seed: UInt64 = 1

    @OptionGroup var splitOptions: SplitOptions

    @OptionGroup var hierarchy: HierarchyOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the prior JSON here (default: standard output).", valueName: "file"))
    var output: String?

    @OptionGroup var reporting: ReportingOptions

    /// The family: --model, else the formula family with --formula, else the default.
    var modelName: String { model ?? (formula == nil ? ModelRegistry.defaultName : LinearMixedFamily.name) }

    func validate() throws {
        if !statistics.isEmpty || streaming { return try validateStatistics() }
        try dataOptions.requireData(or: "--statistics")
        // Refused by every family before (as descriptors), with advice about descriptor columns that did not apply.
        try dataOptions.refuseOneHot(for: "fit")
        guard ModelRegistry.names.contains(modelName) else {
            throw ValidationError("--model must be one of \(ModelRegistry.names.joined(separator: ", ")), not \(InputError.quoted(modelName))")
        }
        let generalised = [BinomialMixedFamily.name, PoissonMixedFamily.name].contains(modelName)
        if formula != nil {
            // A binomial or poisson formula takes task descriptors (β_i = B z̃_i); the others refuse them.
            let clashing = [("--target", dataOptions.target), ("--task", dataOptions.task), ("--features", dataOptions.features),
                            ("--targets", dataOptions.targets), ("--descriptors", generalised ? nil : dataOptions.descriptors), ("--weights", weights)]
            if let (option, _) = clashing.first(where: { $0.1 != nil }) {
                throw ValidationError("\(option) cannot be used with --formula: the formula names the response, the task column and the terms")
            }
            if splitOptions.isActive { throw ValidationError("--split and task lists cannot be used with --formula yet; split the file first (metaprior episodes --help shows the split rules)") }
        } else if reml, modelName != NormalNormalFamily.name {
            throw ValidationError("--reml needs --formula (or --model normal_normal) (REML restricts the likelihood of the shared terms a formula names)")
        }
        if formula != nil || generalised {
            // Read through a formula frame, which takes no descriptor weights.
            if dataOptions.weightColumn != nil { throw ValidationError("--weight-column is not available with --formula or --model \(modelName): the fit weights every task equally") }
        }
        if generalised && formula == nil {
            // The column form: read as the formula y ~ f(x) + (f(x) | task) (see run()).
            let clashing = [("--targets", dataOptions.targets), ("--weights", weights)]
            if let (option, _) = clashing.first(where: { $0.1 != nil }) {
                throw ValidationError("\(option) is not available for --model \(modelName)")
            }
            if splitOptions.isActive { throw ValidationError("--split and task lists are not available for --model \(modelName); split the file first") }
            if dataOptions.data == "-" { throw ValidationError("--model \(modelName) without --formula reads --data twice, so it cannot be standard input; give a file") }
        }
        guard (1...100).contains(quadraturePoints) else { throw ValidationError("--quadrature-points must be 1 to 100, not \(quadraturePoints)") }
        if quadraturePoints != 1 && !generalised {
            throw ValidationError("--quadrature-points is for --model binomial or poisson (glmer's nAGQ); the \(modelName) model's likelihood needs no quadrature")
        }
        if let exposure {
            guard modelName == PoissonMixedFamily.name else { throw ValidationError("--exposure is for --model poisson (its offset log t)") }
            if let formula, exposure == formula.response || exposure == formula.group || formula.inputColumns.contains(exposure) {
                throw ValidationError("--exposure \(InputError.quoted(exposure)) is a column the formula already uses; the exposure column enters only as the offset log t")
            }
        }
        try hierarchy.check(model: modelName)
        if components != nil, modelName != GaussianMixtureFamily.name {
            throw ValidationError("--components is for --model \(GaussianMixtureFamily.name) (the number of mixture components)")
        }
        if psi != nil, modelName != ClassGaussianFamily.name {
            throw ValidationError("--psi is for --model class_gaussian (the shape of its NIW scale matrix Ψ); the shape of Σ is --covariance")
        }
        guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a positive number") }
        guard maxIterations >= 1 else { throw ValidationError("--max-iterations must be at least 1") }
        guard episodicTolerance > 0, episodicTolerance.isFinite else { throw ValidationError("--episodic-tolerance must be a positive number") }
        if let timeLimit {
            try OptionRange.checkSeconds("--time-limit", timeLimit, upper: OptionRange.timeLimitSeconds, "leave the option out for no limit")
        }
        try OptionRange.check("--max-iterations", maxIterations, 1...OptionRange.iterations, "a fit that needs more has not converged for another reason")
        if let weights, weights == dataOptions.target || weights == dataOptions.task {
            throw ValidationError("--weights \(InputError.quoted(weights)) cannot be the task or target column")
        }
        if !splitOptions.isActive && (splitOptions.splitOutput != nil || splitOptions.partition != nil) {
            throw ValidationError("--partition and --split-output need --split or task lists")
        }
        switch objective {
        case .marginal:
            if shots != nil || batchEpisodes != nil { throw ValidationError("--shots and --batch-episodes need --objective episodic") }
            if ways != nil { throw ValidationError("--ways needs --objective episodic (and --shots K): a marginal fit trains on whole tasks") }
        case .episodic:
            guard shots != nil else { throw ValidationError("--objective episodic needs --shots K (or a range, e.g. 1-10)") }
            guard query >= 1 else { throw ValidationError("--query must be at least 1, not \(query)") }
            try OptionRange.check("--query", query, 1...EpisodeSpec.maximumShots, "a task must hold K + Q rows")
            if let shots { try OptionRange.check("--shots", shots.upper, 0...EpisodeSpec.maximumShots, "a task must hold K + Q rows") }
            guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1, not \(episodes)") }
            try OptionRange.check("--episodes", episodes, 1...EpisodeSampler.maximumEpisodes, "every episode is kept in memory")
            if let ways { try OptionRange.check("--ways", ways, 2...EpisodeSpec.maximumWays, "classes per episode") }
            if let batchEpisodes, batchEpisodes < 1 { throw ValidationError("--batch-episodes must be at least 1") }
            if let batchEpisodes { try OptionRange.check("--batch-episodes", batchEpisodes, 1...EpisodeSampler.maximumEpisodes, "every episode of a batch is kept in memory") }
        }
    }

    func run() throws {
        // The time limit covers the whole fit, from here.
        let deadline = timeLimit.map { ContinuousClock.now + .milliseconds(Int64(($0 * 1000).rounded(.up))) }
        if !statistics.isEmpty || streaming { return try runStatistics(deadline: deadline) }
        if let formula { return try runFormula(formula, deadline: deadline) }
        if [BinomialMixedFamily.name, PoissonMixedFamily.name].contains(modelName) {
            // The column form of a formula family: its columns as the formula y ~ f(x) + (f(x) | task).
            let dataset = try dataOptions.load(dataOptions.readOptions())
            let inputs = dataset.inputNames.filter { $0 != exposure }
            return try runFormula(try ModelFormula.columnForm(target: dataset.targetName, task: dataset.taskColumn, inputs: inputs, basis: basis),
                                  deadline: deadline)
        }
        let outputs = try CLIOutput.prepare([splitOptions.splitOutput, output, hierarchy.shrinkage, hierarchy.jointDraws])
        let family = try ModelRegistry.family(named: modelName)
        let dataset = try loadWithWeights()
        let split = splitOptions.rule(defaultSeed: seed).map { SplitRequest(rule: $0, partition: splitOptions.partition ?? .train) }
        let source = PriorTraining.Source(file: dataOptions.data, digest: dataset.sourceDigest, weightsColumn: weights)
        let outcome: PriorTraining.Outcome
        do {
            outcome = try PriorTraining.train(dataset, family: family, request: request(deadline: deadline), source: source, split: split)
        } catch var error as InputError where error.file == nil && error.column.map({ !$0.hasPrefix("--") }) ?? false {
            // A problem with the tasks (e.g. none large enough for K + Q): name the data file.
            error.file = dataOptions.data
            throw error
        }
        if let made = outcome.split, let path = splitOptions.splitOutput {
            try outputs.write(made.csvBytes(taskColumn: dataset.taskColumn), to: path)
        }
        try outputs.write(Array(try outcome.file.encoded()), to: output)
        let shrinkage = try hierarchy.writeOutputs(prior: outcome.file.prior, dataset: dataset, seed: seed, outputs: outputs)
        try outputs.commit()
        reporting.say(outcome.report + (shrinkage.map { "\n" + $0 } ?? "") + (output.map { $0 == "-" ? "" : "\n  prior written to \($0)" } ?? ""))
    }

    /// The fit these options ask for.
    func request(deadline: ContinuousClock.Instant?) -> FitRequest {
        var options = PriorFitOptions(structure: psi ?? covariance)
        options.gradientTolerance = tolerance
        options.maximumIterations = maxIterations
        options.deadline = deadline
        if let lines = reporting.progressLines() {
            options.progress = { p in
                lines.offer {
                    let value = p.phase.hasPrefix("episodic") ? "mean log predictive density per query point" : "log marginal likelihood"
                    return "\(p.phase) iteration \(p.iteration): \(value) \(formatted(p.logLikelihood, 10)), change \(formatted(p.change, 3))"
                }
            }
        }
        var request = FitRequest(basis: basis, options: options)
        request.timeLimit = timeLimit
        request.reml = reml
        request.fullBayes = hierarchy.fullBayes
        request.hyperprior = hierarchy.hyperprior
        // A weights column of ones is still a request the family must be able to honour.
        if weights != nil { request.explicitSettings.insert(.taskWeights) }
        if modelName == GaussianMixtureFamily.name { request.mixture = MixtureRequest(components: components ?? .fixed(2), seed: seed) }
        if objective == .episodic, let shots {
            var episodic = EpisodicFitOptions(shots: shots, query: query, episodes: episodes, seed: seed)
            episodic.batchEpisodes = batchEpisodes
            episodic.ways = ways
            episodic.maximumIterations = maxIterations
            episodic.tolerance = episodicTolerance
            episodic.deadline = deadline
            episodic.progress = options.progress
            request.episodic = episodic
        }
        return request
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
