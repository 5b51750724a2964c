// SPDX-License-Identifier: GPL-3.0-or-later

/// Which columns of a long-format CSV make a meta-dataset, and where task descriptors are.
///
/// Long format: one row per observation, a task column, input columns and a target column.
/// Multi-label format (``targetColumns`` set): several target columns share the inputs of a
/// row, and each target column becomes a task of its own (multi-label → multi-task).
public struct CSVReadOptions: Sendable, Equatable {
    /// How the target column is read.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Classification when the target column is named `label` or `class`, else regression.
        case automatic = "auto"
        /// Real-valued targets.
        case regression
        /// Class labels (any text); classes are numbered in sorted order.
        case classification
    }

    /// The task column; `nil` means `task`, which long format requires and multi-label format
    /// uses when present.
    public var taskColumn: String?
    /// The target column; `nil` means `y` if the header has it, else `label`.
    public var targetColumn: String?
    /// Multi-label format: these target columns each become a task.
    public var targetColumns: [String]?
    /// The input columns; `nil` means every column that is not the task or a target.
    public var featureColumns: [String]?
    /// Regression or classification.
    public var kind: Kind
    /// A CSV of task descriptors keyed by the task column.
    public var descriptorsPath: String?
    /// Descriptor columns to use; `nil` means every column of the descriptors file except the
    /// task column and the weight column.
    public var descriptorColumns: [String]?
    /// A column of the descriptors file holding each task's weight w_i (> 0).
    public var weightColumn: String?
    /// When the data file has no task column, every row is one task (identifier empty),
    /// rather than an error: a new task's file may or may not name its task.
    public var taskColumnIsOptional: Bool
    /// A column of the data file holding each task's weight w_i (the same on all of a task's
    /// rows, ≥ 0). Not an input; it replaces any weight from the descriptors file.
    public var taskWeightColumn: String?
    /// A header with no rows under it gives a data set with no tasks rather than an error
    /// (a new task with no data yet: its posterior is the prior).
    public var allowsNoRows: Bool
    /// Keep the SHA-256 of the bytes read in ``MetaDataset/sourceDigest``, so provenance
    /// needs no second read of the file (and standard input, which cannot be read twice,
    /// gets one too). Off by default: hashing costs more than the rest of an ingest.
    public var recordsSourceDigest: Bool
    /// What a row with a missing value (an empty field, or R's `NA`) in a column the read uses
    /// does: dropped and counted (``MissingValueAction/omit``, R's `na.omit`, lme4's default and
    /// the CLI's `--na-action` default for meta-datasets), or an error naming the row
    /// (``MissingValueAction/fail``, the default here, so that a program never loses rows it
    /// did not ask to lose, and a new task's points are never dropped silently).
    public var missingValues: MissingValueAction
    /// Input columns that hold text (a factor), with their levels in order: a cell names a
    /// level and is read as the level's position (0, 1, …), so a prior whose inputs include a
    /// factor (``TaskPrior/inputLevels``) reads a new task's rows as numbers. A level not in
    /// the list is an error naming it. Empty: every input is a number.
    public var inputLevels: [String: [String]] = [:]

    /// Options with the given columns; every default reads the long format with columns `task`
    /// and `y` (or `label`), all other columns inputs, no descriptors and no weights.
    public init(taskColumn: String? = nil, targetColumn: String? = nil, targetColumns: [String]? = nil,
                featureColumns: [String]? = nil, kind: Kind = .automatic, descriptorsPath: String? = nil,
                descriptorColumns: [String]? = nil, weightColumn: String? = nil, taskColumnIsOptional: Bool = false,
                taskWeightColumn: String? = nil, allowsNoRows: Bool = false, recordsSourceDigest: Bool = false,
                missingValues: MissingValueAction = .fail) {
        self.taskColumn = taskColumn
        self.targetColumn = targetColumn
        self.targetColumns = targetColumns
        self.featureColumns = featureColumns
        self.kind = kind
        self.descriptorsPath = descriptorsPath
        self.descriptorColumns = descriptorColumns
        self.weightColumn = weightColumn
        self.taskColumnIsOptional = taskColumnIsOptional
        self.taskWeightColumn = taskWeightColumn
        self.allowsNoRows = allowsNoRows
        self.recordsSourceDigest = recordsSourceDigest
        self.missingValues = missingValues
    }
}

/// What to do with a row that has a missing value in a column the read uses (`--na-action`).
public enum MissingValueAction: String, Sendable, Equatable, CaseIterable {
    /// Drop the row, count it, and say so (R's `na.omit`).
    case omit
    /// Refuse the file at the first such row (R's `na.fail`).
    case fail
}
