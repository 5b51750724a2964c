// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// What one stretch of rows parses into: its rows grouped by task (tasks numbered by the
/// stretch's own task table), and class labels interned the same way.
struct ChunkResult {
    var tasks = ByteStringTable()
    var classes = ByteStringTable()
    var firstLines: [Int] = []
    var rows: TaskBuckets
    var rowCount = 0
    /// Line breaks in the stretch (to turn its line numbers into the file's).
    var lineCount = 0
    /// Rows dropped for a missing value (``ColumnPlan/omitsMissing``), and the stretch's line
    /// of the first.
    var omittedRows = 0
    var firstOmittedLine: Int?
}

/// The hot loop over rows `bytes[start..<end]` (whole records), starting on line `firstLine`:
/// no allocation per field.
///
/// Two ways through a row. The fast one, without class labels, finds each field's end and
/// converts it in the same pass (``ChunkParser/fastRow(at:line:)``), accepting only rows of
/// the plain form `task,number,…\n`. Any row it does not accept — quotes, spaces, blank
/// lines, `\r` alone, an empty or bad value — is read again from its start by the general
/// scanner (``ChunkParser/generalRow(at:line:)``), which also makes every error message;
/// the values of a row are the same either way.
///
/// With `requirePlain` (a stretch of a parallel parse) a record with a quote in it throws
/// ``QuotedStretch``: a cut between stretches could then be inside a quoted field.
func parseChunk(_ bytes: UnsafePointer<UInt8>, start: Int, end: Int, limit: Int, firstLine: Int,
                header: CSVHeader, columns: ColumnPlan, file: String, requirePlain: Bool = false) throws -> ChunkResult {
    var parser = ChunkParser(bytes: bytes, start: start, end: end, limit: limit, header: header, columns: columns,
                             file: file, requirePlain: requirePlain)
    defer { parser.deallocate() }
    if requirePlain { FileBytes.populate(bytes + start, end - start) }
    // No pass over the stretch looking for quotes first: the fast way accepts no row with a
    // quote in it (a quote ends a field where only `,` or a line end may), and the general
    // way looks for one in each record it reads when that matters.
    var position = start, line = firstLine
    var rows = 0
    while position < end {
        if parser.fast, let next = parser.fastRow(at: position, line: line) {
            rows += 1
            // The `\n` sentinel after the file's last record ends no line.
            if next <= end { line += 1 }
            position = next
            continue
        }
        guard let (next, stored) = try parser.generalRow(at: position, line: &line) else { break }
        if stored { rows += 1 }
        position = next
    }
    parser.result.rowCount = rows
    parser.result.lineCount = line - firstLine
    return parser.result
}

/// The state of one stretch's parse, shared by the fast and the general row scanners: the
/// stretch's task table and row buckets, one row's numbers, and what each column is for.
///
/// A struct with its scratch memory freed by ``deallocate()`` (not a class with `deinit`):
/// the row loop mutates its fields many million times, and a class's stored properties would
/// be checked for exclusive access on each.
struct ChunkParser {
    let bytes: UnsafePointer<UInt8>
    /// One past the stretch's last byte.
    let end: Int
    /// One past the file's last byte: how far an 8-byte load may reach.
    let limit: Int
    let header: CSVHeader
    let columns: ColumnPlan
    let file: String
    let requirePlain: Bool
    /// Whether the fast way is tried first: not with class labels or text inputs, which it
    /// does not read (a factor level that looks like a number must still be read as a level).
    let fast: Bool
    let width: Int
    /// Inputs per row.
    let p: Int
    var result: ChunkResult
    let storage: TaskBuckets
    /// One row's numbers: `p` inputs, then the targets, then the weight.
    let out: UnsafeMutablePointer<Double>
    /// What each column is for: an output slot ≥ 0 (number), -2 (task) or -1 (unused).
    let slotOf: UnsafeMutablePointer<Int>
    /// A small direct-mapped cache of short task identifiers, keyed by their bytes as a word.
    let cacheKeys: UnsafeMutablePointer<UInt64>
    let cacheEntries: UnsafeMutablePointer<(length: Int32, index: Int32)>
    let powersOfTen = DecimalToDouble.exactPowersOfTen
    let powersOfFive = DecimalToDouble.powersOfFive
    var fields: [FieldRange] = []
    /// The previous row's task (index and bytes), reused when a row's task is the same.
    var lastTask = -1, lastStart = 0, lastLength = -1
    var unescaped: [UInt8] = []

    static let cacheSize = 4096

    init(bytes: UnsafePointer<UInt8>, start: Int, end: Int, limit: Int, header: CSVHeader, columns: ColumnPlan,
         file: String, requirePlain: Bool) {
        self.bytes = bytes
        self.end = end
        self.limit = limit
        self.header = header
        self.columns = columns
        self.file = file
        self.requirePlain = requirePlain
        fast = !columns.classification && columns.levels.isEmpty
        width = header.names.count
        p = columns.features.count
        let stride = p + columns.storedAfterInputs
        storage = TaskBuckets(rows: max(64, (end - start) / max(1, 4 * width)), p: p, q: columns.storedAfterInputs)
        result = ChunkResult(rows: storage)
        out = .allocate(capacity: max(stride, 1))
        fields.reserveCapacity(width + 1)
        slotOf = .allocate(capacity: width)
        slotOf.initialize(repeating: -1, count: width)
        for (k, c) in columns.features.enumerated() { slotOf[c] = k }
        for (k, c) in columns.targets.enumerated() { slotOf[c] = p + k }
        if let w = columns.weight { slotOf[w] = p + columns.targets.count }
        if let t = columns.task { slotOf[t] = -2 }
        cacheKeys = .allocate(capacity: Self.cacheSize)
        cacheEntries = .allocate(capacity: Self.cacheSize)
        cacheKeys.initialize(repeating: 0, count: Self.cacheSize)
        cacheEntries.initialize(repeating: (0, 0), count: Self.cacheSize)
    }

    /// Frees the scratch memory (not the result's buckets, which the caller keeps).
    func deallocate() {
        out.deallocate()
        slotOf.deallocate()
        cacheKeys.deallocate()
        cacheEntries.deallocate()
    }

    /// Files the row in `out` under local task `taskIndex`.
    @inline(__always)
    func store(task taskIndex: Int) {
        storage.ensureTask(taskIndex)
        storage.append(out, task: taskIndex)
    }

    /// With no task column every row is in one task, named by the empty string.
    @inline(__always)
    mutating func internTheOnlyTask(line: Int) {
        if result.tasks.count == 0 {
            _ = result.tasks.intern("")
            result.firstLines.append(line)
        }
    }
}
