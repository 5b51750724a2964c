// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Reading the data of a *new* task (adaptation) and bare query inputs (prediction), in the
/// columns a fitted prior expects.
extension MetaDataset {
    /// Reads one task's rows: `inputs` and `target` columns of `path`.
    ///
    /// If the file has the task column, `taskID` chooses the task (required when the file
    /// holds more than one); without it, every row belongs to the one new task. A file with a
    /// header and no rows is a task with no data (its posterior is the prior). A text input
    /// (a factor, listed in `levels` with its levels) is read as each level's position.
    public static func readTask(csv path: String, inputs: [String], target: String,
                                taskColumn: String, taskID: String? = nil, levels: [String: [String]] = [:]) throws -> TaskData {
        try readTask(csv: path, inputs: inputs, target: target, taskColumn: taskColumn, taskID: taskID, levels: levels, recordsDigest: false).task
    }

    /// ``readTaskAndDigest(csv:inputs:target:taskColumn:taskID:levels:)`` for a labelled
    /// episode: the target holds class labels (any text, numbers included), read as positions in
    /// the sorted list of the file's labels, which is returned beside the task.
    public static func readLabelledTaskAndDigest(csv path: String, inputs: [String], target: String, taskColumn: String,
                                                 taskID: String? = nil) throws -> (task: TaskData, classNames: [String], sourceDigest: String) {
        let (task, digest, names) = try readTask(csv: path, inputs: inputs, target: target, taskColumn: taskColumn,
                                                 taskID: taskID, levels: [:], recordsDigest: true, kind: .classification)
        return (task, names ?? [], digest ?? "unknown")
    }

    /// ``readTask(csv:inputs:target:taskColumn:taskID:levels:)``, with the SHA-256 of the file's
    /// bytes as read (for provenance: the file, or standard input, is read only once).
    public static func readTaskAndDigest(csv path: String, inputs: [String], target: String, taskColumn: String,
                                         taskID: String? = nil, levels: [String: [String]] = [:]) throws -> (task: TaskData, sourceDigest: String) {
        let (task, digest, _) = try readTask(csv: path, inputs: inputs, target: target, taskColumn: taskColumn,
                                             taskID: taskID, levels: levels, recordsDigest: true)
        return (task, digest ?? "unknown")
    }

    /// ``readTaskAndDigest(csv:inputs:target:taskColumn:taskID:levels:)`` where the columns
    /// `optional` (a formula prior's task-level columns, ``TaskLevelColumns``) may be absent
    /// from the file: their entries of the task's inputs are then NaN.
    static func readTaskAndDigest(csv path: String, inputs: [String], target: String, taskColumn: String, taskID: String?,
                                  levels: [String: [String]], optional: [String]) throws -> (task: TaskData, sourceDigest: String) {
        let bytes = try FileBytes(path: path)
        let absent = try absentColumns(bytes, file: path, optional: optional, inputs: inputs)
        let read = inputs.filter { !absent.contains($0) }
        let (task, digest, _) = try readTask(csv: path, inputs: read, target: target, taskColumn: taskColumn, taskID: taskID,
                                             levels: levels.filter { !absent.contains($0.key) }, recordsDigest: true, bytes: bytes)
        return (task.widened(from: read, to: inputs), digest ?? "unknown")
    }

