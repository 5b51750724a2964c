// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Which columns of a tasks CSV the reduction reads, and how (``StreamingStatistics``).
struct RowColumns {
    let path: String
    let header: CSVHeader
    let taskIndex: Int
    let targetIndex: Int
    let inputIndices: [Int]
    let omitsMissing: Bool
    let map: FeatureMap
    /// The task, the target and the inputs: a row missing one of them is dropped or refused.
    var used: [Int] { [taskIndex, targetIndex] + inputIndices }
}

/// The runs of one stretch of whole records, parsed on its own thread: the first and the
/// last as rows (they may go on in the stretches beside it), those between reduced
/// (``TaskAccumulator/add(_:)`` joins them in file order).
struct RowStretch {
    /// The first run; the only one when ``last`` is `nil`.
    var first: RowRun?
    var middle: [RunSums] = []
    var last: RowRun?
    var omittedRows = 0
    /// Line ends in the stretch (to number the lines of the next one).
    var lineCount = 0

    /// Parses `bytes[start..<end]`, which begins a record and ends after one (``CSVScanner``'s
    /// contract on `bytes[end]`), numbering its lines from `firstLine`.
    /// - Throws: ``InputError`` naming the file, line and column of a ragged row, a missing
    ///   value under `--na-action fail`, a field that is not a finite number, or a quote
    ///   that is not closed or has text after it.
    init(_ bytes: UnsafePointer<UInt8>, start: Int, end: Int, firstLine: Int, columns: RowColumns) throws {
        let d = columns.map.dimension, names = columns.header.names, path = columns.path, used = columns.used
        var scanner = CSVScanner(bytes: bytes, count: end, start: start, line: firstLine, fileStart: false)
        var fields: [FieldRange] = []
        fields.reserveCapacity(names.count + 1)
        var x = [Double](repeating: 0, count: columns.inputIndices.count)
        var run: RowRun?
        func isMissing(_ f: FieldRange) -> Bool {
            f.start == f.end || (f.end - f.start == 2 && bytes[f.start] == UInt8(ascii: "N") && bytes[f.start + 1] == UInt8(ascii: "A"))
        }
        while true {
            guard try scanner.nextRecord(into: &fields, file: path, header: columns.header) else { break }
            let line = scanner.recordLine
            guard fields.count == names.count else { throw scanner.raggedRow(file: path, header: columns.header, found: fields.count) }
            if let i = used.first(where: { isMissing(fields[$0]) }) {
                guard columns.omitsMissing else {
                    throw InputError(file: path, line: line, column: names[i], kind: .badNumber, "missing value (--na-action fail)")
                }
                omittedRows += 1
                continue
            }
            func number(_ i: Int) throws -> Double {
                guard case .value(let v) = parseNumber(bytes, fields[i].start, fields[i].end) else {
                    throw InputError(file: path, line: line, column: names[i], kind: .badNumber,
                                     "not a finite number: \(InputError.quoted(scanner.string(fields[i])))")
                }
                return v
            }
            for (k, i) in columns.inputIndices.enumerated() { x[k] = try number(i) }
            let y = try number(columns.targetIndex)
            let task = fields[columns.taskIndex]
            let continues = run.map { run in
                task.hasEscapes ? run.id == Array(scanner.string(task).utf8)
                    : run.id.elementsEqual(UnsafeBufferPointer(start: bytes + task.start, count: task.end - task.start))
            } ?? false
            if !continues {
                if let finished = run {
                    if first == nil { first = finished } else { middle.append(RunSums(finished, dimension: d)) }
                }
                run = RowRun(id: task.hasEscapes ? Array(scanner.string(task).utf8) : Array(UnsafeBufferPointer(start: bytes + task.start, count: task.end - task.start)))
            }
            let offset = run!.design.count
            run!.design += repeatElement(0, count: d)
            x.withUnsafeBufferPointer { x in
                run!.design.withUnsafeMutableBufferPointer { phi in
                    columns.map.features(of: x, into: UnsafeMutableBufferPointer(rebasing: phi[offset..<(offset + d)]))
                }
            }
            run!.targets.append(y)
        }
        if let run { if first == nil { first = run } else { last = run } }
        lineCount = scanner.line - firstLine
    }
}
