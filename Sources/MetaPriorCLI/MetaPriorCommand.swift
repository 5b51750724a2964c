// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

@main
struct MetaPriorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metaprior",
        abstract: "Learn a prior over task parameters from many small data sets, then learn a new task from a few points by Bayesian inference.",
        discussion: """
        Meta-training fits the prior θ = (μ, Σ, σ²) of task parameters φ ~ N(μ, Σ) from meta-train tasks; adaptation computes the posterior p(φ | support set, θ) of a new task and exports draws as CSV for pandas, R or ArviZ.

        Start with `metaprior demo`, which runs the whole job on built-in data.
        """,
        version: MetaPriorVersion.string,
        subcommands: [DemoCommand.self, SimulateCommand.self, EpisodesCommand.self, FitCommand.self, StatisticsCommand.self, AdaptCommand.self, PredictCommand.self, EvaluateCommand.self, CompareCommand.self, InspectCommand.self]
    )
}
