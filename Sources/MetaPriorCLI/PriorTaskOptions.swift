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

    func validate() throws {
        guard draws >= 0 else { throw ValidationError("--draws must be 0 or more, not \(draws)") }
        try OptionRange.check("--draws", draws, 0...OptionRange.draws, "one CSV row per draw")
        guard level > 0, level < 1 else { throw ValidationError("--level must be between 0 and 1 (exclusive), not \(level)") }
    }

    /// Reads the prior file and the new task's rows from `dataFile`, and adapts (a posterior
    /// without a closed form as `sampling` asks).
    func adapt(dataFile: String, sampling: PosteriorSampling? = nil, hyper: ConjugateHyperChoice? = nil) throws -> Adaptation {
        try Adaptation(priorPath: prior, dataFile: dataFile, target: target, taskID: taskId, sampling: sampling, hyper: hyper)
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
