// SPDX-License-Identifier: GPL-3.0-or-later

extension MetaDataset {
    /// Reads a meta-dataset from a long-format CSV file (or standard input for `-`), and the
    /// task descriptors from ``CSVReadOptions/descriptorsPath`` if given.
    ///
    /// One row per observation; rows of a task need not be contiguous; task identifiers are
    /// strings. Tasks are kept in order of first appearance.
    /// - Throws: ``InputError`` naming the file, line and column of the first problem: a
    ///   missing file, a missing or duplicated column, a ragged row, a value that is not a
    ///   finite number, an empty file, a file with no rows, a descriptor row for an unknown
    ///   task or a task with no descriptor.
    public static func read(csv path: String, options: CSVReadOptions = CSVReadOptions()) throws -> MetaDataset {
        try read(csv: path, options: options, checkHeader: nil)
    }

    /// Parses CSV text already in memory; `name` stands for the file in error messages.
    /// Descriptors, if wanted, are read from ``CSVReadOptions/descriptorsPath``.
    public static func parse(csv bytes: [UInt8], name: String = "<input>", options: CSVReadOptions = CSVReadOptions()) throws -> MetaDataset {
        try checkWeightColumn(options)
        return try load(FileBytes(bytes), file: name, options: options, checkHeader: nil)
    }

    /// ``read(csv:options:)`` with `checkHeader` called on the header before any row is read
    /// (for callers with their own rules about which columns must be there).
    static func read(csv path: String, options: CSVReadOptions, checkHeader: ((CSVHeader) throws -> Void)?) throws -> MetaDataset {
        try checkWeightColumn(options)
        return try load(try FileBytes(path: path), file: path, options: options, checkHeader: checkHeader)
    }

    /// Parses the bytes, then adds what the options ask for from the same bytes (the digest)
    /// and from elsewhere (descriptors), then the task weights.
    static func load(_ bytes: FileBytes, file: String, options: CSVReadOptions,
                             checkHeader: ((CSVHeader) throws -> Void)?) throws -> MetaDataset {
        // The digest is one sequential pass over the bytes: made on a thread of its own while
        // the parse runs, rather than after it on the critical path.
        let digest = options.recordsSourceDigest ? SourceDigestJob(bytes) : nil
        let table: ParsedTable
        do {
            table = try bytes.withBytes {
                try parseTable($0, count: bytes.count, file: file, options: options, checkHeader: checkHeader)
            }
        } catch {
            // No work on the bytes may outlive the read: a digest still running after the
            // error was thrown read a mapped file the caller had since rewritten, and died of
            // SIGBUS (found by the adapt fuzz target, which rewrites its files per input).
            _ = digest?.wait()
            throw error
        }
        var dataset = table.dataset
        if let digest { dataset.sourceDigest = digest.wait() }
        if let descriptors = options.descriptorsPath {
            try dataset.attachDescriptors(csv: descriptors, options: options, dataFile: file, firstLines: table.firstLines)
        }
        if let column = options.taskWeightColumn, let weights = table.taskWeights {
            let taskColumn = dataset.taskColumn
            try dataset.applyTaskWeights(weights, column: column, file: file) { id, first in
                bytes.withBytes { weightLine($0, count: bytes.count, taskColumn: taskColumn, weightColumn: column, task: id, differingFrom: first) }
            }
        }
        return dataset
    }

    /// A weight column named as an input too is a mistake in the options, reported before
    /// any file is opened.
    private static func checkWeightColumn(_ options: CSVReadOptions) throws {
        if let weight = options.taskWeightColumn, options.featureColumns?.contains(weight) == true {
            throw InputError(column: weight, kind: .invalidValue, "is both a feature and the weight column")
        }
    }

    /// Makes the weight column's value each task's weight: it must be the same on all of a
    /// task's rows, non-negative, and not zero for every task. Checked task by task, in order.
    /// `lineOf(task, first)` finds the line of the offending row (the first whose weight is
    /// not `first`; with `first` nil, the task's first row), named in the error.
    mutating func applyTaskWeights(_ weights: [TaskWeightValues], column: String, file: String,
                                   lineOf: (String, Double?) -> Int? = { _, _ in nil }) throws {
        for (t, values) in zip(tasks.indices, weights) {
            guard !values.varies else {
                throw InputError(file: file, line: lineOf(tasks[t].id, values.first), column: column, kind: .inconsistent,
                                 "the weight of task \(InputError.quoted(tasks[t].id)) varies between its rows; a task has one weight")
            }
            guard values.first >= 0, values.first.isFinite else {
                throw InputError(file: file, line: lineOf(tasks[t].id, nil), column: column, kind: .invalidValue,
                                 "the weight of task \(InputError.quoted(tasks[t].id)) is \(values.first); weights must be non-negative")
            }
            tasks[t].weight = values.first
        }
        // Zero weights drop tasks; with every weight zero nothing is left to fit, which later
        // shows only as "0 observations", far from the column that caused it.
        if !tasks.isEmpty, tasks.allSatisfy({ $0.weight == 0 }) {
            throw InputError(file: file, column: column, kind: .invalidValue,
                             "every task's weight is 0; at least one task needs a positive weight")
        }
    }
}

/// The line of the first row of task `task` (or, in a multi-label table, `task/target`) whose
/// weight is not `first`, or with `first` nil its first row: found by reading the file again,
/// only once a weight is known to be wrong.
private func weightLine(_ bytes: UnsafePointer<UInt8>, count: Int, taskColumn: String, weightColumn: String,
                        task: String, differingFrom first: Double?) -> Int? {
    var scanner = CSVScanner(bytes: bytes, count: count)
    guard let header = try? scanner.readHeader(file: ""), let weight = try? header.index(of: weightColumn, role: "weight") else { return nil }
    let taskIndex = try? header.index(of: taskColumn, role: "task")
    var fields: [FieldRange] = []
    while (try? scanner.nextRecord(into: &fields)) == true {
        guard fields.count == header.names.count else { return nil }
        if let taskIndex {
            let id = scanner.string(fields[taskIndex])
            guard id == task || task.hasPrefix(id + "/") else { continue }
        }
        guard let first else { return scanner.recordLine }
        if case .value(let w) = parseNumber(bytes, fields[weight].start, fields[weight].end), w == first { continue }
        return scanner.recordLine
    }
    return nil
}
