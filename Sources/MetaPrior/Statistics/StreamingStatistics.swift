// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Reduces a tasks CSV to ``SufficientStatistics`` while reading it in blocks of whole
/// records, parsed on all cores, so memory is O(T·d²) for T tasks (plus one block and the
/// rows of one task), not O(rows) as
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
    /// Bytes of CSV per stretch parsed on one thread (1 MiB); the file is read
    /// ``chunksPerBlock`` stretches at a time. The cuts depend on the bytes alone, and the
    /// runs of rows that straddle them are joined before they are reduced
    /// (`TaskAccumulator`), so the statistics are those of one pass over the file, whatever
    /// the number of threads or the chunk size.
    public static let chunkSize = 1 << 20
    /// Stretches per block read (16): enough to keep the cores busy between reads.
    public static let chunksPerBlock = 16

    /// The statistics of the file.
    public private(set) var statistics: SufficientStatistics
    /// Rows dropped for a missing value.
    public private(set) var omittedRows = 0
    /// Notes on the read for the user (a leading row-index column ignored), as
    /// ``MetaDataset/readingNotes``.
    public private(set) var notes: [String] = []

    /// Reads `path` (`-`: standard input) with the columns of `options` and the feature map
    /// `map(inputNames)` makes (a fixed basis of the header's input columns, or one read from
    /// a file), in blocks of `chunksPerBlock` stretches of `chunkSize` bytes parsed in
    /// parallel.
    /// - Throws: ``InputError`` naming the file, line and column for a missing column, a
    ///   malformed row, a value that is not a finite number, or sums that overflow.
    public init(path: String, options: CSVReadOptions, chunkSize: Int = StreamingStatistics.chunkSize,
                map: ([String]) throws -> FeatureMap) throws {
        let step = Swift.max(1, chunkSize)
        let reader = try CSVBlockReader(path: path, blockSize: step * Self.chunksPerBlock)
        var columns: RowColumns?
        var accumulator: TaskAccumulator?
        var line = 1, omitted = 0
        var notes: [String] = []
        while try reader.nextBlock({ (bytes, count) throws -> Void in
            var start = 0
            if columns == nil {
                var scanner = CSVScanner(bytes: bytes, count: count)
                let header = try scanner.readHeader(file: path)
                let found = try Self.columns(header, options: options, path: path, map: map)
                columns = found
                accumulator = TaskAccumulator(dimension: found.map.dimension)
                notes = header.rowIndexNote(file: path).map { [$0] } ?? []
                start = scanner.position
                line = scanner.line
            }
            let cuts = [start] + CSVRecordCuts.cuts(bytes + start, count: count - start, step: step).map { $0 + start }
            let stretches = try DeterministicParallel.map(count: cuts.count - 1, chunkSize: 1) { k in
                Result { try RowStretch(bytes, start: cuts[k], end: cuts[k + 1], firstLine: 1, columns: columns!) }
            }
            for (k, result) in stretches.enumerated() {
                guard case .success(let stretch) = result else {
                    // Again with the stretch's true line numbers, for the error's.
                    _ = try RowStretch(bytes, start: cuts[k], end: cuts[k + 1], firstLine: line, columns: columns!)
                    _ = try result.get()
                    continue
                }
                accumulator!.add(stretch)
                line += stretch.lineCount
                omitted += stretch.omittedRows
            }
        }) != nil {}
        guard let columns, var accumulator else { throw InputError(file: path, line: 1, kind: .empty, "file is empty") }
        accumulator.finish()
        omittedRows = omitted
        self.notes = notes
        let d = columns.map.dimension, ids = accumulator.ids
        let taskColumn = columns.header.names[columns.taskIndex], target = columns.header.names[columns.targetIndex]
        guard !ids.isEmpty else { throw InputError(file: path, line: 2, column: taskColumn, kind: .empty, "no data rows") }
        if let t = (0..<ids.count).first(where: { !accumulator.squares[$0].isFinite || !accumulator.cross[($0 * d)..<(($0 + 1) * d)].allSatisfy(\.isFinite) }) {
            throw InputError(file: path, column: target, kind: .invalidValue,
                             "task '\(ids[t])': the values are too large for the basis '\(columns.map.spec)': their sums of squares overflow (rescale the column)")
        }
        let header = try StatisticsHeader(family: LinearGaussianFamily.name, target: target, taskColumn: taskColumn, featureMap: columns.map)
        statistics = SufficientStatistics(header: header, taskIDs: ids, counts: accumulator.counts, targetSquares: accumulator.squares,
                                          cross: accumulator.cross, gram: SufficientStatistics.mirroringUpper(accumulator.gram, dimension: d))
    }

    /// The columns in use: the whole-file reader's header checks and lookups (duplicate names
    /// refused, a leading row-index column ignored), so that both readers accept the same
    /// files with the same messages.
    private static func columns(_ header: CSVHeader, options: CSVReadOptions, path: String,
                                map: ([String]) throws -> FeatureMap) throws -> RowColumns {
        let names = header.names
        let taskColumn = options.taskColumn ?? "task"
        let target = options.targetColumn ?? "y"
        if options.targetColumn == nil && !header.contains("y") && header.contains("label") {
            throw InputError(file: path, column: "label", "sufficient statistics are for a real-valued target, but the target holds class labels")
        }
        let taskIndex = try header.index(of: taskColumn, role: "task"), targetIndex = try header.index(of: target, role: "target")
        let inputs = options.featureColumns
            ?? names.enumerated().filter { $0.offset != header.rowIndex && $0.element != taskColumn && $0.element != target }.map(\.element)
        let inputIndices = try inputs.map { try header.index(of: $0, role: "feature") }
        let featureMap = try map(inputs)
        guard featureMap.inputNames == inputs else {
            throw InputError(file: path, "the data's input columns (\(InputError.list(inputs))) do not match the basis inputs (\(InputError.list(featureMap.inputNames)))")
        }
        return RowColumns(path: path, header: header, taskIndex: taskIndex, targetIndex: targetIndex, inputIndices: inputIndices,
                          omitsMissing: options.missingValues == .omit, map: featureMap)
    }
}
