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

    public init(taskColumn: String? = nil, targetColumn: String? = nil, targetColumns: [String]? = nil,
                featureColumns: [String]? = nil, kind: Kind = .automatic, descriptorsPath: String? = nil,
                descriptorColumns: [String]? = nil, weightColumn: String? = nil) {
        self.taskColumn = taskColumn
        self.targetColumn = targetColumn
        self.targetColumns = targetColumns
        self.featureColumns = featureColumns
        self.kind = kind
        self.descriptorsPath = descriptorsPath
        self.descriptorColumns = descriptorColumns
        self.weightColumn = weightColumn
    }
}
