// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension MetaDataset {
    /// Task positions sorted by identifier (byte order of UTF-8): the canonical order used by
    /// the episode sampler and the splits, so results do not depend on the order of the file.
    public var canonicalTaskOrder: [Int] {
        tasks.indices.sorted { tasks[$0].id.utf8.lexicographicallyPrecedes(tasks[$1].id.utf8) }
    }

    /// The position of the task with identifier `id`.
    public func taskIndex(id: String) -> Int? { tasks.firstIndex { $0.id == id } }

    /// The identifiers of all tasks, in data set order.
    public var taskIDs: [String] { tasks.map(\.id) }

    /// A data set of only the tasks with these identifiers, in data set order.
    /// - Throws: ``InputError`` naming the first identifier that is not a task.
    public func subset(ids: [String]) throws -> MetaDataset {
        let wanted = Set(ids)
        let known = Set(tasks.map(\.id))
        if let unknown = ids.first(where: { !known.contains($0) }) {
            throw InputError(column: taskColumn, "no task \(InputError.quoted(unknown)) in the data")
        }
        var copy = self
        copy.tasks = tasks.filter { wanted.contains($0.id) }
        return copy
    }

    /// The data set with one-hot task descriptors: z_i = e_k where k is the rank of the
    /// task's identifier in ``canonicalTaskOrder``; descriptor names are `task=<id>`.
    public func withOneHotDescriptors() -> MetaDataset {
        var copy = self
        let order = canonicalTaskOrder
        copy.descriptorNames = order.map { "\(taskColumn)=\(tasks[$0].id)" }
        for (rank, index) in order.enumerated() {
            var z = Array(repeating: 0.0, count: tasks.count)
            z[rank] = 1
            copy.tasks[index].descriptor = z
        }
        return copy
    }

    /// Multi-label → multi-task: one table of inputs with several target columns that share
    /// them becomes one task per target column (identifier = the column name).
    /// - Throws: ``InputError`` if `targets` does not have one row per input row and one
    ///   column per target name.
    public static func multiTask(inputs: Matrix, inputNames: [String], targets: Matrix, targetNames: [String],
                                 kind: TargetKind = .regression) throws -> MetaDataset {
        guard targets.rows == inputs.rows, targets.columns == targetNames.count, inputs.columns == inputNames.count else {
            throw InputError("multi-label table: \(inputs.rows)×\(inputs.columns) inputs with \(inputNames.count) names, \(targets.rows)×\(targets.columns) targets with \(targetNames.count) names")
        }
        let tasks = targetNames.enumerated().map { k, name in
            TaskData(id: name, inputs: inputs, targets: (0..<targets.rows).map { targets[$0, k] })
        }
        return MetaDataset(inputNames: inputNames, targetName: kind == .regression ? "y" : "label", taskColumn: "task", kind: kind, tasks: tasks)
    }

    /// The classes present in a task, as class indices, sorted, each with its row positions.
    public func rowsByClass(of task: TaskData) -> [(label: Int, rows: [Int])] {
        var groups: [Int: [Int]] = [:]
        for (row, y) in task.targets.enumerated() { groups[Int(y), default: []].append(row) }
        return groups.keys.sorted().map { ($0, groups[$0]!) }
    }

    /// The CSV text of the data set in long format (`task`, inputs, target; class names for
    /// classification), tasks in data set order; the inverse of ``read(csv:options:)``.
    public func csvBytes() -> [UInt8] {
        var writer = CSVWriter(capacity: observationCount * (inputNames.count + 2) * 12)
        writer.row([taskColumn] + inputNames + [targetName])
        let names = classNames
        for task in tasks {
            for i in 0..<task.count {
                writer.field(task.id)
                for j in 0..<task.inputs.columns { writer.field(task.inputs[i, j]) }
                if let names { writer.field(names[Int(task.targets[i])]) } else { writer.field(task.targets[i]) }
                writer.endRow()
            }
        }
        return writer.bytes
    }
}
