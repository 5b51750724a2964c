// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// One task T_i: its data set D_i of (x, y) rows and an optional descriptor z_i.
public struct TaskData: Sendable, Equatable {
    /// The task identifier, as written in the task column.
    public var id: String
    /// Inputs, one row per observation, columns in the order of ``MetaDataset/inputNames``.
    public var inputs: Matrix
    /// Targets, one per observation. For classification, the class index into
    /// ``MetaDataset/classNames``.
    public var targets: [Double]
    /// The task descriptor z_i (metadata about the task as a whole), in the order of
    /// ``MetaDataset/descriptorNames``; `nil` when the data set has no descriptors.
    public var descriptor: [Double]?
    /// The weight w_i of the task's log-likelihood in a fit (1 unless a weight column is given).
    public var weight: Double

    /// A task from its rows; the weight defaults to 1 (an unweighted fit).
    public init(id: String, inputs: Matrix, targets: [Double], descriptor: [Double]? = nil, weight: Double = 1) {
        self.id = id
        self.inputs = inputs
        self.targets = targets
        self.descriptor = descriptor
        self.weight = weight
    }

    /// Number of observations n_i.
    public var count: Int { targets.count }
}

/// Whether targets are real numbers or class labels.
public enum TargetKind: Sendable, Equatable {
    /// Real-valued targets.
    case regression
    /// Class labels; targets hold indices into the class names.
    case classification(classNames: [String])
}

/// A meta-dataset: a collection of tasks that share input columns and a target.
public struct MetaDataset: Sendable, Equatable {
    /// Names of the input columns, in order.
    public var inputNames: [String]
    /// Name of the target column.
    public var targetName: String
    /// Name of the task column.
    public var taskColumn: String
    /// Regression or classification.
    public var kind: TargetKind
    /// Names of the descriptor columns (empty when there are no descriptors).
    public var descriptorNames: [String]
    /// The tasks, in order of first appearance in the file.
    public var tasks: [TaskData]
    /// The SHA-256 (`sha256:<hex>`) of the file the data set was read from, computed from the
    /// same bytes as the parse (``CSVReadOptions/recordsSourceDigest``); `nil` when not asked
    /// for or not read from a file. Provenance records it instead of reading the file again.
    public var sourceDigest: String?
    /// What reading the file did that the user should hear about (a row-index column left
    /// out, rows with missing values dropped), one line each, for the CLI to print.
    public var readingNotes: [String] = []
    /// Rows of the file left out for a missing value (``CSVReadOptions/missingValues``).
    public var omittedRows = 0

    /// A data set from tasks already in memory (a simulation, a test); the tasks' input columns
    /// must be in the order of `inputNames`.
    public init(inputNames: [String], targetName: String, taskColumn: String = "task",
                kind: TargetKind = .regression, descriptorNames: [String] = [], tasks: [TaskData]) {
        self.inputNames = inputNames
        self.targetName = targetName
        self.taskColumn = taskColumn
        self.kind = kind
        self.descriptorNames = descriptorNames
        self.tasks = tasks
    }

    /// Whether any task's weight differs from 1 (a weighted fit).
    public var isWeighted: Bool { tasks.contains { $0.weight != 1 } }

    /// Total number of observations over all tasks.
    public var observationCount: Int { tasks.reduce(0) { $0 + $1.count } }

    /// Class names, when the targets are class labels.
    public var classNames: [String]? {
        if case .classification(let names) = kind { return names }
        return nil
    }
}
