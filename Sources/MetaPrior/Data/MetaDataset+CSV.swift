// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension MetaDataset {
    /// Reads a meta-dataset from a long-format CSV file (or standard input for `-`), and the
    /// task descriptors from ``CSVReadOptions/descriptorsPath`` if given.
    ///
    /// One row per observation; rows of a task need not be contiguous; task identifiers are
    /// strings. Tasks are kept in order of first appearance.
    /// - Throws: ``InputError`` naming the file, line and column of the first problem: a
    ///   missing file, a missing or duplicated column, a ragged row, a value that is not a
    ///   finite number, an empty file, a file with no rows, a descriptor row for an unknown
    ///   task or a task with no descriptor.
    public static func read(csv path: String, options: CSVReadOptions = CSVReadOptions()) throws -> MetaDataset {
        let bytes = try FileBytes(path: path)
        var (dataset, firstLines) = try bytes.withBytes { try parseTable($0, count: bytes.count, file: path, options: options) }
        if let descriptors = options.descriptorsPath {
            try dataset.attachDescriptors(csv: descriptors, options: options, dataFile: path, firstLines: firstLines)
        }
        return dataset
    }

    /// Parses CSV text already in memory; `name` stands for the file in error messages.
    /// Descriptors, if wanted, are read from ``CSVReadOptions/descriptorsPath``.
    public static func parse(csv bytes: [UInt8], name: String = "<input>", options: CSVReadOptions = CSVReadOptions()) throws -> MetaDataset {
        let file = FileBytes(bytes)
        var (dataset, firstLines) = try file.withBytes { try parseTable($0, count: file.count, file: name, options: options) }
        if let descriptors = options.descriptorsPath {
            try dataset.attachDescriptors(csv: descriptors, options: options, dataFile: name, firstLines: firstLines)
        }
        return dataset
    }
}

/// The columns a parse uses, resolved against the header.
private struct ColumnPlan {
    var task: Int?
    var targets: [Int]
    var features: [Int]
    var classification: Bool
    var targetName: String
}

private func plan(_ header: CSVHeader, _ options: CSVReadOptions) throws -> ColumnPlan {
    let multiLabel = options.targetColumns != nil
    var task: Int? = nil
    let taskName = options.taskColumn ?? "task"
    if !multiLabel || options.taskColumn != nil || header.contains(taskName) {
        task = try header.index(of: taskName, role: "task")
    }
    var targetNames: [String]
    if let many = options.targetColumns {
        guard !many.isEmpty else { throw InputError(file: header.file, line: header.line, column: "--targets", "give at least one target column") }
        targetNames = many
    } else if let one = options.targetColumn {
        targetNames = [one]
    } else if header.contains("y") {
        targetNames = ["y"]
    } else if header.contains("label") {
        targetNames = ["label"]
    } else {
        throw InputError(file: header.file, line: header.line, column: "y",
                         "no target column (neither 'y' nor 'label'; name one with --target); the columns are: \(header.names.joined(separator: ", "))")
    }
    var seen = Set<String>()
    for name in targetNames where !seen.insert(name).inserted {
        throw InputError(file: header.file, line: header.line, column: name, "named twice as a target")
    }
    let targets = try targetNames.map { try header.index(of: $0, role: "target") }
    if let task, targets.contains(task) {
        throw InputError(file: header.file, line: header.line, column: header.names[task], "the task column cannot also be the target")
    }
    var features: [Int]
    if let names = options.featureColumns {
        features = []
        var used = Set<String>()
        for name in names {
            let index = try header.index(of: name, role: "feature")
            if index == task { throw InputError(file: header.file, line: header.line, column: name, "the task column cannot be a feature") }
            if targets.contains(index) { throw InputError(file: header.file, line: header.line, column: name, "a target column cannot be a feature") }
            if !used.insert(name).inserted { throw InputError(file: header.file, line: header.line, column: name, "named twice as a feature") }
            features.append(index)
        }
    } else {
        features = header.names.indices.filter { $0 != task && !targets.contains($0) }
    }
    let classification: Bool
    switch options.kind {
    case .regression: classification = false
    case .classification: classification = true
    case .automatic: classification = targetNames.allSatisfy { $0 == "label" || $0 == "class" }
    }
    let targetName = multiLabel ? (classification ? "label" : "y") : targetNames[0]
    return ColumnPlan(task: task, targets: targets, features: features, classification: classification, targetName: targetName)
}

