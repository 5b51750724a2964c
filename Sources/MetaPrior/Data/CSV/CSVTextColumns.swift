// SPDX-License-Identifier: GPL-3.0-or-later

/// Some columns of a CSV file as text, row by row: for readers that need text (a formula's
/// factors) rather than the numeric meta-dataset. One serial pass with the same scanner and
/// header rules as every other read (quotes, BOM, blank lines, a row-index first column).
struct CSVTextColumns {
    /// The columns asked for, in the order asked.
    var names: [String]
    /// Per column asked for, its field on every data row.
    var values: [[String]]
    /// Per data row, its line in the file (the header is line 1).
    var lines: [Int]
    /// The notes of the read (a row-index column ignored), for the user.
    var notes: [String] = []

    /// Reads the columns `wanted` of `bytes`; `file` names it in errors.
    /// - Throws: ``InputError`` for an empty file, a missing column (listing those there are),
    ///   a syntax error or a ragged row, each with its line.
    static func read(_ bytes: FileBytes, file: String, columns wanted: [String]) throws -> CSVTextColumns {
        try bytes.withBytes { pointer in
            var scanner = CSVScanner(bytes: pointer, count: bytes.count)
            let header = try scanner.readHeader(file: file)
            let indices = try wanted.map { try header.index(of: $0, role: "formula") }
            var out = CSVTextColumns(names: wanted, values: wanted.map { _ in [] }, lines: [])
            if let note = header.rowIndexNote(file: file) { out.notes.append(note) }
            var fields: [FieldRange] = []
            while true {
                let found: Bool
                do throws(CSVScanner.SyntaxError) {
                    found = try scanner.nextRecord(into: &fields)
                } catch {
                    throw error.inputError(file: file, header: header)
                }
                guard found else { break }
                guard fields.count == header.names.count else { throw scanner.raggedRow(file: file, header: header, found: fields.count) }
                for (k, c) in indices.enumerated() { out.values[k].append(scanner.string(fields[c])) }
                out.lines.append(scanner.recordLine)
            }
            return out
        }
    }
}
