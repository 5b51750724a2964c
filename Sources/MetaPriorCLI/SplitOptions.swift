// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

/// Meta-train / meta-validation / meta-test splits of the tasks, by fractions or by lists.
struct SplitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Split tasks into meta-train,validation,test by fractions, e.g. 0.8,0.1,0.1 (ranked by a seeded hash of the task id: stable whatever the row order).", valueName: "f,f,f"))
    var split: String?

    @Option(help: ArgumentHelp("Seed of the split's hash (default: --seed).", valueName: "n"))
    var splitSeed: UInt64?

    @Option(help: ArgumentHelp("Meta-train tasks, comma-separated (default: every task in no other list).", valueName: "ids"))
    var trainTasks: String?

    @Option(help: ArgumentHelp("Meta-validation tasks, comma-separated.", valueName: "ids"))
    var validationTasks: String?

    @Option(help: ArgumentHelp("Meta-test tasks, comma-separated.", valueName: "ids"))
    var testTasks: String?

    @Option(help: ArgumentHelp("Which part of the split to use: train, validation or test.", valueName: "part"))
    var partition: String = "train"

    @Option(help: ArgumentHelp("Write the split (task,split CSV) to this file.", valueName: "file"))
    var splitOutput: String?

    var isExplicit: Bool { trainTasks != nil || validationTasks != nil || testTasks != nil }
    var isActive: Bool { split != nil || isExplicit }

    func validate() throws {
        if split != nil && isExplicit { throw ValidationError("give --split fractions or task lists, not both") }
        guard MetaPartition(rawValue: partition) != nil else {
            throw ValidationError("--partition must be train, validation or test, not '\(partition)'")
        }
        if let split {
            let parts = splitList(split).map(Double.init)
            guard parts.count == 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                throw ValidationError("--split needs three non-negative fractions train,validation,test, e.g. 0.8,0.1,0.1, not '\(split)'")
            }
            let total = parts.reduce(0) { $0 + $1! }
            guard abs(total - 1) < 1e-6 else { throw ValidationError("--split fractions must add up to 1, not \(total)") }
        }
        if !isActive && (splitOutput != nil || partition != "train") {
            throw ValidationError("--partition and --split-output need --split or task lists")
        }
    }

    /// The split of `dataset`'s tasks, or `nil` when none was asked for.
    func split(_ dataset: MetaDataset, defaultSeed: UInt64) throws -> MetaSplit? {
        let ids = dataset.taskIDs
        if let split {
            let f = splitList(split).compactMap(Double.init)
            return try MetaSplit.byFractions(ids: ids, train: f[0], validation: f[1], test: f[2], seed: splitSeed ?? defaultSeed)
        }
        if isExplicit {
            return try MetaSplit.explicit(ids: ids, train: trainTasks.map(splitList), validation: validationTasks.map(splitList),
                                          test: testTasks.map(splitList))
        }
        return nil
    }

    /// The chosen part.
    var chosenPartition: MetaPartition { MetaPartition(rawValue: partition) ?? .train }
}
