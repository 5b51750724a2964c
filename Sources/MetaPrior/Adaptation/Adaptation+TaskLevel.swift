// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// A new task's values of a formula prior's task-level columns (``TaskLevelColumns``), each as
/// the prior's inputs code it (a number, or a text column's level position), and where they
/// came from: its rows (constant within the task), `--descriptor`, a descriptors file, or under
/// `--no-descriptor` the meta-train average.
struct TaskLevelValues: Sendable {
    /// The task-level columns, in the prior's order.
    let names: [String]
    /// Their values for this task.
    let values: [Double]

    /// `inputs` (columns named by `inputNames`) with the task-level entries read as absent
    /// (NaN) set to the task's values. A row that gives its own value keeps it: the task's rows
    /// were checked against the task's values when it was resolved, and a query row may ask
    /// for the prediction at another z, as it could before these columns were recorded.
    func fill(_ inputs: Matrix, inputNames: [String]) -> Matrix {
        var filled = inputs
        for (name, value) in zip(names, values) {
            guard let k = inputNames.firstIndex(of: name) else { continue }
            for i in 0..<inputs.rows where inputs[i, k].isNaN { filled[i, k] = value }
        }
        return filled
    }

    /// A value as the user wrote it: a level's name for a text column.
    static func shown(_ value: Double, _ levels: [String]?) -> String {
        guard let levels, let k = Int(exactly: value), levels.indices.contains(k) else { return "\(significant(value, 10))" }
        return InputError.quoted(levels[k])
    }
}

extension TaskLevelValues {
    /// Reads a new task's rows for a prior that is not a classifier. A formula prior's
    /// task-level columns may be absent from them: their values then come from `descriptor`
    /// (``resolve(_:columns:task:inputNames:levels:hasDescriptors:dataFile:taskColumn:)``),
    /// and the task's inputs are filled with them.
    /// - Returns: the task, the digest of its file, its task-level values (`nil` for a prior
    ///   without task-level columns), what is left of `descriptor` for the prior's own
    ///   descriptors, and the warning of `--no-descriptor`.
    static func readTask(_ file: PriorFile, dataFile: String, target: String?, taskID: String?, descriptor: DescriptorInput?) throws
        -> (task: TaskData, digest: String, values: TaskLevelValues?, descriptor: DescriptorInput?, warning: String?) {
        let taskLevel = (file.prior as? any TaskLevelConditionedPrior)?.taskLevel
        let read = try MetaDataset.readTaskAndDigest(csv: dataFile, inputs: file.inputs, target: target ?? file.target,
                                                     taskColumn: file.taskColumn, taskID: taskID, levels: file.prior.inputLevels,
                                                     optional: taskLevel?.names ?? [])
        guard let taskLevel else { return (read.task, read.sourceDigest, nil, descriptor, nil) }
        let resolved = try resolve(descriptor, columns: taskLevel, task: read.task, inputNames: file.inputs,
                                   levels: file.prior.inputLevels,
                                   hasDescriptors: (file.prior as? any DescriptorConditionedPrior)?.descriptors != nil,
                                   dataFile: dataFile, taskColumn: file.taskColumn)
        let task = TaskData(id: read.task.id, inputs: resolved.values.fill(read.task.inputs, inputNames: file.inputs), targets: read.task.targets)
        return (task, read.sourceDigest, resolved.values, resolved.rest, resolved.warning)
    }

    /// The task-level values of a new task of a prior with task-level `columns`, and what is
    /// left of `input` for the prior's task descriptors (a generalised mixed prior fitted with
    /// `--descriptors` has both).
    /// - Parameters:
    ///   - task: the task's rows, with NaN in the columns its file lacks.
    ///   - inputNames: the prior's inputs (the task's columns).
    ///   - hasDescriptors: whether the prior also has descriptors (``DescriptorConditionedPrior``).
    /// - Throws: ``InputError`` as ``values(of:columns:inputNames:levels:given:average:source:dataFile:)``,
    ///   and for a text column given by number or a name that is neither a task-level column nor
    ///   a descriptor.
    static func resolve(_ input: DescriptorInput?, columns: TaskLevelColumns, task: TaskData, inputNames: [String],
                        levels: [String: [String]], hasDescriptors: Bool, dataFile: String,
                        taskColumn: String) throws -> (values: TaskLevelValues, rest: DescriptorInput?, warning: String?) {
        let names = columns.names
        var given: [String: Double] = [:], rest = input
        switch input {
        case .values(let pairs)?:
            for (name, value) in pairs where names.contains(name) {
                try refuseText(name, levels: levels, option: "--descriptor")
                given[name] = value
            }
            let others = pairs.filter { !names.contains($0.key) }
            if hasDescriptors {
                rest = .values(others)
            } else if let unknown = others.keys.sorted().first {
                throw InputError(column: "--descriptor", kind: .invalidValue, "the prior has no task-level column \(InputError.quoted(unknown)); its task-level columns are \(InputError.list(names))")
            } else {
                rest = nil
            }
        case .file(let path)?:
            let needed = names.filter { !givenByRows(task, column: inputNames.firstIndex(of: $0)!) }
            for name in needed { try refuseText(name, levels: levels, option: "--descriptors") }
            if !needed.isEmpty {
                let read = try DescriptorInput.readDescriptor(csv: path, task: task.id, taskColumn: taskColumn, names: needed)
                for (name, value) in zip(needed, read) { given[name] = value }
            }
            rest = hasDescriptors ? input : nil
        case .average?:
            rest = hasDescriptors ? .average : nil
        case nil:
            break
        }
        let resolved = try values(of: task, columns: columns, inputNames: inputNames, levels: levels, given: given,
                                  average: input == .average, source: .options, dataFile: dataFile)
        let averaged = resolved.averaged.map { (name: names[$0], text: "\(names[$0]) = \(significant(columns.means[$0] ?? .nan, 6))") }
        let warning = averaged.isEmpty ? nil
            : "warning: --no-descriptor: the shared terms take the task-level column\(averaged.count == 1 ? "" : "s") \(InputError.list(averaged.map(\.name))) at the meta-train average over tasks (\(averaged.map(\.text).joined(separator: ", "))), not at this task's value"
        return (resolved.values, rest, warning)
    }

