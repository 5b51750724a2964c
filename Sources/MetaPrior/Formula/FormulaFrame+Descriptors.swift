// SPDX-License-Identifier: GPL-3.0-or-later

extension FormulaFrame {
    /// Attaches task descriptors z_i from a CSV keyed by the task column (one row per task,
    /// every task exactly once), read by the reader `fit --descriptors` uses for the column
    /// form (``MetaDataset/attachDescriptors(csv:descriptorColumns:weightColumn:)``).
    ///
    /// A family that fits μ_i = B z̃_i (the generalised mixed families) interacts its shared
    /// terms with z̃_i = (1, z_i); the others refuse a frame with descriptors.
    /// - Parameters:
    ///   - path: the descriptors CSV.
    ///   - descriptorColumns: the columns to use; `nil` means all but the task column.
    /// - Throws: ``InputError`` for a missing column, a ragged row, a value that is not a
    ///   finite number, a row for a task the data do not have, a second row for a task, or a
    ///   task with no row.
    public mutating func attachDescriptors(csv path: String, descriptorColumns: [String]? = nil) throws {
        var options = CSVReadOptions(taskColumn: taskColumn)
        options.descriptorColumns = descriptorColumns
        let firstLines = rowsOfTask.map { lines[$0[0]] }
        let read = try MetaDataset.readDescriptors(csv: path, taskIDs: taskIDs, taskColumn: taskColumn, options: options,
                                                   dataFile: nil, firstLines: firstLines)
        descriptorNames = read.names
        taskDescriptors = read.rows
    }
}