/// Memory for the ingest's large scratch buffers, asking the kernel for transparent huge
/// pages: a million-row file touches tens of megabytes of fresh memory, and faulting it in
/// 4 KiB pages (one fault each) cost about a fifth of the whole ingest. Falls back to `malloc`.
private struct ScratchMemory {
    let base: UnsafeMutableRawPointer
    let length: Int
    private let mapped: Bool

    init(bytes: Int) {
        let length = max(bytes, 1)
        if length >= 1 << 21, let region = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
           region != MAP_FAILED {
            _ = madvise(region, length, 14)  // MADV_HUGEPAGE (a hint; harmless where unsupported)
            base = region
            mapped = true
        } else {
            base = .allocate(byteCount: length, alignment: 16)
            mapped = false
        }
        self.length = length
    }

    func free() {
        if mapped { munmap(base, length) } else { base.deallocate() }
    }
}

/// Rows of one stretch, already grouped by task as they are read: each task's rows go into
/// its own chain of blocks of ``blockRows`` rows, carved in order from large arenas.
///
/// Hand-written for speed. Keeping rows in file order and gathering them into tasks
/// afterwards (a row-major table, each row's task, then a pointer per row) made the gather a
/// million cache misses — a task's rows are scattered through the file — and touched 36 MB
/// of fresh memory besides; with blocks, a task's rows are a few contiguous runs, copied into
/// its arrays with `memcpy`. Within a block the inputs are row-major (as the task's matrix)
/// and each target is a column of its own (as the task's targets), so each run is one copy.
private final class TaskBuckets: @unchecked Sendable {
    static let blockRows = 64
    let p: Int
    let q: Int
    /// Doubles in one block: `blockRows` rows of `p` inputs, then `q` columns of targets.
    let blockDoubles: Int
    private var arenas: [ScratchMemory] = []
    private var arenaNext: UnsafeMutablePointer<Double>
    private var arenaLeft = 0
    private let arenaDoubles: Int
    /// Per local task: its blocks in order; the current block; rows so far.
    private(set) var blocks: [[UnsafeMutablePointer<Double>]] = []
    private var current: UnsafeMutablePointer<UnsafeMutablePointer<Double>>
    private(set) var counts: UnsafeMutablePointer<Int>
    private var taskCapacity = 0

    init(rows: Int, p: Int, q: Int) {
        self.p = p
        self.q = q
        blockDoubles = Self.blockRows * (p + q)
        arenaDoubles = max(rows * (p + q), 64 * blockDoubles)
        arenaNext = UnsafeMutablePointer(bitPattern: 8)!
        current = .allocate(capacity: 0)
        counts = .allocate(capacity: 0)
    }

    /// Makes room for local task `task` (tasks are numbered 0, 1, … as they first appear).
    @inline(__always)
    func ensureTask(_ task: Int) {
        if task >= taskCapacity { growTasks(task) }
    }

    @inline(never)
    private func growTasks(_ task: Int) {
        let larger = max(64, 2 * taskCapacity, task + 1)
        let newCurrent = UnsafeMutablePointer<UnsafeMutablePointer<Double>>.allocate(capacity: larger)
        newCurrent.update(from: current, count: taskCapacity)
        current.deallocate()
        current = newCurrent
        let newCounts = UnsafeMutablePointer<Int>.allocate(capacity: larger)
        newCounts.update(from: counts, count: taskCapacity)
        newCounts.advanced(by: taskCapacity).initialize(repeating: 0, count: larger - taskCapacity)
        counts.deallocate()
        counts = newCounts
        while blocks.count < larger { blocks.append([]) }
        taskCapacity = larger
    }

