// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A parsed table: the data set, for each task the line of its first row (for error messages
/// about descriptors), and the task-weight column's values per task if one was asked for.
struct ParsedTable {
    var dataset: MetaDataset
    var firstLines: [Int]
    var taskWeights: [TaskWeightValues]?
}

/// The values of a task's weight column: the first, and whether any row differs from it.
/// Checked only after the descriptors are attached (``MetaDataset/applyTaskWeights``), so
/// the errors come in the order they did when the weight was read as an input.
struct TaskWeightValues {
    var first: Double
    var varies: Bool
}

/// One pass over the bytes — in parallel over stretches of records when the file has no
/// quotes — then the stretches' task tables are merged in file order (so tasks keep their
/// order of first appearance whatever the number of threads) and each task's arrays are
/// copied from its blocks (``TaskBuckets``), stretch by stretch. On any error the file is
/// parsed again from the top, serially, so the error reported is always the first one in the
/// file. `checkHeader` sees the header before anything else is read from the file.
func parseTable(_ bytes: UnsafePointer<UInt8>, count: Int, file: String, options: CSVReadOptions,
                checkHeader: ((CSVHeader) throws -> Void)? = nil) throws -> ParsedTable {
    var scanner = CSVScanner(bytes: bytes, count: count)
    let header = try scanner.readHeader(file: file)
    try checkHeader?(header)
    let columns = try ColumnPlan(header, options)

    let threads = ProcessInfo.processInfo.activeProcessorCount
    var chunks: [ChunkResult]
    if let cuts = recordBoundaries(bytes, start: scanner.position, end: count, parts: threads),
       let parallel = parseInParallel(bytes, cuts: cuts, limit: count, header: header, columns: columns, file: file) {
        chunks = parallel
    } else {
        chunks = [try parseChunk(bytes, start: scanner.position, end: count, limit: count, firstLine: scanner.line,
                                 header: header, columns: columns, file: file)]
    }
    // Stretches after the first were numbered from line 0: shift them to the file's lines.
    let merged = MergedTables(chunks, lineOffset: chunks.count > 1 ? scanner.line : 0)
    let rowCount = chunks.reduce(0) { $0 + $1.rowCount }
    let omitted = omittedRows(chunks, lineOffset: chunks.count > 1 ? scanner.line : 0)
    guard rowCount > 0 || options.allowsNoRows else {
        if omitted.count > 0 {
            throw InputError(file: file, line: omitted.firstLine, kind: .empty,
                             "no rows left: \(omitted.count == 1 ? "the only row has" : "all \(omitted.count) rows have") a missing value (empty or NA) in a column in use, and rows with missing values are dropped; fill them in, or choose the columns with --features")
        }
        throw InputError(file: file, line: header.line + 1, column: columns.task.map { header.names[$0] }, kind: .empty,
                         "no data rows: the file has a header but no observations, so no task has any rows")
    }
    let classNames = columns.classification ? rankClasses(merged.classes, chunks: chunks, classMaps: merged.classMaps, columns: columns) : []
    var (tasks, weights) = TaskAssembly(chunks: chunks, merged: merged, columns: columns, header: header, options: options,
                                        rowCount: rowCount, threads: threads).build()
    var firstLines = merged.firstLines.flatMap { Array(repeating: $0, count: columns.targets.count) }
    if omitted.count > 0 {
        // A task whose every row was dropped was still named by them (the fast row scanner
        // files the task before it meets the missing value): it has no rows, so it is no task.
        let keep = tasks.indices.filter { tasks[$0].count > 0 }
        if keep.count < tasks.count {
            tasks = keep.map { tasks[$0] }
            firstLines = keep.map { firstLines[$0] }
            if !weights.isEmpty { weights = keep.map { weights[$0] } }
        }
    }
    chunks.removeAll()
    let names = header.names
    var dataset = MetaDataset(inputNames: columns.features.map { names[$0] }, targetName: columns.targetName,
                              taskColumn: columns.task.map { names[$0] } ?? (options.taskColumn ?? "task"),
                              kind: columns.classification ? .classification(classNames: classNames) : .regression,
                              tasks: tasks)
    dataset.omittedRows = omitted.count
    if omitted.count > 0 {
        dataset.readingNotes.append("note: \(counted(omitted.count, "row")) of \(file) with a missing value (empty or NA) in a used column \(omitted.count == 1 ? "was" : "were") left out, the first on line \(omitted.firstLine.map(String.init) ?? "?") (--na-action omit; --na-action fail refuses them)")
    }
    if let note = header.rowIndexNote(file: file) { dataset.readingNotes.append(note) }
    return ParsedTable(dataset: dataset, firstLines: firstLines, taskWeights: columns.weight == nil ? nil : weights)
}

