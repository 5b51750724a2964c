// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Reading tasks whose file may lack some input columns (a formula prior's task-level columns,
/// which a task may give by its descriptors instead of on its rows): the columns it lacks are
/// read as NaN on every row, for the caller to fill.
extension MetaDataset {
    /// ``read(csv:options:)`` where the feature columns `optional` may be absent from the file:
    /// their entries of every task's inputs are then NaN. The file is read once.
    static func read(csv path: String, options: CSVReadOptions, optional: [String]) throws -> MetaDataset {
        guard let features = options.featureColumns, !optional.isEmpty else { return try read(csv: path, options: options) }
        let bytes = try FileBytes(path: path)
        let absent = try absentColumns(bytes, file: path, optional: optional, inputs: features)
        var narrowed = options
        narrowed.featureColumns = features.filter { !absent.contains($0) }
        narrowed.inputLevels = options.inputLevels.filter { !absent.contains($0.key) }
        var dataset = try load(bytes, file: path, options: narrowed, checkHeader: nil)
        guard !absent.isEmpty else { return dataset }
        let read = dataset.inputNames
        dataset.tasks = dataset.tasks.map { $0.widened(from: read, to: features) }
        dataset.inputNames = features
        return dataset
    }

    /// The columns of `optional` that are among `inputs` but not in the header of `bytes`.
    static func absentColumns(_ bytes: FileBytes, file: String, optional: [String], inputs: [String]) throws -> [String] {
        guard !optional.isEmpty else { return [] }
        let header = try bytes.withBytes { pointer in
            var scanner = CSVScanner(bytes: pointer, count: bytes.count)
            return try scanner.readHeader(file: file)
        }
        return optional.filter { inputs.contains($0) && !header.contains($0) }
    }
}

extension TaskData {
    /// The task with its inputs, read in the columns `read`, laid out in the columns `inputs`
    /// (a superset): a column that was not read is NaN on every row.
    func widened(from read: [String], to inputs: [String]) -> TaskData {
        guard read != inputs else { return self }
        var widened = Matrix(rows: count, columns: inputs.count)
        for (k, name) in inputs.enumerated() {
            let source = read.firstIndex(of: name)
            for i in 0..<count { widened[i, k] = source.map { self.inputs[i, $0] } ?? .nan }
        }
        var task = self
        task.inputs = widened
        return task
    }
}
