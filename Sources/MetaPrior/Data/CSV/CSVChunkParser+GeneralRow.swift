// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The general row scanner: any record RFC 4180 allows, read with ``CSVScanner``; every
/// error message about a row is made here.
extension ChunkParser {
    /// Reads and files the record at `position` (after any blank lines), moving `line` on;
    /// returns where the next record starts and whether the row was stored (not dropped for a
    /// missing value), or `nil` at the end of the stretch.
    mutating func generalRow(at position: Int, line: inout Int) throws -> (next: Int, stored: Bool)? {
        var scanner = CSVScanner(bytes: bytes, count: end, start: position, line: line)
        guard try scanner.nextRecord(into: &fields, file: file, header: header) else {
            line = scanner.line
            return nil
        }
        if requirePlain && memchr(bytes + position, Int32(UInt8(ascii: "\"")), scanner.position - position) != nil { throw QuotedStretch() }
        guard fields.count == width else { throw scanner.raggedRow(file: file, header: header, found: fields.count) }
        if columns.omitsMissing && hasMissingValue() {
            result.omittedRows += 1
            if result.firstOmittedLine == nil { result.firstOmittedLine = scanner.recordLine }
            line = scanner.line
            return (scanner.position, false)
        }
        let taskIndex = try recordTask(scanner)
        try recordValues(scanner)
        store(task: taskIndex)
        line = scanner.line
        return (scanner.position, true)
    }

    /// Whether a column the read uses holds a missing value: an empty field (spaces and tabs
    /// only count as empty), or `NA` as R writes it. Anything else, even a bad number, is read
    /// and judged by the usual rules.
    private func hasMissingValue() -> Bool {
        func missing(_ c: Int) -> Bool { isMissingValue(bytes, fields[c].start, fields[c].end) }
        if let t = columns.task, missing(t) { return true }
        if let w = columns.weight, missing(w) { return true }
        return columns.features.contains(where: missing) || columns.targets.contains(where: missing)
    }

    /// The record's local task: the same bytes as the previous row's task reuse its index.
    private mutating func recordTask(_ scanner: CSVScanner) throws -> Int {
        guard let t = columns.task else {
            internTheOnlyTask(line: scanner.recordLine)
            return 0
        }
        let f = fields[t]
        var start = f.start, length = f.end - f.start
        if f.hasEscapes {
            unescaped = Array(scanner.string(f).utf8)
            start = -1; length = unescaped.count
        }
        guard length > 0 else {
            throw InputError(file: file, line: scanner.recordLine, column: header.names[t], kind: .invalidValue, "empty task identifier")
        }
        if start >= 0 && length == lastLength && bytesEqual(bytes + start, bytes + lastStart, length) { return lastTask }
        let key = unescaped
        let (index, inserted) = start >= 0
            ? result.tasks.intern(bytes + start, length)
            : key.withUnsafeBufferPointer { result.tasks.intern($0.baseAddress!, length) }
        if inserted { result.firstLines.append(scanner.recordLine) }
        lastTask = index
        if start >= 0 { lastStart = start; lastLength = length } else { lastLength = -1 }
        return index
    }

    /// The record's inputs, weight and targets into `out`. The weight is read before the
    /// targets, as it was when it was read as the last input, so a row with both wrong
    /// reports the same field.
    private mutating func recordValues(_ scanner: CSVScanner) throws {
        for (k, c) in columns.features.enumerated() {
            out[k] = try columns.levels[k].map { try level(c, $0, scanner) } ?? number(c, scanner)
        }
        if let w = columns.weight { out[p + columns.targets.count] = try number(w, scanner) }
        for (k, c) in columns.targets.enumerated() {
            out[p + k] = columns.classification ? Double(try classLabel(c, scanner)) : try number(c, scanner)
        }
    }

    /// The number in column `c`, or the error naming what is wrong with it.
    @inline(__always)
    private func number(_ c: Int, _ scanner: CSVScanner) throws -> Double {
        let f = fields[c]
        let parsed = parseNumber(bytes, f.start, f.end)
        guard case .value(let v) = parsed else {
            throw scanner.numberError(parsed, field: f, file: file, column: header.names[c])
        }
        return v
    }

    /// The position of the factor level named in column `c` (the text as it is, as the formula
    /// frame read the meta-train levels).
    private func level(_ c: Int, _ levels: [String: Double], _ scanner: CSVScanner) throws -> Double {
        let text = scanner.string(fields[c])
        guard let position = levels[text] else {
            let known = levels.sorted { $0.value < $1.value }.map { InputError.quoted($0.key) }.joined(separator: ", ")
            throw InputError(file: file, line: scanner.recordLine, column: header.names[c], kind: .invalidValue,
                             "the level \(InputError.quoted(text)) of the factor \(InputError.quoted(header.names[c])) was not in the meta-train data (levels: \(known))")
        }
        return position
    }

    /// The chunk-local index of the class label in column `c` (spaces and tabs around it
    /// trimmed).
    private mutating func classLabel(_ c: Int, _ scanner: CSVScanner) throws -> Int {
        let f = fields[c]
        var first = f.start, last = f.end
        while first < last && (bytes[first] == 0x20 || bytes[first] == 0x09) { first += 1 }
        while last > first && (bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09) { last -= 1 }
        guard last > first else {
            throw InputError(file: file, line: scanner.recordLine, column: header.names[c], kind: .invalidValue, "missing class label (empty field)")
        }
        return f.hasEscapes ? result.classes.intern(scanner.string(f)).index : result.classes.intern(bytes + first, last - first).index
    }
}

/// Whether `bytes[start..<end]` is a missing value: empty once spaces and tabs around it are
/// trimmed, or `NA` as R writes it. The one rule of every reader (`--na-action`).
func isMissingValue(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var first = start, last = end
    while first < last && (bytes[first] == 0x20 || bytes[first] == 0x09) { first += 1 }
    while last > first && (bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09) { last -= 1 }
    return last == first || (last - first == 2 && bytes[first] == UInt8(ascii: "N") && bytes[first + 1] == UInt8(ascii: "A"))
}
