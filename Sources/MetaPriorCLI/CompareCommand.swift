// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `metaprior compare`: the sharing spectrum, from no sharing to hard sharing, scored on the
/// same seeded episodes of held-out tasks, with the negative-transfer report.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare levels of sharing between tasks (independent, pooled, soft:λ, learned, descriptors, mixture) on the same episodes; report negative transfer.",
        discussion: """
        Every level is fitted on the meta-train tasks of the split and scored on the meta-test \
        tasks, all levels on the same seeded episodes: E per task (--episodes), each of K support \
        and Q query points. The score is the held-out log predictive density \
        log p(y_query | y_support) divided by Q (higher is better): per task the mean over its \
        episodes (SE over them), overall the mean over tasks (SE over tasks).

        The levels, all in the same --basis (a fixed one):
          independent   no sharing: a flat prior on each task's φ. Needs K ≥ d (the number of \
        features); with fewer support points the predictive is improper and the run is refused \
        (use soft:λ with a small λ as a weak prior instead).
          pooled        hard sharing: one φ̄ for every task, least squares on all meta-train rows; \
        the query predictive N(f(x)ᵀφ̄, σ²) ignores the support set.
          soft:λ        the penalty (λ/2)‖φ_i − φ̄‖² as the prior φ_i ~ N(φ̄, I/λ), φ̄ as for pooled. \
        λ → 0 is independent, λ → ∞ is pooled.
          learned       empirical Bayes linear_gaussian: φ_i ~ N(μ, Σ), as `fit` does it.
          descriptors   the same with the prior mean μ_i = B (1, z_i) (needs --descriptors).
          mixture       gaussian_mixture with --components (default 2).
        For independent, pooled and soft:λ, σ² maximises the meta-train marginal likelihood at \
        that λ (at λ = 0 it is the within-task residual variance, at λ = ∞ the pooled one).

        Negative transfer: per task, each level's log predictive minus independent's, paired \
        episode by episode (SE over the task's episodes); the tasks where a level is worse by \
        more than 2 SE are listed, and per level the number of tasks that gain and lose, with \
        the mean and total of the gains and losses.

        Example:
          metaprior compare --data tasks.csv --split 0.8,0,0.2 --basis rbf:10 --shots 20 --query 10 --episodes 20 --seed 1 --output compare.json
        """
    )

    @OptionGroup var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Feature basis of every level (linear, poly:P, rbf:K[:width], fourier:K[:period], rff:K:lengthscale).", valueName: "spec"))
    var basis: BasisSpec = .linear

    @Option(help: ArgumentHelp("Levels to compare, comma-separated (default: independent,pooled,soft at each --lambdas,learned,descriptors when --descriptors is given,mixture).", valueName: "list"))
    var levels: String?

    @Option(help: ArgumentHelp("The λ grid of soft sharing in the default levels.", valueName: "list"))
    var lambdas: String = "0.01,0.1,1,10,100"

    @Option(help: ArgumentHelp("Mixture components of the mixture level: K, a range K_min-K_max or auto (as fit --components; default 2).", valueName: "K"),
            transform: { text in do { return try ComponentCount(parsing: text) } catch let error as InputError { throw ValidationError("--components " + error.message) } })
    var components: ComponentCount?

    @Option(parsing: .unconditional, help: ArgumentHelp("Support points K per episode.", valueName: "K"))
    var shots: Int

    @Option(parsing: .unconditional, help: ArgumentHelp("Query points Q per episode.", valueName: "Q"))
    var query: Int = 10

    @Option(parsing: .unconditional, help: ArgumentHelp("Episodes per meta-test task (at least 2).", valueName: "E"))
    var episodes: Int = 20

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the episodes, of the mixture's EM starts and of the split (unless --split-seed).", valueName: "n"))
    var seed: UInt64 = 1

    @OptionGroup var splitOptions: SplitOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Also write the comparison here: CSV if the name ends in .csv (one row per level × task, and a summary row per level), JSON otherwise.", valueName: "file"))
    var output: String?

    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        try dataOptions.requireData()
        try dataOptions.refuseOneHot(for: "compare")  // it reads its tasks itself, as evaluate does
        guard splitOptions.isActive else { throw ValidationError("give a split (--split f,f,f or --train-tasks/--test-tasks): levels are fitted on meta-train tasks and scored on meta-test ones") }
        try OptionRange.check("--shots", shots, 0...EpisodeSpec.maximumShots, "a task must hold K + Q rows")
        try OptionRange.check("--query", query, 1...EpisodeSpec.maximumShots, "a task must hold K + Q rows")
        try OptionRange.check("--episodes", episodes, 2...EpisodeSampler.maximumEpisodes, "the per-task SE is over a task's episodes")
        do { _ = try chosenLevels() } catch let error as InputError { throw ValidationError(error.message) }
    }

    func chosenLevels() throws -> [SharingLevel] {
        if let levels { return try splitList(levels).map(SharingLevel.init(parsing:)) }
        return SharingLevel.defaults(lambdas: try splitList(lambdas).map(SharingLevel.lambda), descriptors: dataOptions.descriptors != nil)
    }

    func run() throws {
        let outputs = try CLIOutput.prepare([output, splitOptions.splitOutput])
        let data = try MetaDataset.read(csv: dataOptions.data, options: dataOptions.readOptions())
        guard let rule = splitOptions.rule(defaultSeed: seed) else { throw ValidationError("give a split") }
        let (split, train) = try SplitRequest(rule: rule, partition: .train).apply(to: data)
        let (_, test) = try SplitRequest(rule: rule, partition: splitOptions.partition ?? .test).apply(to: data)
        var settings = SharingComparison.Settings(levels: try chosenLevels(), basis: basis, shots: shots, query: query,
                                                  episodesPerTask: episodes, seed: seed)
        if let components { settings.components = components }
        let say = reporting.showsProgress ? { @Sendable (line: String) in CLIOutput.note(line) } : nil
        let comparison: SharingComparison
        do {
            comparison = try SharingComparison(train: train, test: test, settings: settings, progress: say)
        } catch var error as InputError where error.file == nil && !(error.column ?? "").hasPrefix("--") {
            error.file = dataOptions.data
            throw error
        }
        if let path = splitOptions.splitOutput { try outputs.write(split.csvBytes(taskColumn: data.taskColumn), to: path) }
        if let output {
            try outputs.write(output.lowercased().hasSuffix(".csv") ? comparison.csv() : Array(try comparison.json()), to: output)
        }
        try outputs.write(Array(comparison.table().utf8), to: "-")
        try outputs.commit()
        reporting.say("compared \(settings.levels.count) levels on \(comparison.episodes.count) episodes" + (output.map { "; written to \($0)" } ?? ""))
    }
}
