// SPDX-License-Identifier: GPL-3.0-or-later

/// The data a formula reads, as R's `model.frame` holds it: the response, the task column and
/// every variable the formula names, numeric or text, with the rows that have a missing value
/// in any of them dropped (or refused), and the rows grouped by task.
public struct FormulaFrame: Sendable {
    /// The formula read.
    public let formula: ModelFormula
    /// The task column (the formula's grouping factor).
    public let taskColumn: String
    /// Task identifiers in order of first appearance.
    public let taskIDs: [String]
    /// Per task, its rows (indices into the columns), in file order.
    public let rowsOfTask: [[Int]]
    /// The response on every kept row.
    public let response: [Double]
    /// The variables' columns on every kept row: numeric where every kept value is a number,
    /// text (a factor) otherwise.
    public let columns: [String: FormulaColumn]
    /// Rows dropped for a missing value.
    public let omittedRows: Int
    /// What the read did that the user should hear about, one line each.
    public let notes: [String]
    /// SHA-256 of the bytes read (`sha256:…`), for the prior file's provenance.
    public let sourceDigest: String

    /// Reads the columns `formula` names from a CSV file.
    /// - Parameters:
    ///   - path: the CSV file (long format: one row per observation).
    ///   - formula: the model formula; its response, grouping column and variables are read.
    ///   - missingValues: drop (R's `na.omit`) or refuse rows with an empty or `NA` cell in a
    ///     column the formula uses.
    /// - Throws: ``InputError`` for a formula with no task-specific part, a missing column,
    ///   a response that is not numeric, a missing value under ``MissingValueAction/fail``,
    ///   or no rows left.
    public static func read(csv path: String, formula: ModelFormula, missingValues: MissingValueAction = .omit) throws -> FormulaFrame {
        try FormulaFrame(bytes: try FileBytes(path: path), file: path, formula: formula, missingValues: missingValues)
    }

    /// ``read(csv:formula:missingValues:)`` of CSV text in memory; `name` stands for the file.
    public static func parse(csv bytes: [UInt8], name: String = "<input>", formula: ModelFormula,
                             missingValues: MissingValueAction = .omit) throws -> FormulaFrame {
        try FormulaFrame(bytes: FileBytes(bytes), file: name, formula: formula, missingValues: missingValues)
    }

    private init(bytes: FileBytes, file: String, formula: ModelFormula, missingValues: MissingValueAction) throws {
        guard let group = formula.group, formula.taskSpecific != nil else {
            throw InputError(column: "--formula", kind: .invalidValue,
                             "\(InputError.quoted(formula.description)) has no task-specific part; add one, such as (1 | task)")
        }
        let variables = formula.inputColumns
        let wanted = [formula.response, group] + variables
        let table = try CSVTextColumns.read(bytes, file: file, columns: wanted)

        // Rows with a missing value in any column used.
        func missing(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { utf8 in utf8.baseAddress.map { isMissingValue($0, 0, utf8.count) } ?? true }
        }
        var kept: [Int] = []
        var omitted = 0, firstOmitted: Int?
        for row in table.lines.indices {
            if let k = wanted.indices.first(where: { missing(table.values[$0][row]) }) {
                guard missingValues == .omit else {
                    throw InputError(file: file, line: table.lines[row], column: wanted[k], kind: .badNumber,
                                     "missing value (\(table.values[k][row].isEmpty ? "empty field" : InputError.quoted(table.values[k][row]))); --na-action omit drops such rows")
                }
                omitted += 1
                if firstOmitted == nil { firstOmitted = table.lines[row] }
                continue
            }
            kept.append(row)
        }
        guard !kept.isEmpty else {
            throw InputError(file: file, line: firstOmitted ?? 2, kind: .empty,
                             table.lines.isEmpty ? "no data rows: the file has a header but no observations"
                                 : "no rows left: every row has a missing value (empty or NA) in a column the formula uses")
        }

        // The response must be numeric; a variable is numeric when every kept value is.
        func number(_ text: String) -> Double? {
            var text = text
            return text.withUTF8 { utf8 in
                guard let base = utf8.baseAddress, case .value(let v) = parseNumber(base, 0, utf8.count) else { return nil }
                return v
            }
        }
        func numbers(_ k: Int) -> [Double]? {
            var out: [Double] = []
            out.reserveCapacity(kept.count)
            for row in kept {
                guard let v = number(table.values[k][row]) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let response = numbers(0) else {
            let row = kept.first { number(table.values[0][$0]) == nil } ?? kept[0]
            throw InputError(file: file, line: table.lines[row], column: formula.response, kind: .badNumber,
                             "the response must be a finite number, not \(InputError.quoted(table.values[0][row]))")
        }
        var columns: [String: FormulaColumn] = [:]
        for (offset, name) in variables.enumerated() {
            let k = offset + 2
            columns[name] = numbers(k).map(FormulaColumn.numeric) ?? .text(kept.map { table.values[k][$0] })
        }

        // Rows grouped by task, tasks in order of first appearance.
        var index: [String: Int] = [:]
        var ids: [String] = []
        var rows: [[Int]] = []
        for (position, row) in kept.enumerated() {
            let id = table.values[1][row]
            if let t = index[id] {
                rows[t].append(position)
            } else {
                index[id] = ids.count
                ids.append(id)
                rows.append([position])
            }
        }
        var notes = table.notes
        if omitted > 0 {
            notes.append("note: \(counted(omitted, "row")) of \(file) with a missing value (empty or NA) in a column the formula uses \(omitted == 1 ? "was" : "were") left out, the first on line \(firstOmitted ?? 0) (--na-action omit; --na-action fail refuses them)")
        }
        sourceDigest = bytes.withBytes { Digest.sha256(UnsafeRawBufferPointer(start: $0, count: bytes.count)) }
        self.formula = formula
        taskColumn = group
        taskIDs = ids
        rowsOfTask = rows
        self.response = response
        self.columns = columns
        omittedRows = omitted
        self.notes = notes
    }
}