    /// One read of the file (of `bytes`, when the caller has already read them): the header
    /// checked for the columns a new task needs, then its rows (the task column optional, no
    /// rows allowed), then the task chosen.
    private static func readTask(csv path: String, inputs: [String], target: String, taskColumn: String,
                                 taskID: String?, levels: [String: [String]], recordsDigest: Bool,
                                 kind: CSVReadOptions.Kind = .regression,
                                 bytes: FileBytes? = nil) throws -> (task: TaskData, digest: String?, classNames: [String]?) {
        var hasTaskColumn = false
        var options = CSVReadOptions(taskColumn: taskColumn, targetColumn: target, featureColumns: inputs, kind: kind,
                                     taskColumnIsOptional: true, allowsNoRows: true, recordsSourceDigest: recordsDigest)
        options.inputLevels = levels
        let checkHeader = { (header: CSVHeader) throws in
            hasTaskColumn = header.contains(taskColumn)
            let names = InputError.list(header.names)
            if taskID != nil && !hasTaskColumn {
                throw InputError(file: path, column: taskColumn, kind: .missingColumn, "--task-id needs the task column; the file has: \(names)")
            }
            for name in inputs + [target] where !header.contains(name) {
                throw InputError(file: path, line: 1, column: name, kind: .missingColumn, "missing column; the file has: \(names)")
            }
        }
        let dataset: MetaDataset
        if let bytes {
            dataset = try load(bytes, file: path, options: options, checkHeader: checkHeader)
        } else {
            dataset = try read(csv: path, options: options, checkHeader: checkHeader)
        }
        let digest = dataset.sourceDigest, names = dataset.classNames
        guard !dataset.tasks.isEmpty else {
            return (TaskData(id: taskID ?? "new", inputs: Matrix(rows: 0, columns: inputs.count), targets: []), digest, names)
        }
        if let taskID {
            guard let task = dataset.tasks.first(where: { $0.id == taskID }) else {
                let ids = InputError.list(dataset.tasks.prefix(10).map(\.id))
                throw InputError(file: path, column: taskColumn, kind: .invalidValue, "no task \(InputError.quoted(taskID)); tasks include: \(ids)")
            }
            return (TaskData(id: taskID, inputs: task.inputs, targets: task.targets), digest, names)
        }
        guard dataset.tasks.count == 1 else {
            throw InputError(file: path, column: taskColumn, kind: .invalidValue,
                             "the file holds \(dataset.tasks.count) tasks; choose one with --task-id (e.g. \(InputError.list([dataset.tasks[0].id])))")
        }
        let task = dataset.tasks[0]
        return (TaskData(id: hasTaskColumn ? task.id : "new", inputs: task.inputs, targets: task.targets), digest, names)
    }

    /// Reads the `inputs` columns of a CSV of query points (other columns are ignored); a text
    /// input listed in `levels` is read as each level's position.
    /// - Returns: the inputs as an n × p matrix.
    public static func readInputs(csv path: String, inputs: [String], levels: [String: [String]] = [:]) throws -> Matrix {
        try readInputs(csv: path, inputs: inputs, levels: levels, optional: []).inputs
    }

    /// ``readInputs(csv:inputs:levels:)`` where the columns `optional` may be absent from the
    /// file: their entries are then NaN, and they are returned in `absent`.
    static func readInputs(csv path: String, inputs: [String], levels: [String: [String]],
                           optional: [String]) throws -> (inputs: Matrix, absent: [String]) {
        let file = try FileBytes(path: path)
        return try file.withBytes { bytes in
            var scanner = CSVScanner(bytes: bytes, count: file.count)
            let header = try scanner.readHeader(file: path)
            let absent = optional.filter { inputs.contains($0) && !header.contains($0) }
            let columns = try inputs.map { absent.contains($0) ? -1 : try header.index(of: $0, role: "input") }
            let positions = inputs.map { name in levels[name].map { Dictionary($0.enumerated().map { ($1, Double($0)) }, uniquingKeysWith: { a, _ in a }) } }
            var values: [Double] = []
            var rows = 0
            var fields: [FieldRange] = []
            while try scanner.nextRecord(into: &fields, file: path, header: header) {
                guard fields.count == header.names.count else {
                    throw scanner.raggedRow(file: path, header: header, found: fields.count)
                }
                for (k, column) in columns.enumerated() {
                    guard column >= 0 else { values.append(.nan); continue }
                    let field = fields[column]
                    if let positions = positions[k] {
                        let text = scanner.string(field)
                        guard let position = positions[text] else {
                            throw InputError(file: path, line: scanner.recordLine, column: inputs[k], kind: .invalidValue,
                                             "the level \(InputError.quoted(text)) of the factor \(InputError.quoted(inputs[k])) was not in the meta-train data (levels: \(InputError.list(levels[inputs[k]] ?? [])))")
                        }
                        values.append(position)
                        continue
                    }
                    let parsed = parseNumber(bytes, field.start, field.end)
                    guard case .value(let v) = parsed else {
                        throw scanner.numberError(parsed, field: field, file: path, column: inputs[k])
                    }
                    values.append(v)
                }
                rows += 1
            }
            return (try Matrix(rows: rows, columns: inputs.count, elements: values), absent)
        }
    }
}