    @inline(never)
    private func newBlock(_ task: Int) -> UnsafeMutablePointer<Double> {
        if arenaLeft < blockDoubles {
            let memory = ScratchMemory(bytes: arenaDoubles * MemoryLayout<Double>.stride)
            arenas.append(memory)
            arenaNext = memory.base.bindMemory(to: Double.self, capacity: arenaDoubles)
            arenaLeft = arenaDoubles
        }
        let block = arenaNext
        arenaNext += blockDoubles
        arenaLeft -= blockDoubles
        blocks[task].append(block)
        current[task] = block
        return block
    }

    /// Appends a row (`p` inputs then `q` targets at `row`) to local task `task`.
    @inline(__always)
    func append(_ row: UnsafePointer<Double>, task: Int) {
        let n = counts[task]
        let i = n & (Self.blockRows - 1)
        let block = i == 0 ? newBlock(task) : current[task]
        for j in 0..<p { block[i * p + j] = row[j] }
        for k in 0..<q { block[Self.blockRows * p + k * Self.blockRows + i] = row[p + k] }
        counts[task] = n + 1
    }

    /// Calls `body(block, rows)` for each block of local task `task`, in order.
    func forEachBlock(_ task: Int, _ body: (UnsafeMutablePointer<Double>, Int) -> Void) {
        guard task < taskCapacity else { return }
        let n = counts[task]
        for (b, block) in blocks[task].enumerated() { body(block, min(Self.blockRows, n - b * Self.blockRows)) }
    }

    func count(_ task: Int) -> Int { task < taskCapacity ? counts[task] : 0 }

    deinit {
        for memory in arenas { memory.free() }
        current.deallocate()
        counts.deallocate()
    }
}

/// What one stretch of rows parses into: its rows grouped by task (tasks numbered by the
/// stretch's own task table), and class labels interned the same way.
private struct ChunkResult {
    var tasks = ByteStringTable()
    var classes = ByteStringTable()
    var firstLines: [Int] = []
    var rows: TaskBuckets
    var rowCount = 0
    /// Line breaks in the stretch (to turn its line numbers into the file's).
    var lineCount = 0
}

