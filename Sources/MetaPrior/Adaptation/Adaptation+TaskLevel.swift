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
    /// (``resolve(_:columns:task:absent:inputNames:levels:hasDescriptors:dataFile:taskColumn:)``),
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
        let resolved = try resolve(descriptor, columns: taskLevel, task: read.task, absent: read.absent, inputNames: file.inputs,
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
    ///   - task: the task's rows, with NaN in the columns `absent` from its file.
    ///   - inputNames: the prior's inputs (the task's columns).
    ///   - hasDescriptors: whether the prior also has descriptors (``DescriptorConditionedPrior``).
    /// - Throws: ``InputError`` for a task-level column that varies within the task, a value
    ///   from the options that differs from the rows', a text column given by number or left to
    ///   `--no-descriptor`, a name that is neither a task-level column nor a descriptor, or a
    ///   column with no value and no `--no-descriptor`.
    static func resolve(_ input: DescriptorInput?, columns: TaskLevelColumns, task: TaskData, absent: [String], inputNames: [String],
                        levels: [String: [String]], hasDescriptors: Bool, dataFile: String,
                        taskColumn: String) throws -> (values: TaskLevelValues, rest: DescriptorInput?, warning: String?) {
        let names = columns.names
        var fromRows: [String: Double] = [:]
        for name in names where !absent.contains(name) && task.count > 0 {
            let k = inputNames.firstIndex(of: name)!, first = task.inputs[0, k]
            for i in 1..<task.count where task.inputs[i, k] != first {
                throw InputError(file: dataFile, column: name, kind: .invalidValue,
                                 "the task-level column \(InputError.quoted(name)) varies within the task \(InputError.quoted(task.id)) (\(shown(first, levels[name])) on its first row, \(shown(task.inputs[i, k], levels[name])) on row \(i + 1)); the prior was fitted with one value per task")
            }
            fromRows[name] = first
        }
        func refuseText(_ name: String, _ how: String) throws {
            guard levels[name] != nil else { return }
            throw InputError(column: how, kind: .invalidValue,
                             "the task-level column \(InputError.quoted(name)) holds text (a factor): \(how) takes numbers, so give the task's level in a \(InputError.quoted(name)) column of its rows")
        }
        var given: [String: Double] = [:], rest = input
        switch input {
        case .values(let pairs)?:
            for (name, value) in pairs where names.contains(name) {
                try refuseText(name, "--descriptor")
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
            let needed = names.filter { fromRows[$0] == nil }
            for name in needed { try refuseText(name, "--descriptors") }
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
        for name in names {
            if let row = fromRows[name], let option = given[name], row != option {
                throw InputError(file: dataFile, column: name, kind: .invalidValue,
                                 "the task's rows give the task-level column \(InputError.quoted(name)) the value \(shown(row, levels[name])), but the options give \(shown(option, levels[name])); give it once")
            }
        }
        var values: [Double] = [], averaged: [(name: String, text: String)] = [], missing: [String] = []
        for (j, name) in names.enumerated() {
            if let value = fromRows[name] ?? given[name] {
                values.append(value)
            } else if input == .average, let mean = columns.means[j] {
                values.append(mean)
                averaged.append((name, "\(name) = \(significant(mean, 6))"))
            } else {
                if input == .average { try refuseText(name, "--no-descriptor") }
                missing.append(name)
            }
        }
        guard missing.isEmpty else {
            let numeric = missing.filter { levels[$0] == nil }
            let how = numeric.isEmpty ? "a column of its rows" : "its rows, --descriptor \(numeric.map { "\($0)=…" }.joined(separator: ",")), or --no-descriptor for the meta-train average"
            throw InputError(file: dataFile, column: missing[0], kind: .missingColumn,
                             "the new task has no value for the task-level column\(missing.count == 1 ? "" : "s") \(InputError.list(missing)) (constant within every meta-train task, and read by the formula's shared terms); give \(missing.count == 1 ? "it" : "them") in \(how)")
        }
        let warning = averaged.isEmpty ? nil
            : "warning: --no-descriptor: the shared terms take the task-level column\(averaged.count == 1 ? "" : "s") \(InputError.list(averaged.map(\.name))) at the meta-train average over tasks (\(averaged.map(\.text).joined(separator: ", "))), not at this task's value"
        return (TaskLevelValues(names: names, values: values), rest, warning)
    }
}
