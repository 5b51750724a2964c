// SPDX-License-Identifier: GPL-3.0-or-later

/// The columns a parse uses, resolved against the header: which column holds the task, which
/// the inputs and targets, and (optionally) which each task's weight.
///
/// Resolved once per file, before any row is read, so a wrong column name fails at once with
/// the list of columns the file does have.
struct ColumnPlan {
    /// The task column, or `nil` when every row belongs to one task (multi-label format
    /// without a task column, or ``CSVReadOptions/taskColumnIsOptional``).
    var task: Int?
    var targets: [Int]
    var features: [Int]
    /// The task-weight column (``CSVReadOptions/taskWeightColumn``), read as a number after
    /// the targets.
    var weight: Int?
    var classification: Bool
    var targetName: String
    /// Rows with a missing value in a used column are dropped (``MissingValueAction/omit``).
    var omitsMissing: Bool
    /// Per input position, the levels of a text input (``CSVReadOptions/inputLevels``) and
    /// the number each stands for.
    var levels: [Int: [String: Double]] = [:]

    /// Numbers stored per row after the inputs: the targets, then the weight if there is one.
    var storedAfterInputs: Int { targets.count + (weight == nil ? 0 : 1) }

    init(_ header: CSVHeader, _ options: CSVReadOptions) throws {
        let task = try Self.taskColumn(header, options)
        let targetNames = try Self.targetNames(header, options)
        let targets = try targetNames.map { try header.index(of: $0, role: "target") }
        if let task, targets.contains(task) {
            throw InputError(file: header.file, line: header.line, column: header.names[task], kind: .invalidValue,
                             "the task column cannot also be the target")
        }
        self.task = task
        self.targets = targets
        features = try Self.features(header, options, task: task, targets: targets)
        weight = try options.taskWeightColumn.map { try Self.weightColumn($0, header, task: task, targets: targets) }
        switch options.kind {
        case .regression: classification = false
        case .classification: classification = true
        case .automatic: classification = targetNames.allSatisfy { $0 == "label" || $0 == "class" }
        }
        targetName = options.targetColumns != nil ? (classification ? "label" : "y") : targetNames[0]
        omitsMissing = options.missingValues == .omit
        for (k, c) in features.enumerated() {
            guard let names = options.inputLevels[header.names[c]] else { continue }
            levels[k] = Dictionary(names.enumerated().map { ($1, Double($0)) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The task column: required in long format, used when present in multi-label format or
    /// when the options call it optional.
    private static func taskColumn(_ header: CSVHeader, _ options: CSVReadOptions) throws -> Int? {
        let multiLabel = options.targetColumns != nil
        let taskName = options.taskColumn ?? "task"
        if options.taskColumnIsOptional && !header.contains(taskName) { return nil }
        guard !multiLabel || options.taskColumn != nil || header.contains(taskName) else { return nil }
        return try header.index(of: taskName, role: "task")
    }

    /// The target column names: the ones given, else `y`, else `label`.
    private static func targetNames(_ header: CSVHeader, _ options: CSVReadOptions) throws -> [String] {
        let names: [String]
        if let many = options.targetColumns {
            guard !many.isEmpty else {
                throw InputError(file: header.file, line: header.line, column: "--targets", kind: .missingColumn, "give at least one target column")
            }
            names = many
        } else if let one = options.targetColumn {
            names = [one]
        } else if header.contains("y") {
            names = ["y"]
        } else if header.contains("label") {
            names = ["label"]
        } else {
            throw InputError(file: header.file, line: header.line, column: "y", kind: .missingColumn,
                             "no target column (neither 'y' nor 'label'; name one with --target); the columns are: \(InputError.list(header.names))")
        }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw InputError(file: header.file, line: header.line, column: name, kind: .duplicate, "named twice as a target")
        }
        return names
    }

    /// The input columns: the ones given (each checked), else every column that is not the
    /// task, a target or the weight.
    private static func features(_ header: CSVHeader, _ options: CSVReadOptions, task: Int?, targets: [Int]) throws -> [Int] {
        guard let names = options.featureColumns else {
            let weightName = options.taskWeightColumn
            return header.names.indices.filter { $0 != task && !targets.contains($0) && header.names[$0] != weightName && $0 != header.rowIndex }
        }
        var features: [Int] = []
        var used = Set<String>()
        for name in names {
            let index = try header.index(of: name, role: "feature")
            try checkNotTaskOrTarget(index, name: name, header, task: task, targets: targets)
            if !used.insert(name).inserted {
                throw InputError(file: header.file, line: header.line, column: name, kind: .duplicate, "named twice as a feature")
            }
            features.append(index)
        }
        return features
    }

    /// The task-weight column. Looked up and checked as an input column would be (with the
    /// same messages): it was read as one, before the reader had this option.
    private static func weightColumn(_ name: String, _ header: CSVHeader, task: Int?, targets: [Int]) throws -> Int {
        let index = try header.index(of: name, role: "feature")
        try checkNotTaskOrTarget(index, name: name, header, task: task, targets: targets)
        return index
    }

    private static func checkNotTaskOrTarget(_ index: Int, name: String, _ header: CSVHeader, task: Int?, targets: [Int]) throws {
        if index == task {
            throw InputError(file: header.file, line: header.line, column: name, kind: .invalidValue, "the task column cannot be a feature")
        }
        if targets.contains(index) {
            throw InputError(file: header.file, line: header.line, column: name, kind: .invalidValue, "a target column cannot be a feature")
        }
    }
}
