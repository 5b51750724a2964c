// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// How a new task gives its descriptor z to a prior whose mean is μ = B z̃
/// (``DescriptorConditionedPrior``: the linear-Gaussian and the generalised mixed priors).
public enum DescriptorInput: Sendable, Equatable {
    /// The values by name (`--descriptor name=value,…`).
    case values([String: Double])
    /// A descriptors CSV keyed by the task column, as `fit --descriptors` reads
    /// (`--descriptors file.csv`): the row of the new task's id is used.
    case file(String)
    /// No z: the prior at the average meta-train descriptor, with a warning (`--no-descriptor`).
    case average

    /// The prior the new task is adapted under, and a warning when it is the average one.
    /// - Throws: ``InputError`` when the prior needs a z and none is given (naming the missing
    ///   columns), a z is given to a prior without descriptors, a name is unknown or missing,
    ///   or the file has no row for the task.
    static func resolve(_ input: DescriptorInput?, prior: any TaskPrior, task: String, taskColumn: String) throws -> (prior: any TaskPrior, warning: String?) {
        guard let conditioned = prior as? any DescriptorConditionedPrior, let fit = conditioned.descriptors else {
            if let input, input != .average {
                let formula = prior is any TaskLevelConditionedPrior
                    ? " and its formula has no task-level columns (columns constant within every meta-train task)" : ""
                throw InputError(column: "--descriptor", kind: .invalidValue, "the prior (\(prior.model)) was fitted without task descriptors\(formula), so it takes none")
            }
            return (prior, nil)
        }
        let names = Array(fit.columnNames.dropFirst())
        switch input {
        case nil:
            try conditioned.refuseUnconditioned()
            return (prior, nil)
        case .average:
            let z = fit.meanDescriptor.dropFirst().map { significant($0, 6) }
            return (conditioned.averageDescriptorPrior,
                    "warning: --no-descriptor: the prior mean is taken at the average meta-train descriptor (\(zip(names, z).map { "\($0) = \($1)" }.joined(separator: ", "))), not at this task's")
        case .values(let given):
            if let unknown = given.keys.sorted().first(where: { !names.contains($0) }) {
                throw InputError(column: "--descriptor", kind: .invalidValue, "the prior has no descriptor \(InputError.quoted(unknown)); its descriptors are \(InputError.list(names))")
            }
            let missing = names.filter { given[$0] == nil }
            guard missing.isEmpty else {
                throw InputError(column: "--descriptor", kind: .invalidValue, "the new task has no value for the descriptor\(missing.count == 1 ? "" : "s") \(InputError.list(missing)); give every one of \(InputError.list(names)), or --no-descriptor")
            }
            return (try conditioned.descriptorConditioned(on: names.map { given[$0]! }), nil)
        case .file(let path):
            return (try conditioned.descriptorConditioned(on: try readDescriptor(csv: path, task: task, taskColumn: taskColumn, names: names)), nil)
        }
    }

    /// The named descriptor values of `task` in the CSV at `path` (keyed by `taskColumn`).
    static func readDescriptor(csv path: String, task: String, taskColumn: String, names: [String]) throws -> [Double] {
        let file = try FileBytes(path: path)
        return try file.withBytes { bytes in
            var scanner = CSVScanner(bytes: bytes, count: file.count)
            let header = try scanner.readHeader(file: path)
            let taskIndex = try header.index(of: taskColumn, role: "task")
            let columns = try names.map { try header.index(of: $0, role: "descriptor") }
            var fields: [FieldRange] = []
            while try scanner.nextRecord(into: &fields, file: path, header: header) {
                guard fields.count == header.names.count else { throw scanner.raggedRow(file: path, header: header, found: fields.count) }
                guard scanner.string(fields[taskIndex]) == task else { continue }
                return try columns.map { c in
                    let parsed = parseNumber(bytes, fields[c].start, fields[c].end)
                    guard case .value(let v) = parsed else { throw scanner.numberError(parsed, field: fields[c], file: path, column: header.names[c]) }
                    return v
                }
            }
            throw InputError(file: path, column: taskColumn, "no descriptor row for the new task \(InputError.quoted(task)); add one, or give --descriptor name=value,… or --no-descriptor")
        }
    }
}