/// The hot loop over rows `bytes[start..<end]` (whole records), starting on line `firstLine`:
/// no allocation per field.
///
/// Two ways through a row. The fast one, without class labels, finds each field's end and
/// converts it in the same pass (``scanPlainNumber``), accepting only rows of the plain form
/// `task,number,…\n`. Any row it does not accept — quotes, spaces, blank lines, `\r` alone,
/// an empty or bad value — is read again from its start by
/// the general scanner (``CSVScanner``), which also makes every error message; the values of
/// a row are the same either way.
///
/// With `requirePlain` (a stretch of a parallel parse) a record with a quote in it throws
/// ``QuotedStretch``: a cut between stretches could then be inside a quoted field.
private func parseChunk(_ bytes: UnsafePointer<UInt8>, start: Int, end: Int, limit: Int, firstLine: Int,
                        header: CSVHeader, columns: ColumnPlan, file: String, requirePlain: Bool = false) throws -> ChunkResult {
    let names = header.names
    let width = names.count
    let p = columns.features.count
    let stride = p + columns.targets.count
    let storage = TaskBuckets(rows: max(64, (end - start) / max(1, 4 * width)), p: p, q: columns.targets.count)
    var result = ChunkResult(rows: storage)
    let out = UnsafeMutablePointer<Double>.allocate(capacity: max(stride, 1))
    defer { out.deallocate() }
    var fields: [FieldRange] = []
    fields.reserveCapacity(width + 1)
    var lastTask = -1
    var lastStart = 0, lastLength = -1
    var unescaped: [UInt8] = []

    // What each column is for: an output slot ≥ 0 (number), -2 (task) or -1 (unused).
    let slotOf = UnsafeMutablePointer<Int>.allocate(capacity: width)
    defer { slotOf.deallocate() }
    slotOf.initialize(repeating: -1, count: width)
    for (k, c) in columns.features.enumerated() { slotOf[c] = k }
    for (k, c) in columns.targets.enumerated() { slotOf[c] = p + k }
    if let t = columns.task { slotOf[t] = -2 }
    let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), ret = UInt8(ascii: "\r")
    let cacheKeys = UnsafeMutablePointer<UInt64>.allocate(capacity: 4096)
    let cacheEntries = UnsafeMutablePointer<(length: Int32, index: Int32)>.allocate(capacity: 4096)
    defer { cacheKeys.deallocate(); cacheEntries.deallocate() }
    cacheKeys.initialize(repeating: 0, count: 4096)
    cacheEntries.initialize(repeating: (0, 0), count: 4096)
    if requirePlain { FileBytes.populate(bytes + start, end - start) }
    // No pass over the stretch looking for quotes first: the fast way accepts no row with a
    // quote in it (a quote ends a field where only `,` or a line end may), and the general
    // way looks for one in each record it reads when that matters.
    let fast = !columns.classification
    let quote = UInt8(ascii: "\"")
    let powersOfTen = DecimalToDouble.exactPowersOfTen, powersOfFive = DecimalToDouble.powersOfFive

    var position = start, line = firstLine
    var rows = 0
    rowLoop: while position < end {
        if fast {
            var at = position
            var taskIndex = 0
            var accepted = true
            for c in 0..<width {
                let isLast = c == width - 1
                let slot = slotOf[c]
                var fieldEnd: Int
                if slot == -2, at &+ 8 <= limit,
                   case let word = UnsafeRawPointer(bytes + at).loadUnaligned(as: UInt64.self).littleEndian,
                   case let found = firstDelimiterMask(word), found != 0, found.trailingZeroBitCount >= 8 {
                    // A task identifier of 1…7 bytes: looked up by its bytes as one word in a
                    // small direct-mapped cache before the hash table (rows of many tasks are
                    // interleaved, so "same as the previous row" rarely helps).
                    let length = found.trailingZeroBitCount >> 3
                    let key = word & ((1 << UInt64(8 * length)) &- 1)
                    let h = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 52)
                    if cacheKeys[h] == key && cacheEntries[h].length == Int32(length) {
                        taskIndex = Int(cacheEntries[h].index)
                    } else {
                        let (index, inserted) = result.tasks.intern(bytes + at, length)
                        if inserted { result.firstLines.append(line) }
                        taskIndex = index
                        cacheKeys[h] = key
                        cacheEntries[h] = (Int32(length), Int32(truncatingIfNeeded: index))
                    }
                    fieldEnd = at &+ length
                } else if slot >= 0, let (v, stop) = scanPlainNumber(bytes, at, limit: limit, powersOfTen: powersOfTen, powersOfFive: powersOfFive),
                   bytes[stop] == (isLast ? newline : comma) || (isLast && bytes[stop] == ret) {
                    out[slot] = v
                    fieldEnd = stop
                } else {
                    fieldEnd = at
                    while true {
                        let b = bytes[fieldEnd]
                        if b == comma || b == newline || b == ret || b == quote { break }
                        fieldEnd += 1
                    }
                    if slot >= 0 {
                        guard case .value(let v) = parseNumber(bytes, at, fieldEnd) else { accepted = false; break }
                        out[slot] = v
                    } else if slot == -2 {
                        let length = fieldEnd - at
                        guard length > 0 else { accepted = false; break }
                        if length == lastLength && bytesEqual(bytes + at, bytes + lastStart, length) {
                            taskIndex = lastTask
                        } else {
                            let (index, inserted) = result.tasks.intern(bytes + at, length)
                            if inserted { result.firstLines.append(line) }
                            taskIndex = index
                            lastTask = index
                            lastStart = at; lastLength = length
                        }
                    }
                }
                // The field must end as the row's layout says: `,`, or the line end after the last.
                let b = bytes[fieldEnd]
                if !isLast {
                    guard b == comma else { accepted = false; break }
                    at = fieldEnd + 1
                } else if b == newline {
                    at = fieldEnd + 1
                } else if b == ret && bytes[fieldEnd + 1] == newline && fieldEnd + 1 < end {
                    at = fieldEnd + 2
                } else {
                    accepted = false
                }
            }
            if accepted {
                if columns.task == nil && result.tasks.count == 0 {
                    _ = result.tasks.intern("")
                    result.firstLines.append(line)
                }
                storage.ensureTask(taskIndex)
                storage.append(out, task: taskIndex)
                rows += 1
                // The `\n` sentinel after the file's last record ends no line.
                if at <= end { line += 1 }
                position = at
                continue rowLoop
            }
        }

        // The general way: one record with the full scanner.
        var scanner = CSVScanner(bytes: bytes, count: end, start: position, line: line)
        guard try scanner.nextRecord(into: &fields, file: file, header: header) else {
            line = scanner.line
            break
        }
        if requirePlain && memchr(bytes + position, Int32(quote), scanner.position - position) != nil { throw QuotedStretch() }
        guard fields.count == width else { throw scanner.raggedRow(file: file, header: header, found: fields.count) }

        // The task: the same bytes as the previous row's task reuse its index.
        var taskIndex = 0
        if let t = columns.task {
            let f = fields[t]
            var start = f.start, length = f.end - f.start
            if f.hasEscapes {
                unescaped = Array(scanner.string(f).utf8)
                start = -1; length = unescaped.count
            }
            guard length > 0 else {
                throw InputError(file: file, line: scanner.recordLine, column: names[t], "empty task identifier")
            }
            if start >= 0 && length == lastLength && bytesEqual(bytes + start, bytes + lastStart, length) {
                taskIndex = lastTask
            } else {
                let (index, inserted) = start >= 0
                    ? result.tasks.intern(bytes + start, length)
                    : unescaped.withUnsafeBufferPointer { result.tasks.intern($0.baseAddress!, length) }
                if inserted { result.firstLines.append(scanner.recordLine) }
                taskIndex = index
                lastTask = index
                if start >= 0 { lastStart = start; lastLength = length } else { lastLength = -1 }
            }
        } else if result.tasks.count == 0 {
            _ = result.tasks.intern("")
            result.firstLines.append(scanner.recordLine)
        }

        for (k, c) in columns.features.enumerated() {
            let f = fields[c]
            let parsed = parseNumber(bytes, f.start, f.end)
            guard case .value(let v) = parsed else {
                throw scanner.numberError(parsed, field: f, file: file, column: names[c])
            }
            out[k] = v
        }
        for (k, c) in columns.targets.enumerated() {
            let f = fields[c]
            if columns.classification {
                var start = f.start, end = f.end
                while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
                while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
                guard end > start else {
                    throw InputError(file: file, line: scanner.recordLine, column: names[c], "missing class label (empty field)")
                }
                let index = f.hasEscapes ? result.classes.intern(scanner.string(f)).index : result.classes.intern(bytes + start, end - start).index
                out[p + k] = Double(index)
            } else {
                let parsed = parseNumber(bytes, f.start, f.end)
                guard case .value(let v) = parsed else {
                    throw scanner.numberError(parsed, field: f, file: file, column: names[c])
                }
                out[p + k] = v
            }
        }
        storage.ensureTask(taskIndex)
        storage.append(out, task: taskIndex)
        rows += 1
        position = scanner.position
        line = scanner.line
    }
    result.rowCount = rows
    result.lineCount = line - firstLine
    return result
}

