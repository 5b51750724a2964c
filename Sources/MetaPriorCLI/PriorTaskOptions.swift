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

    /// Reads the prior file and the new task's rows from `dataFile`, and adapts.
    func adapt(dataFile: String) throws -> Adaptation {
        try Adaptation(priorPath: prior, dataFile: dataFile, target: target, taskID: taskId)
    }
}
