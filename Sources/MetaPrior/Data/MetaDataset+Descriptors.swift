// SPDX-License-Identifier: GPL-3.0-or-later

extension MetaDataset {
    /// Reads task descriptors z_i (and optionally weights w_i) from a CSV keyed by the task
    /// column: one row per task, every task exactly once.
    ///
    /// - Parameters:
    ///   - path: the descriptors CSV.
    ///   - descriptorColumns: the columns to use; `nil` means all but the task and weight columns.
    ///   - weightColumn: a column of task weights (positive numbers), if any.
    /// - Throws: ``InputError`` for a missing column, a ragged row, a value that is not a
    ///   finite number, a row for a task the data set does not have, a second row for a task,
    ///   or a task with no row.
    public mutating func attachDescriptors(csv path: String, descriptorColumns: [String]? = nil, weightColumn: String? = nil) throws {
        var options = CSVReadOptions(taskColumn: taskColumn)
        options.descriptorColumns = descriptorColumns
        options.weightColumn = weightColumn
        try attachDescriptors(csv: path, options: options, dataFile: nil, firstLines: nil)
    }

    mutating func attachDescriptors(csv path: String, options: CSVReadOptions, dataFile: String?, firstLines: [Int]?) throws {
        let read = try Self.readDescriptors(csv: path, taskIDs: tasks.map(\.id), taskColumn: taskColumn, options: options,
                                            dataFile: dataFile, firstLines: firstLines)
        descriptorNames = read.names
        for i in tasks.indices {
            tasks[i].descriptor = read.rows[i]
            if let w = read.weights[i] { tasks[i].weight = w }
        }
    }

    /// The descriptor rows of the tasks `taskIDs` (in their order) from a descriptors CSV keyed
    /// by `taskColumn`, with the weights when `options` names a weight column: the one reader
    /// of descriptor files, for a ``MetaDataset`` and for a formula's frame.
    /// - Throws: ``InputError`` as ``attachDescriptors(csv:descriptorColumns:weightColumn:)``.
    static func readDescriptors(csv path: String, taskIDs: [String], taskColumn: String, options: CSVReadOptions, dataFile: String?,
                                firstLines: [Int]?) throws -> (names: [String], rows: [[Double]], weights: [Double?]) {
        let file = try FileBytes(path: path)
        let taskIndex = Dictionary(taskIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var rows: [[Double]?] = Array(repeating: nil, count: taskIDs.count)
        var weights: [Double?] = Array(repeating: nil, count: taskIDs.count)
        var lines = Array(repeating: 0, count: taskIDs.count)
        var names: [String] = []
        try file.withBytes { bytes in
            var scanner = CSVScanner(bytes: bytes, count: file.count)
            let header = try scanner.readHeader(file: path)
            let task = try header.index(of: taskColumn, role: "task")
            let weight = try options.weightColumn.map { try header.index(of: $0, role: "weight") }
            let columns: [Int]
            if let wanted = options.descriptorColumns {
                columns = try wanted.map { try header.index(of: $0, role: "descriptor") }
                if let clash = columns.first(where: { $0 == task || $0 == weight }) {
                    throw InputError(file: path, line: header.line, column: header.names[clash], "cannot be both a descriptor and the task or weight column")
                }
            } else {
                columns = header.names.indices.filter { $0 != task && $0 != weight && $0 != header.rowIndex }
            }
            names = columns.map { header.names[$0] }
            var fields: [FieldRange] = []
            while true {
                let more: Bool
                more = try scanner.nextRecord(into: &fields, file: path, header: header)
                guard more else { break }
                guard fields.count == header.names.count else { throw scanner.raggedRow(file: path, header: header, found: fields.count) }
                let id = scanner.string(fields[task])
                guard let index = taskIndex[id] else {
                    throw InputError(file: path, line: scanner.recordLine, column: taskColumn,
                                     "descriptor row for unknown task \(CSVHeader.excerpt(id)): it has no rows in \(dataFile ?? "the data")")
                }
                if rows[index] != nil {
                    throw InputError(file: path, line: scanner.recordLine, column: taskColumn,
                                     "second descriptor row for task \(CSVHeader.excerpt(id)) (the first is on line \(lines[index]))")
                }
                lines[index] = scanner.recordLine
                rows[index] = try columns.map { c in
                    let parsed = parseNumber(bytes, fields[c].start, fields[c].end)
                    guard case .value(let v) = parsed else {
                        throw scanner.numberError(parsed, field: fields[c], file: path, column: header.names[c])
                    }
                    return v
                }
                if let weight {
                    let parsed = parseNumber(bytes, fields[weight].start, fields[weight].end)
                    guard case .value(let w) = parsed else {
                        throw scanner.numberError(parsed, field: fields[weight], file: path, column: header.names[weight])
                    }
                    guard w > 0 else {
                        throw InputError(file: path, line: scanner.recordLine, column: header.names[weight], "a task weight must be positive, not \(w)")
                    }
                    weights[index] = w
                }
            }
        }
        if let missing = rows.firstIndex(where: { $0 == nil }) {
            throw InputError(file: dataFile ?? path, line: firstLines?[missing], column: taskColumn,
                             "task \(CSVHeader.excerpt(taskIDs[missing])) has no descriptor row in \(path)")
        }
        return (names, rows.map { $0! }, weights)
    }
}
