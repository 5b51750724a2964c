// SPDX-License-Identifier: GPL-3.0-or-later

/// The columns of a formula that are task-level: constant within every meta-train task (a
/// subject's sex, a site's altitude, a task descriptor z written on every row of its task).
///
/// A formula such as `y ~ x * z + (x | task)` with z task-level is the descriptor-conditioned
/// prior mean μ_i = B z̃_i written as lme4 writes it: the fixed-effect terms involving z move
/// the prior mean of task i. A prior records these columns so that a new task can give its z
/// without carrying it on every row (`adapt --descriptor z=…`), and so that `--no-descriptor`
/// can stand the meta-train average of z in for a z that is not known.
///
/// A fit records them even when there are none (``isEmpty``): a formula prior with no record at
/// all was written before metaprior recorded them, which is worth saying when a new task
/// lacks one of the formula's columns (``PriorFile/explainingMissingColumn(_:priorPath:)``).
public struct TaskLevelColumns: Sendable, Equatable {
    /// The task-level columns, in the formula's order of its input columns.
    public let names: [String]
    /// Per name, the average of the column over the meta-train tasks (each task counted once),
    /// or `nil` for a text column (a factor has no average).
    public let means: [Double?]

    /// The record of a fit in which no column was task-level.
    public static let empty = TaskLevelColumns(checkedNames: [], means: [])

    /// Whether no column was task-level.
    public var isEmpty: Bool { names.isEmpty }

    private init(checkedNames names: [String], means: [Double?]) {
        self.names = names
        self.means = means
    }

    /// Task-level columns from their parts, as a prior file stores them.
    /// - Parameters:
    ///   - names: `task_level_columns`.
    ///   - means: `task_level_means`, one per name: a finite number for a numeric column, `null`
    ///     for a text one.
    ///   - inputs: the formula's input columns; every name must be one of them.
    ///   - textColumns: the text columns (those with `input_levels`).
    /// - Throws: ``InputError`` naming the key: an unknown or repeated name, or means that do not
    ///   match the names.
    public init(names: [String], means: [Double?], inputs: [String], textColumns: Set<String>) throws {
        var seen: Set<String> = []
        for name in names {
            guard inputs.contains(name) else {
                throw InputError(column: "task_level_columns", kind: .inconsistent, "names \(InputError.quoted(name)), which is not a column of the formula (its columns: \(InputError.list(inputs)))")
            }
            guard seen.insert(name).inserted else {
                throw InputError(column: "task_level_columns", kind: .invalidValue, "names \(InputError.quoted(name)) twice")
            }
        }
        guard means.count == names.count else {
            throw InputError(column: "task_level_means", kind: .inconsistent, "has \(means.count) entries for \(names.count) task-level columns; the file is inconsistent")
        }
        for (name, mean) in zip(names, means) {
            if textColumns.contains(name) {
                guard mean == nil else {
                    throw InputError(column: "task_level_means", kind: .invalidValue, "gives a number for the text column \(InputError.quoted(name)); a factor has no average (null)")
                }
            } else {
                guard let mean, mean.isFinite else {
                    throw InputError(column: "task_level_means", kind: .invalidValue, "must give a finite number for the numeric column \(InputError.quoted(name))")
                }
            }
        }
        self.names = names
        self.means = means
    }

    /// The task-level columns of a formula's frame: the formula's input columns whose value is
    /// the same on every row of each task, with their averages over tasks. Tasks of one row say
    /// nothing, so a column is task-level only when some task has two rows or more; ``empty``
    /// when no column is.
    public init(_ frame: FormulaFrame) {
        var names: [String] = [], means: [Double?] = []
        guard frame.rowsOfTask.contains(where: { $0.count >= 2 }) else { self = .empty; return }
        for name in frame.formula.inputColumns {
            switch frame.columns[name] {
            case .numeric(let values)?:
                guard frame.rowsOfTask.allSatisfy({ rows in rows.allSatisfy { values[$0] == values[rows[0]] } }) else { continue }
                names.append(name)
                // Each task once, in order of first appearance: the same sum on every machine.
                means.append(frame.rowsOfTask.reduce(0.0) { $0 + values[$1[0]] } / Double(frame.rowsOfTask.count))
            case .text(let values)?:
                guard frame.rowsOfTask.allSatisfy({ rows in rows.allSatisfy { values[$0] == values[rows[0]] } }) else { continue }
                names.append(name)
                means.append(nil)
            case nil:
                continue
            }
        }
        self.init(checkedNames: names, means: means)
    }
}

extension TaskLevelColumns {
    /// Writes `task_level_columns` and `task_level_means`: empty arrays for ``empty`` (the fit
    /// recorded that no column is task-level), nothing when `columns` is `nil` (a prior read
    /// from a file written before they were recorded is written back without them).
    static func encode<Key: CodingKey>(_ columns: TaskLevelColumns?, into container: inout KeyedEncodingContainer<Key>,
                                       names: Key, means: Key) throws {
        guard let columns else { return }
        try container.encode(columns.names, forKey: names)
        try container.encode(columns.means, forKey: means)
    }

    /// Reads and validates `task_level_columns` and `task_level_means`: `nil` when the file has
    /// neither (a file written before they existed), ``empty`` when both are empty.
    /// - Throws: ``InputError`` as ``init(names:means:inputs:textColumns:)``, or for one key
    ///   without the other; `DecodingError` for a key of the wrong type.
    static func decode<Key: CodingKey>(from container: KeyedDecodingContainer<Key>, names: Key, means: Key,
                                       formula: ModelFormula, levels: [String: [String]]) throws -> TaskLevelColumns? {
        let listed = try container.decodeIfPresent([String].self, forKey: names)
        let averages = try container.decodeIfPresent([Double?].self, forKey: means)
        guard let listed else {
            guard averages == nil else {
                throw InputError(column: "task_level_means", kind: .inconsistent, "is given without task_level_columns; the file is inconsistent")
            }
            return nil
        }
        guard let averages else {
            throw InputError(column: "task_level_columns", kind: .inconsistent, "is given without task_level_means; the file is inconsistent")
        }
        if listed.isEmpty && averages.isEmpty { return TaskLevelColumns.empty }
        return try TaskLevelColumns(names: listed, means: averages, inputs: formula.inputColumns, textColumns: Set(levels.keys))
    }
}
