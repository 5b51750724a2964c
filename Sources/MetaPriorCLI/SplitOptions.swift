// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

/// Meta-train / meta-validation / meta-test splits of the tasks, by fractions or by lists;
/// shared by `fit` (which trains on a part) and `evaluate` (which scores a part).
struct SplitOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Split tasks into meta-train,validation,test by fractions, e.g. 0.8,0.1,0.1 (ranked by a seeded hash of the task id: stable whatever the row order). evaluate, with no split options and --data the prior's training file, reuses the prior's recorded split.", valueName: "f,f,f"),
            transform: parsing(SplitFractions.init(parsing:)))
    var split: SplitFractions?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the split's hash (default: the prior's recorded split seed for evaluate, else --seed).", valueName: "n"))
    var splitSeed: UInt64?

    @Option(help: ArgumentHelp("Meta-train tasks, comma-separated (default: every task in no other list).", valueName: "ids"))
    var trainTasks: String?

    @Option(help: ArgumentHelp("Meta-validation tasks, comma-separated.", valueName: "ids"))
    var validationTasks: String?

    @Option(help: ArgumentHelp("Meta-test tasks, comma-separated.", valueName: "ids"))
    var testTasks: String?

    @Option(help: ArgumentHelp("Which part of the split to use: train, validation or test (default: train for fit, test for evaluate).", valueName: "part"),
            transform: choice("--partition"))
    var partition: MetaPartition?

    @Option(help: ArgumentHelp("Write the split (task,split CSV) to this file.", valueName: "file"))
    var splitOutput: String?

    var isExplicit: Bool { trainTasks != nil || validationTasks != nil || testTasks != nil }
    var isActive: Bool { split != nil || isExplicit }

    func validate() throws {
        if split != nil && isExplicit { throw ValidationError("give --split fractions or task lists, not both") }
    }

    /// The split rule asked for, or `nil` when none was; fractions are hashed with
    /// --split-seed, else `defaultSeed`.
    func rule(defaultSeed: UInt64) -> SplitRule? {
        if let split {
            return .fractions(train: split.train, validation: split.validation, test: split.test, seed: splitSeed ?? defaultSeed)
        }
        if isExplicit {
            return .lists(train: trainTasks.map(splitList), validation: validationTasks.map(splitList), test: testTasks.map(splitList))
        }
        return nil
    }
}
