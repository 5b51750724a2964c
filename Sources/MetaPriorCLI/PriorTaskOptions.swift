// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

/// A fitted prior and the new task to adapt it to; shared by `adapt` and `predict`.
struct PriorTaskOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The prior JSON written by `metaprior fit`.", valueName: "file"))
    var prior: String

    @Option(help: ArgumentHelp("Target column of the new task's data (default: the prior's target).", valueName: "column"))
    var target: String?

    @Option(help: ArgumentHelp("When the new task's file holds several tasks (it has the prior's task column), the one to adapt to.", valueName: "id"))
    var taskId: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Draws to write (0 for none).", valueName: "n"))
    var draws: Int = 1000

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the random draws: the same seed gives the same file.", valueName: "seed"))
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("Probability of the central intervals (lower, upper), e.g. 0.9.", valueName: "p"))
    var level: Double = 0.9

    @Option(help: ArgumentHelp("A prior fitted with task descriptors, or a formula prior with task-level columns (constant within every meta-train task, as z in 'y ~ x * z + (x | task)'): the new task's values, e.g. z1=0.5,z2=-1. Numbers only: a text task-level column is given on the task's rows. The task's rows then need not carry these columns (where they do, the values must agree), and query rows without them take the task's values.", valueName: "name=value,..."))
    var descriptor: String?

    @Option(help: ArgumentHelp("As --descriptor, from a CSV keyed by the task column holding the new task's row (a formula prior reads from it the task-level columns the task's rows lack).", valueName: "file"))
    var descriptors: String?

    @Flag(help: "A prior fitted with task descriptors: adapt under the prior at the average meta-train descriptor. A formula prior: a numeric task-level column the new task does not give is taken at its meta-train average over tasks. With a warning either way.")
    var noDescriptor = false

    /// The new task's descriptor as the options give it.
    func descriptorInput() throws -> DescriptorInput? {
        if noDescriptor { return .average }
        if let descriptors { return .file(descriptors) }
        guard let descriptor else { return nil }
        var values: [String: Double] = [:]
        for item in splitList(descriptor) {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let v = Double(parts[1]), v.isFinite, values[parts[0]] == nil else {
                throw ValidationError("--descriptor needs name=value pairs with finite numbers and distinct names, separated by commas, not \(InputError.quoted(item)) (a text task-level column of a formula is given on the task's rows)")
            }
            values[parts[0]] = v
        }
        return .values(values)
    }

    func validate() throws {
        if [descriptor != nil, descriptors != nil, noDescriptor].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --descriptor, --descriptors and --no-descriptor")
        }
        _ = try descriptorInput()
        guard draws >= 0 else { throw ValidationError("--draws must be 0 or more, not \(draws)") }
        try OptionRange.check("--draws", draws, 0...OptionRange.draws, "one CSV row per draw")
        guard level > 0, level < 1 else { throw ValidationError("--level must be between 0 and 1 (exclusive), not \(level)") }
    }

    /// Reads the prior file and the new task's rows from `dataFile`, and adapts (a posterior
    /// without a closed form as `sampling` asks).
    func adapt(dataFile: String, sampling: PosteriorSampling? = nil, hyper: ConjugateHyperChoice? = nil) throws -> Adaptation {
        try Adaptation(priorPath: prior, dataFile: dataFile, target: target, taskID: taskId, sampling: sampling, hyper: hyper,
                       descriptor: try descriptorInput())
    }
}

/// How `adapt` and `predict` represent a posterior that has no closed form (binomial and
/// poisson priors): MCMC chains, or the Laplace approximation.
struct SamplingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A posterior without a closed form (binomial, poisson): mcmc (exact draws, default) or laplace (its Laplace approximation).", valueName: "method"),
            transform: choice("--posterior"))
    var posterior: PosteriorSampling.Method = .mcmc

    @Option(parsing: .unconditional, help: ArgumentHelp("MCMC: chains, each on its own random stream (--draws kept draws per chain).", valueName: "n"))
    var chains: Int = 4

    @Option(parsing: .unconditional, help: ArgumentHelp("MCMC: warm-up steps per chain, discarded.", valueName: "n"))
    var warmup: Int = 1000

    func validate() throws {
        try OptionRange.check("--chains", chains, 1...64, "each chain's draws are kept in memory")
        try OptionRange.check("--warmup", warmup, 0...1_000_000, "a chain that needs more is not mixing")
    }

    /// The request, with the draws per chain and the seed of `options`.
    func request(_ options: PriorTaskOptions) -> PosteriorSampling {
        PosteriorSampling(method: posterior, chains: chains, warmup: warmup, drawsPerChain: Swift.max(options.draws, 4), seed: options.seed)
    }
}
