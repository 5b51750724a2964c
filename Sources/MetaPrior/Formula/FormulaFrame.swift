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
    /// The response on every kept row (the successes of a `cbind(…)` response).
    public let response: [Double]
    /// For a `cbind(…)` response, the trials on every kept row (successes + failures, or the
    /// trials column); `nil` otherwise.
    public let trials: [Double]?
    /// The exposure on every kept row when the read named an exposure column (a Poisson
    /// family's `--exposure`: each value positive and finite); `nil` otherwise.
    public let exposure: [Double]?
    /// The column ``exposure`` was read from.
    public let exposureColumn: String?
    /// The variables' columns on every kept row: numeric where every kept value is a number,
    /// text (a factor) otherwise.
    public let columns: [String: FormulaColumn]
    /// The file's line of every kept row (1 is the header), for messages about a row.
    public let lines: [Int]
    /// Rows dropped for a missing value.
    public let omittedRows: Int
    /// What the read did that the user should hear about, one line each.
    public let notes: [String]
    /// SHA-256 of the bytes read (`sha256:…`), for the prior file's provenance.
    public let sourceDigest: String
    /// Names of the task descriptors attached by ``attachDescriptors(csv:descriptorColumns:)``;
    /// empty without descriptors.
    public internal(set) var descriptorNames: [String] = []
    /// Per task (in the order of ``taskIDs``), its descriptor z; empty without descriptors.
    public internal(set) var taskDescriptors: [[Double]] = []

    /// Reads the columns `formula` names from a CSV file.
    /// - Parameters:
    ///   - path: the CSV file (long format: one row per observation).
    ///   - formula: the model formula; its response, grouping column and variables are read.
    ///   - missingValues: drop (R's `na.omit`) or refuse rows with an empty or `NA` cell in a
    ///     column the formula uses.
    ///   - exposure: a column of exposures to read as well (``exposure``), or `nil`.
    /// - Throws: ``InputError`` for a formula with no task-specific part, a missing column,
    ///   a response that is not numeric, a missing value under ``MissingValueAction/fail``,
    ///   an exposure that is not a positive finite number (naming its line), or no rows left.
    public static func read(csv path: String, formula: ModelFormula, missingValues: MissingValueAction = .omit,
                            exposure: String? = nil) throws -> FormulaFrame {
        try FormulaFrame(bytes: try FileBytes(path: path), file: path, formula: formula, missingValues: missingValues, exposureName: exposure)
    }

    /// ``read(csv:formula:missingValues:exposure:)`` of CSV text in memory; `name` stands for the file.
    public static func parse(csv bytes: [UInt8], name: String = "<input>", formula: ModelFormula,
                             missingValues: MissingValueAction = .omit, exposure: String? = nil) throws -> FormulaFrame {
        try FormulaFrame(bytes: FileBytes(bytes), file: name, formula: formula, missingValues: missingValues, exposureName: exposure)
    }

    private init(bytes: FileBytes, file: String, formula: ModelFormula, missingValues: MissingValueAction, exposureName: String?) throws {
        guard let group = formula.group, formula.taskSpecific != nil else {
            throw InputError(column: "--formula", kind: .invalidValue,
                             "\(InputError.quoted(formula.description)) has no task-specific part; add one, such as (1 | task)")
        }
        let variables = formula.inputColumns
        let trialsColumn = formula.binomialTrials.map(\.column)
        let wanted = [formula.response] + variables + (trialsColumn.map { [$0] } ?? []) + (exposureName.map { [$0] } ?? [])
        let table = try CSVTypedColumns.read(bytes, file: file, columns: wanted, group: group)
        let names = wanted + [group]

        // Rows with a missing value in any column used.
        var kept: [Int] = []
        kept.reserveCapacity(table.lines.count)
        var omitted = 0, firstOmitted: Int?
        for row in table.lines.indices {
            let k = Int(table.firstMissing[row])
            guard k >= 0 else { kept.append(row); continue }
            guard missingValues == .omit else {
                // The first row with a missing cell is the first missing cell's row.
                let cell = table.firstMissingCell?.text ?? ""
                throw InputError(file: file, line: table.lines[row], column: names[k], kind: .badNumber,
                                 "missing value (\(cell.allSatisfy { $0 == " " || $0 == "\t" } ? "empty field" : InputError.quoted(cell))); --na-action omit drops such rows")
            }
            omitted += 1
            if firstOmitted == nil { firstOmitted = table.lines[row] }
        }
        guard !kept.isEmpty else {
            throw InputError(file: file, line: firstOmitted ?? 2, kind: .empty,
                             table.lines.isEmpty ? "no data rows: the file has a header but no observations"
                                 : "no rows left: every row has a missing value (empty or NA) in a column the formula uses")
        }

        // The response must be numeric; a variable is numeric when every cell is (R's read.csv).
        guard case .numbers(let allResponses) = table.columns[0] else {
            let first = table.firstText[0]
            throw InputError(file: file, line: first.map { table.lines[$0.row] }, column: formula.response, kind: .badNumber,
                             "the response must be a finite number, not \(InputError.quoted(first?.text ?? ""))")
        }
        let response = kept.map { allResponses[$0] }
        var trials: [Double]?
        if let binomial = formula.binomialTrials {
            let index = 1 + variables.count
            guard case .numbers(let all) = table.columns[index] else {
                let first = table.firstText[index]
                throw InputError(file: file, line: first.map { table.lines[$0.row] }, column: binomial.column, kind: .badNumber,
                                 "a count must be a number, not \(InputError.quoted(first?.text ?? ""))")
            }
            var values: [Double] = []
            values.reserveCapacity(kept.count)
            for (position, row) in kept.enumerated() {
                let s = response[position], second = all[row]
                func bad(_ column: String, _ message: String) -> InputError {
                    InputError(file: file, line: table.lines[row], column: column, kind: .invalidValue, message)
                }
                guard s >= 0, s == s.rounded() else { throw bad(formula.response, "successes must be a whole number ≥ 0, not \(s)") }
                guard second >= 0, second == second.rounded() else {
                    throw bad(binomial.column, "\(binomial.column) must be a whole number ≥ 0, not \(second)")
                }
                switch binomial {
                case .failures: values.append(s + second)
                case .trials:
                    guard second >= s else { throw bad(binomial.column, "the trials (\(second)) are fewer than the successes (\(s))") }
                    values.append(second)
                }
            }
            trials = values
        }
        var exposure: [Double]?
        if let exposureName {
            let index = wanted.count - 1
            guard case .numbers(let all) = table.columns[index] else {
                let first = table.firstText[index]
                throw InputError(file: file, line: first.map { table.lines[$0.row] }, column: exposureName, kind: .badNumber,
                                 "an exposure must be a number, not \(InputError.quoted(first?.text ?? ""))")
            }
            exposure = try kept.map { row in
                // log(exposure) is the offset: zero or less has no logarithm.
                guard all[row] > 0, all[row].isFinite else {
                    throw InputError(file: file, line: table.lines[row], column: exposureName, kind: .invalidValue,
                                     "an exposure must be a positive number (its logarithm is the offset), not \(all[row])")
                }
                return all[row]
            }
        }
        var columns: [String: FormulaColumn] = [:]
        for (offset, name) in variables.enumerated() {
            switch table.columns[offset + 1] {
            case .numbers(let values): columns[name] = .numeric(kept.map { values[$0] })
            case .text(let values): columns[name] = .text(kept.map { values[$0] })
            }
        }

        // Rows grouped by task, tasks in order of first appearance among the kept rows.
        var position = [Int](repeating: -1, count: table.taskIDs.count)
        var ids: [String] = []
        var rows: [[Int]] = []
        for (index, row) in kept.enumerated() {
            let t = Int(table.task[row])
            if position[t] < 0 {
                position[t] = ids.count
                ids.append(table.taskIDs[t])
                rows.append([])
            }
            rows[position[t]].append(index)
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
        self.trials = trials
        self.exposure = exposure
        self.exposureColumn = exposureName
        lines = kept.map { table.lines[$0] }
        self.columns = columns
        omittedRows = omitted
        self.notes = notes
    }
}
