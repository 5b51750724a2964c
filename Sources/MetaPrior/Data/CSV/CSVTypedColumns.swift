// SPDX-License-Identifier: GPL-3.0-or-later

/// Some columns of a CSV file typed as R's `read.csv` types them — numbers when every
/// non-missing cell is a number, text otherwise — plus a task column interned to dense
/// indices: what a formula reads (``FormulaFrame``).
///
/// One pass parses the numbers straight from the bytes (a `String` per cell was most of the
/// read's time); only a column that turns out to hold text is read a second time, as text.
struct CSVTypedColumns {
    /// A column: numbers (`nan` where the cell is missing), or the cells' text.
    enum Values {
        case numbers([Double])
        case text([String])
    }

    /// The columns asked for, in the order asked.
    var columns: [Values]
    /// Per data row, the first column asked for (an index into ``columns``) whose cell is
    /// missing (empty, or `NA`), or -1; the task column counts as column ``columns``.count.
    var firstMissing: [Int32]
    /// Per data row, its task's index into ``taskIDs``.
    var task: [Int32]
    /// Task identifiers, in order of first appearance.
    var taskIDs: [String]
    /// Per data row, its line in the file (the header is line 1).
    var lines: [Int]
    /// Per column asked for that holds text, its first cell that is not a number (row, text).
    var firstText: [Int: (row: Int, text: String)] = [:]
    /// The first missing cell of the file (its row and text), for a message.
    var firstMissingCell: (row: Int, text: String)?
    /// The notes of the read (a row-index column ignored), for the user.
    var notes: [String] = []

    /// Reads `wanted` and the task column `group` of `bytes`; `file` names it in errors.
    /// - Throws: ``InputError`` for an empty file, a missing column (listing those there are),
    ///   a syntax error or a ragged row, each with its line.
    static func read(_ bytes: FileBytes, file: String, columns wanted: [String], group: String) throws -> CSVTypedColumns {
        try bytes.withBytes { pointer in
            var scanner = CSVScanner(bytes: pointer, count: bytes.count)
            let header = try scanner.readHeader(file: file)
            let indices = try wanted.map { try header.index(of: $0, role: "formula") }
            let groupIndex = try header.index(of: group, role: "formula")
            let k = wanted.count
            var numbers = [[Double]](repeating: [], count: k)
            var numeric = [Bool](repeating: true, count: k)
            var out = CSVTypedColumns(columns: [], firstMissing: [], task: [], taskIDs: [], lines: [])
            if let note = header.rowIndexNote(file: file) { out.notes.append(note) }
            var tasks = ByteStringTable()
            var fields: [FieldRange] = []
            var unescaped: [UInt8] = []
            var row = 0
            while try next(&scanner, &fields, file: file, header: header) {
                var missing: Int32 = -1
                for (j, c) in indices.enumerated() {
                    let f = fields[c]
                    if isMissingValue(pointer, f.start, f.end) {
                        if missing < 0 { missing = Int32(j) }
                        if out.firstMissingCell == nil { out.firstMissingCell = (row, scanner.string(f)) }
                        if numeric[j] { numbers[j].append(.nan) }
                        continue
                    }
                    guard numeric[j] else { continue }
                    if case .value(let v) = parseNumber(pointer, f.start, f.end) {
                        numbers[j].append(v)
                    } else {
                        numeric[j] = false
                        numbers[j] = []
                        out.firstText[j] = (row, scanner.string(f))
                    }
                }
                let g = fields[groupIndex]
                if missing < 0 && isMissingValue(pointer, g.start, g.end) {
                    missing = Int32(k)
                    if out.firstMissingCell == nil { out.firstMissingCell = (row, scanner.string(g)) }
                }
                let (index, inserted): (Int, Bool)
                if g.hasEscapes {
                    unescaped = Array(scanner.string(g).utf8)
                    (index, inserted) = unescaped.withUnsafeBufferPointer { tasks.intern($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
                } else {
                    (index, inserted) = tasks.intern(pointer + g.start, g.end - g.start)
                }
                if inserted { out.taskIDs.append(scanner.string(g)) }
                out.task.append(Int32(index))
                out.firstMissing.append(missing)
                out.lines.append(scanner.recordLine)
                row += 1
            }
            // The text columns, read again as text.
            var text = [[String]](repeating: [], count: k)
            if numeric.contains(false) {
                var again = CSVScanner(bytes: pointer, count: bytes.count)
                _ = try again.readHeader(file: file)
                while try next(&again, &fields, file: file, header: header) {
                    for (j, c) in indices.enumerated() where !numeric[j] { text[j].append(again.string(fields[c])) }
                }
            }
            out.columns = (0..<k).map { numeric[$0] ? .numbers(numbers[$0]) : .text(text[$0]) }
            return out
        }
    }

    /// The next record into `fields`, checked for its width; `false` at the end.
    private static func next(_ scanner: inout CSVScanner, _ fields: inout [FieldRange], file: String, header: CSVHeader) throws -> Bool {
        let found: Bool
        do throws(CSVScanner.SyntaxError) {
            found = try scanner.nextRecord(into: &fields)
        } catch {
            throw error.inputError(file: file, header: header)
        }
        guard found else { return false }
        guard fields.count == header.names.count else { throw scanner.raggedRow(file: file, header: header, found: fields.count) }
        return true
    }
}
