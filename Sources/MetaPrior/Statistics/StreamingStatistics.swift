// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Reduces a tasks CSV to ``SufficientStatistics`` while reading it in fixed-size chunks, so
/// memory is O(T·d²) for T tasks (plus the rows of one task), not O(rows) as
/// ``MetaDataset`` needs: the path of `metaprior statistics` and `fit --streaming` for files
/// larger than memory.
///
/// A run of consecutive rows of one task is reduced with the same kernels and in the same
/// order as ``TaskStatistics``, so a file whose tasks are contiguous gives the same
/// statistics, bit for bit, as reading it whole; a task whose rows are spread over the file
/// gets the sum of its runs' statistics (equal up to rounding).
///
/// The CSV is read as the whole-file reader reads it for these columns: a header row (a
/// UTF-8 byte-order mark skipped), RFC 4180 quotes, `\n` or `\r\n` line ends; the task
/// column (default `task`), the target (default `y`) and the inputs (default every other
/// column). A row with an empty or `NA` value in a column in use is dropped
/// (`--na-action omit`, counted in ``omittedRows``) or refused (`fail`).
public struct StreamingStatistics {
    /// Bytes read per chunk (4 MiB): large enough that reads cost nothing next to parsing.
    public static let chunkSize = 1 << 22

    /// The statistics of the file.
    public private(set) var statistics: SufficientStatistics
    /// Rows dropped for a missing value.
    public private(set) var omittedRows = 0
    /// Notes on the read for the user (a leading row-index column ignored), as
    /// ``MetaDataset/readingNotes``.
    public private(set) var notes: [String] = []

    /// Reads `path` (`-`: standard input) with the columns of `options` and the feature map
    /// `map(inputNames)` makes (a fixed basis of the header's input columns, or one read from
    /// a file), `chunkSize` bytes at a time.
    /// - Throws: ``InputError`` naming the file, line and column for a missing column, a
    ///   malformed row, a value that is not a finite number, or sums that overflow.
    public init(path: String, options: CSVReadOptions, chunkSize: Int = StreamingStatistics.chunkSize,
                map: ([String]) throws -> FeatureMap) throws {
        let reader = try ChunkedLines(path: path, chunkSize: Swift.max(1, chunkSize))
        guard let headerLine = try reader.next() else { throw InputError(file: path, line: 1, kind: .empty, "file is empty") }
        var names = StatisticsRowFields.split(headerLine.bytes).map { String(decoding: $0, as: UTF8.self) }
        if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0].removeFirst() }
        // The whole-file reader's header checks and lookups (duplicate names refused, a leading
        // row-index column ignored), so that both readers accept the same files with the same
        // messages.
        let columns = try CSVHeader(file: path, line: 1, names: names)
        notes = columns.rowIndexNote(file: path).map { [$0] } ?? []
        let taskColumn = options.taskColumn ?? "task"
        let target = options.targetColumn ?? "y"
        if options.targetColumn == nil && !columns.contains("y") && columns.contains("label") {
            throw InputError(file: path, column: "label", "sufficient statistics are for a real-valued target, but the target holds class labels")
        }
        let taskIndex = try columns.index(of: taskColumn, role: "task"), targetIndex = try columns.index(of: target, role: "target")
        let inputs = options.featureColumns
            ?? names.enumerated().filter { $0.offset != columns.rowIndex && $0.element != taskColumn && $0.element != target }.map(\.element)
        let inputIndices = try inputs.map { try columns.index(of: $0, role: "feature") }
        let featureMap = try map(inputs)
        guard featureMap.inputNames == inputs else {
            throw InputError(file: path, "the data's input columns (\(InputError.list(inputs))) do not match the basis inputs (\(InputError.list(featureMap.inputNames)))")
        }
        var accumulator = TaskAccumulator(map: featureMap)
        var x = [Double](repeating: 0, count: inputs.count)
        let used = [taskIndex, targetIndex] + inputIndices
        var omitted = 0
        while let line = try reader.next() {
            if line.bytes.isEmpty || (line.bytes.count == 1 && line.bytes[0] == UInt8(ascii: "\r")) { continue }
            let fields = StatisticsRowFields.split(line.bytes)
            guard fields.count == names.count else {
                throw InputError(file: path, line: line.number, column: fields.count < names.count ? names[fields.count] : "#\(names.count + 1)",
                                 kind: .malformed, fields.count < names.count ? "missing field" : "extra field")
            }
            if used.contains(where: { StatisticsRowFields.isMissing(fields[$0]) }) {
                guard options.missingValues == .omit else {
                    let column = names[used.first { StatisticsRowFields.isMissing(fields[$0]) }!]
                    throw InputError(file: path, line: line.number, column: column, kind: .badNumber, "missing value (--na-action fail)")
                }
                omitted += 1
                continue
            }
            func number(_ i: Int) throws -> Double {
                let value = fields[i].withUnsafeBufferPointer { buffer -> Double? in
                    guard case .value(let v) = parseNumber(buffer.baseAddress!, 0, buffer.count) else { return nil }
                    return v
                }
                guard let value else {
                    throw InputError(file: path, line: line.number, column: names[i], kind: .badNumber,
                                     "not a finite number: \(InputError.quoted(String(decoding: fields[i], as: UTF8.self)))")
                }
                return value
            }
            for (k, i) in inputIndices.enumerated() { x[k] = try number(i) }
            accumulator.add(task: fields[taskIndex], inputs: x, target: try number(targetIndex))
        }
        omittedRows = omitted
        let parts = try accumulator.finish()
        guard !parts.ids.isEmpty else { throw InputError(file: path, line: 2, column: taskColumn, kind: .empty, "no data rows") }
        if let t = (0..<parts.ids.count).first(where: { !parts.squares[$0].isFinite || !parts.cross[($0 * featureMap.dimension)..<(($0 + 1) * featureMap.dimension)].allSatisfy(\.isFinite) }) {
            throw InputError(file: path, column: target, kind: .invalidValue,
                             "task '\(parts.ids[t])': the values are too large for the basis '\(featureMap.spec)': their sums of squares overflow (rescale the column)")
        }
        let header = try StatisticsHeader(family: LinearGaussianFamily.name, target: target, taskColumn: taskColumn, featureMap: featureMap)
        statistics = SufficientStatistics(header: header, taskIDs: parts.ids, counts: parts.counts, targetSquares: parts.squares,
                                          cross: parts.cross, gram: SufficientStatistics.mirroringUpper(parts.gram, dimension: featureMap.dimension))
    }
}

