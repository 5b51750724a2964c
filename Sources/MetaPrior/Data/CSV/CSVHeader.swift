// SPDX-License-Identifier: GPL-3.0-or-later

/// The header row of a CSV file: column names, checked for duplicates, and lookups that fail
/// with a message listing the columns that do exist.
struct CSVHeader {
    let file: String
    let line: Int
    let names: [String]
    private let positions: [String: Int]
    /// The row-index column, when the first header cell is empty (R's `write.csv` writes row
    /// names under an empty name) or `Unnamed: 0` (pandas' name for an unnamed index written by
    /// `to_csv` and read back): never an input, and not a name to look up.
    let rowIndex: Int?

    init(file: String, line: Int, names: [String]) throws {
        self.file = file
        self.line = line
        self.names = names
        rowIndex = names.count > 1 && (names[0].isEmpty || names[0] == "Unnamed: 0") ? 0 : nil
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where index != rowIndex {
            if name.isEmpty {
                throw InputError(file: file, line: line, column: "#\(index + 1)", kind: .malformed, "empty column name in the header")
            }
            if let first = positions[name] {
                throw InputError(file: file, line: line, column: name, kind: .duplicate,
                                 "appears twice in the header (fields \(first + 1) and \(index + 1))")
            }
            positions[name] = index
        }
        self.positions = positions
    }

    func contains(_ name: String) -> Bool { positions[name] != nil }

    /// The note that the row-index column is ignored, when there is one.
    func rowIndexNote(file: String) -> String? {
        rowIndex.map { "note: the first column of \(file) is unnamed (\(names[$0].isEmpty ? "R's write.csv row names" : "pandas' index, 'Unnamed: 0'")): read as a row index and ignored" }
    }

    /// The position of `name`, or an error naming the columns there are.
    func index(of name: String, role: String) throws -> Int {
        guard let index = positions[name] else {
            throw InputError(file: file, line: line, column: name, kind: .missingColumn,
                             "no such \(role) column; the columns are: \(InputError.list(names))")
        }
        return index
    }

    /// Quotes a piece of a field for an error message, shortened if long.
    static func excerpt(_ text: String) -> String {
        InputError.quoted(text)
    }
}

extension CSVScanner {
    /// Reads the header record, or fails on an empty file.
    mutating func readHeader(file: String) throws -> CSVHeader {
        var fields: [FieldRange] = []
        let found: Bool
        do { found = try nextRecord(into: &fields) } catch { throw error.inputError(file: file, header: nil) }
        guard found else { throw InputError(file: file, line: 1, kind: .empty, "file is empty: expected a header row") }
        return try CSVHeader(file: file, line: recordLine, names: fields.map(string))
    }

    /// The error for a row whose field count differs from the header's.
    func raggedRow(file: String, header: CSVHeader, found: Int) -> InputError {
        let expected = header.names.count
        if found < expected {
            return InputError(file: file, line: recordLine, column: header.names[found], kind: .malformed,
                              "missing field: the row has \(found) field\(found == 1 ? "" : "s"), the header \(expected)")
        }
        return InputError(file: file, line: recordLine, column: "#\(expected + 1)", kind: .malformed,
                          "extra field: the row has \(found) fields, the header \(expected)")
    }

    /// The error for a numeric field that is not a finite number.
    func numberError(_ result: ParsedNumber, field: FieldRange, file: String, column: String) -> InputError {
        let text = CSVHeader.excerpt(string(field))
        let message: String
        switch result {
        case .empty: message = "missing value (empty field)"
        case .notANumber: message = "\(text) is not a number; missing values are not allowed"
        case .infinite: message = "infinite value \(text) is not allowed"
        case .invalid, .value: message = "not a number: \(text)"
        }
        return InputError(file: file, line: recordLine, column: column, kind: .badNumber, message)
    }
}

extension CSVScanner {
    /// ``nextRecord(into:)`` with syntax errors turned into ``InputError``s.
    @inline(__always)
    mutating func nextRecord(into fields: inout [FieldRange], file: String, header: CSVHeader) throws -> Bool {
        do { return try nextRecord(into: &fields) } catch { throw error.inputError(file: file, header: header) }
    }
}

extension CSVScanner.SyntaxError {
    func inputError(file: String, header: CSVHeader?) -> InputError {
        let column = header.map { fieldIndex < $0.names.count ? $0.names[fieldIndex] : "#\(fieldIndex + 1)" } ?? "#\(fieldIndex + 1)"
        return InputError(file: file, line: line, column: column, kind: .malformed, message)
    }
}