/// Cuts `bytes[start..<end]` into about `parts` stretches of whole records at line breaks, or
/// returns `nil` for a small file. Only right when the file has no quotes (a line break
/// inside quotes is inside a record): each stretch checks that for itself as it is parsed
/// (``parseChunk``'s `requirePlain`), rather than a pass over the whole file here first.
private func recordBoundaries(_ bytes: UnsafePointer<UInt8>, start: Int, end: Int, parts: Int) -> [Int]? {
    guard parts > 1, end - start > 1 << 20 else { return nil }
    var cuts = [start]
    for k in 1..<parts {
        var cut = max(start + (end - start) * k / parts, cuts.last!)
        guard let newline = memchr(bytes + cut, Int32(UInt8(ascii: "\n")), end - cut) else { break }
        cut = UnsafeRawPointer(newline).assumingMemoryBound(to: UInt8.self) - bytes + 1
        if cut > cuts.last! && cut < end { cuts.append(cut) }
    }
    cuts.append(end)
    return cuts
}

/// One pass over the bytes — in parallel over stretches of records when the file has no
/// quotes — then the stretches' task tables are merged in file order (so tasks keep their
/// order of first appearance whatever the number of threads) and each task's arrays are
/// copied from its blocks (``TaskBuckets``), stretch by stretch. On any error the file is parsed again from the top, serially,
/// so the error reported is always the first one in the file.
/// Returns the data set and, for each task, the line of its first row (for error messages).
private func parseTable(_ bytes: UnsafePointer<UInt8>, count: Int, file: String, options: CSVReadOptions) throws -> (MetaDataset, [Int]) {
    var scanner = CSVScanner(bytes: bytes, count: count)
    let header = try scanner.readHeader(file: file)
    let columns = try plan(header, options)
    let names = header.names
    let p = columns.features.count
    let q = columns.targets.count
    let stride = p + q

    let threads = ProcessInfo.processInfo.activeProcessorCount
    var chunks: [ChunkResult]
    if let cuts = recordBoundaries(bytes, start: scanner.position, end: count, parts: threads),
       let parallel = parseInParallel(bytes, cuts: cuts, limit: count, header: header, columns: columns, file: file) {
        chunks = parallel
    } else {
        chunks = [try parseChunk(bytes, start: scanner.position, end: count, limit: count, firstLine: scanner.line,
                                 header: header, columns: columns, file: file)]
    }

    // Merge the stretches' tables: local task k of chunk c becomes global taskMap[c][k].
    var tasks = ByteStringTable()
    var classes = ByteStringTable()
    var firstLines: [Int] = []
    var taskMaps: [[Int32]] = []
    var classMaps: [[Int]] = []
    // Stretches after the first were numbered from line 0: shift them to the file's lines.
    var lineOffset = chunks.count > 1 ? scanner.line : 0
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
    let rowCount = chunks.reduce(0) { $0 + $1.rowCount }
    guard rowCount > 0 else {
        throw InputError(file: file, line: header.line + 1, column: columns.task.map { names[$0] },
                         "no data rows: the file has a header but no observations, so no task has any rows")
    }

    // Class names in a canonical order (numeric when every label is a number), so the class
    // numbering does not depend on the order of rows.
    var classNames: [String] = []
    if columns.classification {
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
        classNames = order.map { labels[$0] }
        var classRank = Array(repeating: 0, count: labels.count)
        for (rank, original) in order.enumerated() { classRank[original] = rank }
        // Chunk-local class indices → global ranks, in place.
        for (c, chunk) in chunks.enumerated() {
            let buckets = chunk.rows
            for k in 0..<chunk.tasks.count {
                buckets.forEachBlock(k) { block, n in
                    for j in 0..<q {
                        let column = block + TaskBuckets.blockRows * p + j * TaskBuckets.blockRows
                        for i in 0..<n { column[i] = Double(classRank[classMaps[c][Int(column[i])]]) }
                    }
                }
            }
        }
    }

    // Rows per task, and which local task of each stretch each task is (-1: none).
    let taskCount = tasks.count
    var offsets = Array(repeating: 0, count: taskCount + 1)
    var localTask = Array(repeating: Array(repeating: -1, count: taskCount), count: chunks.count)
    for (c, chunk) in chunks.enumerated() {
        for k in 0..<chunk.tasks.count {
            let t = Int(taskMaps[c][k])
            offsets[t + 1] += chunk.rows.count(k)
            localTask[c][t] = k
        }
    }
    for t in 0..<taskCount { offsets[t + 1] += offsets[t] }

    // Each task's inputs and targets made straight into their arrays, tasks split across
    // threads (each task is built the same way whichever thread builds it).
    let multiLabel = options.targetColumns != nil
    let baseIDs = tasks.keys
    let parts = rowCount >= 1 << 16 ? max(1, min(threads, taskCount)) : 1
    let built = ResultSlots<[TaskData]>(count: parts)
    let targetNames = columns.targets.map { names[$0] }
    let hasTaskColumn = columns.task != nil
    let build: (Int) -> Void = { part in
        var made: [TaskData] = []
        for t in (taskCount * part / parts)..<(taskCount * (part + 1) / parts) {
            let n = offsets[t + 1] - offsets[t]
            // The task's rows: its blocks in each stretch, stretches in file order.
            let inputs = [Double](unsafeUninitializedCapacity: n * p) { buffer, initialized in
                if var out = buffer.baseAddress {
                    for c in chunks.indices where localTask[c][t] >= 0 {
                        chunks[c].rows.forEachBlock(localTask[c][t]) { block, rows in
                            out.initialize(from: block, count: rows * p)
                            out += rows * p
                        }
                    }
                }
                initialized = n * p
            }
            // Rows × p elements by construction: this cannot throw.
            let matrix = try! Matrix(rows: n, columns: p, elements: inputs)
            for k in 0..<q {
                let targets = [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
                    if var out = buffer.baseAddress {
                        for c in chunks.indices where localTask[c][t] >= 0 {
                            chunks[c].rows.forEachBlock(localTask[c][t]) { block, rows in
                                out.initialize(from: block + TaskBuckets.blockRows * p + k * TaskBuckets.blockRows, count: rows)
                                out += rows
                            }
                        }
                    }
                    initialized = n
                }
                let id: String
                if multiLabel {
                    id = hasTaskColumn ? "\(baseIDs[t])/\(targetNames[k])" : targetNames[k]
                } else {
                    id = baseIDs[t]
                }
                made.append(TaskData(id: id, inputs: matrix, targets: targets))
            }
        }
        built[part] = made
    }
    if parts > 1 {
        DispatchQueue.concurrentPerform(iterations: parts, execute: build)
    } else {
        build(0)
    }
    chunks.removeAll()
    let result = built.values.flatMap { $0! }
    let dataset = MetaDataset(inputNames: columns.features.map { names[$0] }, targetName: columns.targetName,
                              taskColumn: columns.task.map { names[$0] } ?? (options.taskColumn ?? "task"),
                              kind: columns.classification ? .classification(classNames: classNames) : .regression,
                              tasks: result)
    return (dataset, firstLines.flatMap { Array(repeating: $0, count: q) })
}