/// Per-task sums, built run by run (a run: consecutive rows of one task).
struct TaskAccumulator {
    let map: FeatureMap
    var ids: [String] = []
    var counts: [Int] = []
    var squares: [Double] = []
    var cross: [Double] = []
    var gram: [Double] = []
    private var index: [String: Int] = [:]
    private var runID: [UInt8] = []
    private var runDesign: [Double] = []
    private var runTargets: [Double] = []
    private var runGram: [Double]
    private var runCross: [Double]

    init(map: FeatureMap) {
        self.map = map
        runGram = [Double](repeating: 0, count: map.dimension * map.dimension)
        runCross = [Double](repeating: 0, count: map.dimension)
    }

    /// Adds one row of `task`.
    mutating func add(task: ArraySlice<UInt8>, inputs: [Double], target: Double) {
        if !runTargets.isEmpty && !runID.elementsEqual(task) { flush() }
        if runTargets.isEmpty { runID = Array(task) }
        let d = map.dimension
        let start = runDesign.count
        runDesign += repeatElement(0, count: d)
        inputs.withUnsafeBufferPointer { x in
            runDesign.withUnsafeMutableBufferPointer { phi in
                map.features(of: x, into: UnsafeMutableBufferPointer(rebasing: phi[start..<(start + d)]))
            }
        }
        runTargets.append(target)
    }

    /// Reduces the current run as ``TaskStatistics`` reduces a task (the same kernels, the
    /// same order) and adds it to its task.
    private mutating func flush() {
        let n = runTargets.count, d = map.dimension
        guard n > 0 else { return }
        runDesign.withUnsafeBufferPointer { phi in
            runTargets.withUnsafeBufferPointer { y in
                runGram.withUnsafeMutableBufferPointer { g in
                    PointerKernels.multiply(phi.baseAddress!, phi.baseAddress!, into: g.baseAddress!, m: d, n: d, k: n, transposeA: true)
                }
                runCross.withUnsafeMutableBufferPointer { c in
                    PointerKernels.multiply(phi.baseAddress!, vector: y.baseAddress!, into: c.baseAddress!, rows: n, columns: d, transpose: true)
                }
            }
        }
        var sum = 0.0
        for v in runTargets { sum += v * v }
        let id = String(decoding: runID, as: UTF8.self)
        if let t = index[id] {
            counts[t] += n
            squares[t] += sum
            for k in 0..<d { cross[t * d + k] += runCross[k] }
            for k in 0..<(d * d) { gram[t * d * d + k] += runGram[k] }
        } else {
            index[id] = ids.count
            ids.append(id)
            counts.append(n)
            squares.append(sum)
            cross += runCross
            gram += runGram
        }
        runDesign.removeAll(keepingCapacity: true)
        runTargets.removeAll(keepingCapacity: true)
    }

    /// The sums, after the last run.
    mutating func finish() throws -> (ids: [String], counts: [Int], squares: [Double], cross: [Double], gram: [Double]) {
        flush()
        return (ids, counts, squares, cross, gram)
    }
}
