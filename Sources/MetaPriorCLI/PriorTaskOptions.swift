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

    @Option(help: ArgumentHelp("Draws to write (0 for none).", valueName: "n"))
    var draws: Int = 1000

    @Option(help: ArgumentHelp("Seed of the random draws: the same seed gives the same file.", valueName: "seed"))
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Probability of the central intervals (lower, upper), e.g. 0.9.", valueName: "p"))
    var level: Double = 0.9

    func validate() throws {
        guard draws >= 0 else { throw ValidationError("--draws must be 0 or more, not \(draws)") }
        guard draws <= 100_000_000 else { throw ValidationError("--draws must be at most 100000000") }
        guard level > 0, level < 1 else { throw ValidationError("--level must be between 0 and 1 (exclusive), not \(level)") }
    }

    /// Reads the prior file and the new task's rows from `dataFile`, and adapts.
    /// Also returns the digest of the task's file, from the same read as its rows.
    func adapt(dataFile: String) throws -> (file: PriorFile, prior: GaussianPrior, task: TaskData, posterior: GaussianPosterior, dataDigest: String) {
        let file = try PriorFile.read(prior)
        let gaussian = try file.prior(file: prior)
        let (task, dataDigest) = try MetaDataset.readTaskAndDigest(csv: dataFile, inputs: file.inputs, target: target ?? file.target,
                                                                   taskColumn: file.taskColumn, taskID: taskId)
        let posterior = try gaussian.posterior(design: try file.basis.design(task.inputs), targets: task.targets)
        return (file, gaussian, task, posterior, dataDigest)
    }

    /// The provenance comments of a sample CSV.
    func provenance(file: PriorFile, task: TaskData, dataFile: String, dataDigest: String) -> [(String, String)] {
        [("metaprior", MetaPriorVersion.string), ("command", commandLine), ("seed", "\(seed)"),
         ("prior", prior), ("prior_digest", Digest.sha256(file: prior) ?? "unknown"),
         ("data", dataFile), ("data_digest", dataDigest),
         ("task", "\(task.id) (\(task.count) observations)")]
    }
}
