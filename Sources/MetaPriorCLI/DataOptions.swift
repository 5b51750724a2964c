// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

/// Which file and which columns make the meta-dataset; shared by every command that reads
/// tasks.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp("Tasks CSV in long format: one row per observation, with a header row ('-' reads standard input).", valueName: "file"))
    var dataFile: String?

    /// The data file (`fit --statistics` reads none; every other use checks it was given).
    var data: String { dataFile ?? "" }

    @Option(help: ArgumentHelp("Column holding each row's task identifier (default: task).", valueName: "column"))
    var task: String?

    @Option(help: ArgumentHelp("Target column (default: y, or label if there is no y).", valueName: "column"))
    var target: String?

    @Option(help: ArgumentHelp("Multi-label table: these target columns share the inputs, and each becomes a task of its own.", valueName: "a,b,..."))
    var targets: String?

    @Option(help: ArgumentHelp("Input columns, comma-separated (default: every column but the task and target).", valueName: "a,b,..."))
    var features: String?

    @Option(help: ArgumentHelp("How to read the target: regression, classification, or auto (classification when the target column is named label or class); default auto.", valueName: "kind"),
            transform: choice("--kind"))
    var kind: CSVReadOptions.Kind = .automatic

    @Option(help: ArgumentHelp("CSV of task descriptors (numeric metadata about each task), one row per task, keyed by the task column. fit (linear_gaussian, marginal) uses them: the prior mean becomes μ_i = B (1, z_i), B fitted with Σ and σ²; evaluate conditions each task's prior on its z, and takes from it a formula prior's task-level columns that the tasks' rows lack.", valueName: "file"))
    var descriptors: String?

    @Option(help: ArgumentHelp("Descriptor columns to use, comma-separated (default: all but the task and weight columns).", valueName: "a,b,..."))
    var descriptorColumns: String?

    @Option(help: ArgumentHelp("Column of the descriptors file holding each task's weight (a positive number).", valueName: "column"))
    var weightColumn: String?

    @Flag(help: "Give each task a one-hot task index as its descriptor (inspect and episodes; fit, evaluate and compare refuse it: no prior can use it).")
    var oneHot = false

    @Option(name: .customLong("na-action"),
            help: ArgumentHelp("Rows with a missing value (an empty cell, or NA as R writes it) in a column in use: omit drops them and says how many (R's na.omit, lme4's default); fail refuses the file at the first one. (default: omit)", valueName: "action"),
            transform: choice("--na-action"))
    var naAction: MissingValueAction = .omit

    func validate() throws {
        if target != nil && targets != nil { throw ValidationError("give --target or --targets, not both") }
        if oneHot && descriptors != nil { throw ValidationError("give --descriptors or --one-hot, not both") }
        if (descriptorColumns != nil || weightColumn != nil) && descriptors == nil {
            throw ValidationError("--descriptor-columns and --weight-column need --descriptors")
        }
        for (name, list) in [("--features", features), ("--targets", targets), ("--descriptor-columns", descriptorColumns)] {
            if let list, splitList(list).contains(where: \.isEmpty) {
                throw ValidationError("\(name): empty column name in \(InputError.quoted(list))")
            }
        }
        if dataFile?.isEmpty ?? false { throw ValidationError("--data: give a file name") }
    }

    /// Refuses --one-hot for `command`, a command that fits or scores priors: no prior can use a
    /// one-hot task index (the reason below; `fit` refuses it), and a command that read the data
    /// without it would ignore it silently. `inspect` and `episodes` take it (``load(_:)``).
    func refuseOneHot(for command: String) throws {
        guard oneHot else { return }
        throw ValidationError("--one-hot is not available for \(command): a one-hot task index sums to the intercept of the prior mean μ_i = B z̃_i, so B cannot be identified, and each task's own φ already plays the part of a per-task index; give task-level columns as descriptors instead (--descriptors file.csv; linear_gaussian, binomial and poisson)")
    }

    /// Checks that --data was given, for the commands that read rows (all but `fit
    /// --statistics`); `alternative` names another way to give the data, if any.
    func requireData(or alternative: String? = nil) throws {
        guard dataFile == nil else { return }
        throw ValidationError("Missing expected argument '--data <file>'" + (alternative.map { " (or \($0))" } ?? ""))
    }

    /// The reader options these flags describe.
    func readOptions(classification: Bool = false) -> CSVReadOptions {
        var kind = self.kind
        if classification && kind == .automatic { kind = .classification }
        return CSVReadOptions(taskColumn: task, targetColumn: target, targetColumns: targets.map(splitList),
                              featureColumns: features.map(splitList), kind: kind, descriptorsPath: descriptors,
                              descriptorColumns: descriptorColumns.map(splitList), weightColumn: weightColumn,
                              missingValues: naAction)
    }

    /// Reads the meta-dataset. `classification` forces class labels when `--kind` is auto
    /// (e.g. when `--ways` asks for N-way episodes).
    func load(classification: Bool = false) throws -> MetaDataset {
        try load(readOptions(classification: classification))
    }

    /// Reads the meta-dataset with `options` (these flags' ``readOptions(classification:)``
    /// with more set by the command).
    func load(_ options: CSVReadOptions) throws -> MetaDataset {
        let dataset = try MetaDataset.read(csv: data, options: options)
        for note in dataset.readingNotes { CLIOutput.note(note) }
        return oneHot ? dataset.withOneHotDescriptors() : dataset
    }
}