    /// Where a task's task-level values come from besides its rows, for the messages.
    enum Source {
        /// `adapt` and `predict`: `--descriptor name=value,…` or `--descriptors file` for one new task.
        case options
        /// `evaluate`: each task's row of the descriptors file (`--descriptors`).
        case descriptorsFile
    }

    /// The task-level values of one task: from its rows (where they carry the column, it must be
    /// constant within the task), else from `given`, else under `average` from the meta-train
    /// average of a numeric column. `adapt`, `predict` and `evaluate` all resolve through here.
    /// - Parameters:
    ///   - task: the task's rows; a column the rows do not give is NaN on every row.
    ///   - columns: the task-level columns with their meta-train averages.
    ///   - inputNames: the task's input columns.
    ///   - levels: the text columns' levels (a text column has no average).
    ///   - given: values from the options or the descriptors file, by name.
    ///   - average: `--no-descriptor`.
    ///   - source: where `given` came from, for the messages.
    ///   - dataFile: the rows' file, for the messages.
    /// - Returns: the values, and the positions in `columns` of those taken at the average.
    /// - Throws: ``InputError`` for a column that varies within the task (naming the task and the
    ///   column), a value in `given` that differs from the rows', a text column left to
    ///   `--no-descriptor`, or a column with no value and no `average`.
    static func values(of task: TaskData, columns: TaskLevelColumns, inputNames: [String], levels: [String: [String]],
                       given: [String: Double], average: Bool, source: Source,
                       dataFile: String) throws -> (values: TaskLevelValues, averaged: [Int]) {
        let names = columns.names
        let subject = source == .options ? "the new task" : "the task \(InputError.quoted(task.id))"
        var values: [Double] = [], averaged: [Int] = [], missing: [String] = []
        for (j, name) in names.enumerated() {
            let k = inputNames.firstIndex(of: name)!
            var fromRows: Double?
            if givenByRows(task, column: k) {
                let first = task.inputs[0, k]
                for i in 1..<task.count where !(task.inputs[i, k] == first) {
                    throw InputError(file: dataFile, column: name, kind: .invalidValue,
                                     "the task-level column \(InputError.quoted(name)) varies within the task \(InputError.quoted(task.id)) (\(shown(first, levels[name])) on its first row, \(shown(task.inputs[i, k], levels[name])) on row \(i + 1)); the prior was fitted with one value per task")
                }
                fromRows = first
            }
            if let row = fromRows, let other = given[name], row != other {
                let option = source == .options ? "the options give" : "its row of the descriptors file (--descriptors) gives"
                throw InputError(file: dataFile, column: name, kind: .invalidValue,
                                 "the rows of the task \(InputError.quoted(task.id)) give the task-level column \(InputError.quoted(name)) the value \(shown(row, levels[name])), but \(option) \(shown(other, levels[name])); give it once")
            }
            if let value = fromRows ?? given[name] {
                values.append(value)
            } else if average, let mean = columns.means[j] {
                values.append(mean)
                averaged.append(j)
            } else {
                if average { try refuseText(name, levels: levels, option: "--no-descriptor") }
                missing.append(name)
            }
        }
        guard missing.isEmpty else {
            let numeric = missing.filter { levels[$0] == nil }
            let how: String
            switch source {
            case .options:
                how = numeric.isEmpty ? "a column of its rows" : "its rows, --descriptor \(numeric.map { "\($0)=…" }.joined(separator: ",")), or --no-descriptor for the meta-train average"
            case .descriptorsFile:
                how = numeric.isEmpty ? "a column of the data" : "a column of the data, in the descriptors file (--descriptors), or --no-descriptor for the meta-train average"
            }
            throw InputError(file: dataFile, column: missing[0], kind: .missingColumn,
                             "\(subject) has no value for the task-level column\(missing.count == 1 ? "" : "s") \(InputError.list(missing)) (constant within every meta-train task, and read by the formula's shared terms); give \(missing.count == 1 ? "it" : "them") in \(how)")
        }
        return (TaskLevelValues(names: names, values: values), averaged)
    }

    /// Whether the task's rows carry the input column `k` (a column its file lacks is NaN on
    /// every row; a task with no rows gives nothing).
    static func givenByRows(_ task: TaskData, column k: Int) -> Bool {
        (0..<task.count).contains { !task.inputs[$0, k].isNaN }
    }

    /// Throws for a text (factor) task-level column given by `option`, which takes numbers.
    static func refuseText(_ name: String, levels: [String: [String]], option: String) throws {
        guard levels[name] != nil else { return }
        throw InputError(column: option, kind: .invalidValue,
                         "the task-level column \(InputError.quoted(name)) holds text (a factor): \(option) takes numbers, so give the task's level in a \(InputError.quoted(name)) column of its rows")
    }
}
