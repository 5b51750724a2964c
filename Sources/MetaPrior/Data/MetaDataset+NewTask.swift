// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Reading the data of a *new* task (adaptation) and bare query inputs (prediction), in the
/// columns a fitted prior expects.
extension MetaDataset {
    /// The column names of a CSV file's header.
    public static func headerNames(csv path: String) throws -> [String] {
        let file = try FileBytes(path: path)
        return try file.withBytes { bytes in
            var scanner = CSVScanner(bytes: bytes, count: file.count)
            return try scanner.readHeader(file: path).names
        }
    }

    /// Reads one task's rows: `inputs` and `target` columns of `path`.
    ///
    /// If the file has the task column, `taskID` chooses the task (required when the file
    /// holds more than one); without it, every row belongs to the one new task. A file with a
    /// header and no rows is a task with no data (its posterior is the prior).
    public static func readTask(csv path: String, inputs: [String], target: String,
                                taskColumn: String, taskID: String? = nil) throws -> TaskData {
        let header = try headerNames(csv: path)
        let hasTaskColumn = header.contains(taskColumn)
        if taskID != nil && !hasTaskColumn {
            throw InputError(file: path, column: taskColumn, "--task-id needs the task column; the file has: \(header.joined(separator: ", "))")
        }
        for name in inputs + [target] where !header.contains(name) {
            throw InputError(file: path, line: 1, column: name, "missing column; the file has: \(header.joined(separator: ", "))")
        }
        let options = CSVReadOptions(taskColumn: hasTaskColumn ? taskColumn : nil, targetColumns: [target],
                                     featureColumns: inputs, kind: .regression)
        let dataset: MetaDataset
        do {
            dataset = try read(csv: path, options: options)
        } catch let error as InputError where error.message.contains("no rows") || error.message.contains("no data") {
            return TaskData(id: taskID ?? "new", inputs: Matrix(rows: 0, columns: inputs.count), targets: [])
        }
        // In multi-label mode the reader names tasks "<id>/<target>"; the new task keeps its own id.
        let suffix = "/\(target)"
        func plainID(_ id: String) -> String { id.hasSuffix(suffix) ? String(id.dropLast(suffix.count)) : id }
        if let taskID {
            guard let task = dataset.tasks.first(where: { plainID($0.id) == taskID }) else {
                let ids = dataset.tasks.prefix(10).map { plainID($0.id) }.joined(separator: ", ")
                throw InputError(file: path, column: taskColumn, "no task '\(taskID)'; tasks include: \(ids)")
            }
            return TaskData(id: taskID, inputs: task.inputs, targets: task.targets)
        }
        guard dataset.tasks.count <= 1 else {
            throw InputError(file: path, column: taskColumn,
                             "the file holds \(dataset.tasks.count) tasks; choose one with --task-id (e.g. \(plainID(dataset.tasks[0].id)))")
        }
        guard let task = dataset.tasks.first else {
            return TaskData(id: "new", inputs: Matrix(rows: 0, columns: inputs.count), targets: [])
        }
        return TaskData(id: hasTaskColumn ? plainID(task.id) : "new", inputs: task.inputs, targets: task.targets)
    }

    /// Reads the `inputs` columns of a CSV of query points (other columns are ignored).
    /// - Returns: the inputs as an n × p matrix.
    public static func readInputs(csv path: String, inputs: [String]) throws -> Matrix {
        let file = try FileBytes(path: path)
        return try file.withBytes { bytes in
            var scanner = CSVScanner(bytes: bytes, count: file.count)
            let header = try scanner.readHeader(file: path)
            let columns = try inputs.map { try header.index(of: $0, role: "input") }
            var values: [Double] = []
            var rows = 0
            var fields: [FieldRange] = []
            while try scanner.nextRecord(into: &fields, file: path, header: header) {
                guard fields.count == header.names.count else {
                    throw scanner.raggedRow(file: path, header: header, found: fields.count)
                }
                for (k, column) in columns.enumerated() {
                    let field = fields[column]
                    let parsed = parseNumber(bytes, field.start, field.end)
                    guard case .value(let v) = parsed else {
                        throw scanner.numberError(parsed, field: field, file: path, column: inputs[k])
                    }
                    values.append(v)
                }
                rows += 1
            }
            return try Matrix(rows: rows, columns: inputs.count, elements: values)
        }
    }
}

extension MetaDataset {
    /// Turns the last input column into per-task weights (it must be constant within each
    /// task, finite and non-negative) and drops it from the inputs.
    public mutating func moveLastInputToWeights(file: String) throws {
        guard let name = inputNames.last else { return }
        let p = inputNames.count
        for t in tasks.indices {
            let task = tasks[t]
            let column = (0..<task.count).map { task.inputs[$0, p - 1] }
            guard let first = column.first else { continue }
            guard column.allSatisfy({ $0 == first }) else {
                throw InputError(file: file, column: name, "the weight of task '\(task.id)' varies between its rows; a task has one weight")
            }
            guard first >= 0, first.isFinite else {
                throw InputError(file: file, column: name, "the weight of task '\(task.id)' is \(first); weights must be non-negative")
            }
            var kept: [Double] = []
            kept.reserveCapacity(task.count * (p - 1))
            for i in 0..<task.count { for j in 0..<(p - 1) { kept.append(task.inputs[i, j]) } }
            tasks[t].inputs = try Matrix(rows: task.count, columns: p - 1, elements: kept)
            tasks[t].weight = first
        }
        inputNames.removeLast()
    }
}