/// Thrown by a stretch of a parallel parse that has a quote in it.
private struct QuotedStretch: Error {}

/// Parses the stretches `cuts[k]..<cuts[k+1]` on separate threads; `nil` if any fails (the
/// caller then parses serially to report the first error with its true line number).
private func parseInParallel(_ bytes: UnsafePointer<UInt8>, cuts: [Int], limit: Int, header: CSVHeader, columns: ColumnPlan, file: String) -> [ChunkResult]? {
    let parts = cuts.count - 1
    let results = ResultSlots<ChunkResult>(count: parts)
    let address = UInt(bitPattern: bytes)
    DispatchQueue.concurrentPerform(iterations: parts) { k in
        let bytes = UnsafePointer<UInt8>(bitPattern: address)!
        results[k] = try? parseChunk(bytes, start: cuts[k], end: cuts[k + 1], limit: limit, firstLine: 0,
                                     header: header, columns: columns, file: file, requirePlain: true)
    }
    let all = results.values
    guard all.allSatisfy({ $0 != nil }) else { return nil }
    return all.map { $0! }
}

/// High bit set in the first byte of `word` (little-endian) that is `,`, `\n`, `\r` or `"`
/// (bytes after it may be flagged falsely); 0 if none is.
@inline(__always)
private func firstDelimiterMask(_ word: UInt64) -> UInt64 {
    @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 }
    return zeroBytes(word ^ 0x2C2C_2C2C_2C2C_2C2C) | zeroBytes(word ^ 0x0A0A_0A0A_0A0A_0A0A) | zeroBytes(word ^ 0x0D0D_0D0D_0D0D_0D0D)
        | zeroBytes(word ^ 0x2222_2222_2222_2222)
}

@inline(__always)
private func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
    for k in 0..<length where a[k] != b[k] { return false }
    return true
}