/// How many rows the stretches dropped for a missing value, and the file line of the first.
private func omittedRows(_ chunks: [ChunkResult], lineOffset: Int) -> (count: Int, firstLine: Int?) {
    var offset = lineOffset, first: Int?
    for chunk in chunks {
        if first == nil, let line = chunk.firstOmittedLine { first = line + offset }
        offset += chunk.lineCount
    }
    return (chunks.reduce(0) { $0 + $1.omittedRows }, first)
}

/// The stretches' task and class tables merged in file order: local task k of chunk c
/// becomes global task `taskMaps[c][k]`, local class k global class `classMaps[c][k]`.
struct MergedTables {
    var tasks = ByteStringTable()
    var classes = ByteStringTable()
    var firstLines: [Int] = []
    var taskMaps: [[Int32]] = []
    var classMaps: [[Int]] = []

    init(_ chunks: [ChunkResult], lineOffset: Int) {
        var lineOffset = lineOffset
        for chunk in chunks {
            defer { lineOffset += chunk.lineCount }
            var map: [Int32] = []
            for k in 0..<chunk.tasks.count {
                let (index, inserted) = chunk.tasks.withKey(k) { tasks.intern($0, $1) }
                if inserted { firstLines.append(chunk.firstLines[k] + lineOffset) }
                map.append(Int32(index))
            }
            taskMaps.append(map)
            classMaps.append((0..<chunk.classes.count).map { k in chunk.classes.withKey(k) { classes.intern($0, $1).index } })
        }
    }
}

/// Class names in a canonical order (numeric when every label is a number), so the class
/// numbering does not depend on the order of rows; the chunks' class indices are turned into
/// ranks in that order, in place.
private func rankClasses(_ classes: ByteStringTable, chunks: [ChunkResult], classMaps: [[Int]], columns: ColumnPlan) -> [String] {
    let labels = classes.keys
    let numeric = labels.map { label -> Double? in
        let utf8 = Array(label.utf8)
        return utf8.withUnsafeBufferPointer { buffer in
            if case .value(let v) = parseNumber(buffer.baseAddress!, 0, buffer.count) { return v }
            return nil
        }
    }
    let order: [Int]
    if numeric.allSatisfy({ $0 != nil }) {
        order = labels.indices.sorted {
            numeric[$0]! != numeric[$1]! ? numeric[$0]! < numeric[$1]! : labels[$0].utf8.lexicographicallyPrecedes(labels[$1].utf8)
        }
    } else {
        order = labels.indices.sorted { labels[$0].utf8.lexicographicallyPrecedes(labels[$1].utf8) }
    }
    var classRank = Array(repeating: 0, count: labels.count)
    for (rank, original) in order.enumerated() { classRank[original] = rank }
    let p = columns.features.count
    for (c, chunk) in chunks.enumerated() {
        let buckets = chunk.rows
        for k in 0..<chunk.tasks.count {
            buckets.forEachBlock(k) { block, n in
                // Only the targets' columns: a weight column after them holds numbers.
                for j in 0..<columns.targets.count {
                    let column = block + TaskBuckets.blockRows * p + j * TaskBuckets.blockRows
                    for i in 0..<n { column[i] = Double(classRank[classMaps[c][Int(column[i])]]) }
                }
            }
        }
    }
    return order.map { labels[$0] }
}
