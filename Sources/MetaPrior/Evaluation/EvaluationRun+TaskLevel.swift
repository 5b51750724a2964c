// SPDX-License-Identifier: GPL-3.0-or-later

/// A formula prior's task-level columns in `evaluate`: each scored task gives them on its rows
/// (constant within the task), in its row of the descriptors file, or under `--no-descriptor`
/// takes the meta-train average — as a new task does in `adapt` (``TaskLevelValues``), and with
/// the same refusals, naming the task and the column.
extension EvaluationRun {
    /// Reads the tasks to score for `priors` from `path` with ``readOptions(_:for:)``, except
    /// that the priors' task-level columns may be absent from the file: every row then has NaN
    /// there, for the run to fill from the descriptors or the meta-train average. A column
    /// missing from the file for a prior written before task-level columns were recorded is
    /// refused with a hint to refit (``PriorFile/explainingMissingColumn(_:priorPath:)``).
    public static func readDataset(csv path: String, options: CSVReadOptions, for priors: [LoadedPrior]) throws -> MetaDataset {
        let optional = taskLevelRecords(priors).flatMap(\.columns.names)
        do {
            return try MetaDataset.read(csv: path, options: readOptions(options, for: priors), optional: optional)
        } catch let error as InputError {
            throw hinted(error, priors: priors)
        }
    }

    /// `error` with the first prior's hint about task-level columns, if any gives one.
    static func hinted(_ error: InputError, priors: [LoadedPrior]) -> InputError {
        for prior in priors {
            let hinted = prior.file.explainingMissingColumn(error, priorPath: prior.path)
            if hinted != error { return hinted }
        }
        return error
    }

    /// The priors that record task-level columns, with them.
    static func taskLevelRecords(_ priors: [LoadedPrior]) -> [(prior: LoadedPrior, columns: TaskLevelColumns)] {
        priors.compactMap { prior in (prior.file.prior as? any TaskLevelConditionedPrior)?.taskLevel.map { (prior, $0) } }
    }

    /// Refuses descriptors (`--descriptors`) that no prior reads: neither a prior's task
    /// descriptors nor a task-level column of its formula. Reading them and scoring as if
    /// they had been used would mislead.
    static func checkDescriptorsAreRead(_ dataset: MetaDataset, priors: [LoadedPrior]) throws {
        guard !dataset.descriptorNames.isEmpty else { return }
        var read = Set(taskLevelRecords(priors).flatMap(\.columns.names))
        for prior in priors {
            if let fit = (prior.file.prior as? any DescriptorConditionedPrior)?.descriptors { read.formUnion(fit.columnNames.dropFirst()) }
        }
        guard !dataset.descriptorNames.contains(where: read.contains) else { return }
        let old = priors.filter { ($0.file.prior as? any TaskLevelConditionedPrior)?.predatesTaskLevelRecord ?? false }.map(\.path)
        let hint = old.isEmpty ? ""
            : "; \(InputError.list(old)) \(old.count == 1 ? "was" : "were") written before metaprior recorded a formula's task-level columns: refit to give them by --descriptors"
        throw InputError(column: "--descriptors", kind: .invalidValue,
                         "no prior compared reads the descriptors \(InputError.list(dataset.descriptorNames)): they are neither a prior's task descriptors (fit --descriptors) nor a task-level column of its formula (one value per task)\(hint)")
    }

    /// The tasks with the priors' task-level columns filled in where their rows lack them: from
    /// the task's row of the descriptors (by column name), or under `noDescriptor` from the
    /// meta-train average, with one warning per column saying in how many tasks.
    /// - Throws: ``InputError`` naming the task and the column (``TaskLevelValues/values(of:columns:inputNames:levels:given:average:source:dataFile:)``),
    ///   a text column in the descriptors, or an average that the priors compared record differently.
    static func fillTaskLevelColumns(_ dataset: MetaDataset, priors: [LoadedPrior], noDescriptor: Bool, dataFile: String,
                                     warnings: inout [String]) throws -> MetaDataset {
        let records = taskLevelRecords(priors)
        guard let first = records.first else { return dataset }
        // The columns of every prior, each with the first average recorded for it; priors that
        // record another average for it are noted, for a task that would need it.
        var names: [String] = [], means: [Double?] = [], disagree: [String: String] = [:]
        for (prior, columns) in records {
            for (name, mean) in zip(columns.names, columns.means) {
                guard let j = names.firstIndex(of: name) else { names.append(name); means.append(mean); continue }
                if means[j] != mean && disagree[name] == nil {
                    disagree[name] = "\(first.prior.path) and \(prior.path) record different meta-train averages of \(InputError.quoted(name))"
                }
            }
        }
        let levels = first.prior.file.prior.inputLevels
        if let absent = names.first(where: { !dataset.inputNames.contains($0) }) {
            throw hinted(InputError(file: dataFile, column: absent, kind: .missingColumn,
                                    "the tasks have no column \(InputError.quoted(absent)), a task-level column of the priors' formula"), priors: priors)
        }
        let columns = try TaskLevelColumns(names: names, means: means, inputs: dataset.inputNames, textColumns: Set(levels.keys))
        if let text = names.first(where: { levels[$0] != nil && dataset.descriptorNames.contains($0) }) {
            try TaskLevelValues.refuseText(text, levels: levels, option: "--descriptors")
        }
        let given = names.map { dataset.descriptorNames.firstIndex(of: $0) }
        var filled = dataset, averagedTasks = [Int](repeating: 0, count: names.count)
        for (t, task) in dataset.tasks.enumerated() {
            var values: [String: Double] = [:]
            if let z = task.descriptor {
                for (name, k) in zip(names, given) { if let k { values[name] = z[k] } }
            }
            let resolved = try TaskLevelValues.values(of: task, columns: columns, inputNames: dataset.inputNames, levels: levels,
                                                      given: values, average: noDescriptor, source: .descriptorsFile, dataFile: dataFile)
            for j in resolved.averaged {
                if let clash = disagree[names[j]] {
                    throw InputError(column: "--no-descriptor", kind: .invalidValue,
                                     "the task \(InputError.quoted(task.id)) has no value for \(InputError.quoted(names[j])), and \(clash); give its value, or score the priors one at a time")
                }
                averagedTasks[j] += 1
            }
            filled.tasks[t].inputs = resolved.values.fill(task.inputs, inputNames: dataset.inputNames)
        }
        for (j, count) in averagedTasks.enumerated() where count > 0 {
            warnings.append("--no-descriptor: the shared terms take the task-level column \(names[j]) at the meta-train average over tasks (\(names[j]) = \(significant(means[j] ?? .nan, 6))) in \(count) of the \(dataset.tasks.count) tasks scored, which do not give it")
        }
        return filled
    }

    /// Under `--no-descriptor`, a prior fitted with task descriptors is scored at its average
    /// meta-train descriptor, with a warning; other priors are scored as they are.
    static func scoredPrior(_ prior: LoadedPrior, noDescriptor: Bool, warnings: inout [String]) -> any TaskPrior {
        guard noDescriptor, let conditioned = prior.file.prior as? any DescriptorConditionedPrior, let fit = conditioned.descriptors else {
            return prior.file.prior
        }
        let z = zip(fit.columnNames.dropFirst(), fit.meanDescriptor.dropFirst()).map { "\($0) = \(significant($1, 6))" }
        warnings.append("\(prior.path): --no-descriptor: the prior mean is taken at the average meta-train descriptor (\(z.joined(separator: ", "))) for every task, not at each task's")
        return conditioned.averageDescriptorPrior
    }
}
