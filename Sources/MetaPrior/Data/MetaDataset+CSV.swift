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

/// What one stretch of rows parses into: values row-major, each row's task (an index into
/// the stretch's own task table), and class labels interned the same way.
private struct ChunkResult {
    var tasks = ByteStringTable()
    var classes = ByteStringTable()
    var firstLines: [Int] = []
    var values: [Double] = []
    var rowTask: [Int32] = []
    /// Line breaks in the stretch (to turn its line numbers into the file's).
    var lineCount = 0
}

/// The hot loop over rows `bytes[start..<end]` (whole records): no allocation per field.
private func parseChunk(_ bytes: UnsafePointer<UInt8>, start: Int, end: Int, header: CSVHeader, columns: ColumnPlan,
                        file: String, scannerState: CSVScanner? = nil) throws -> ChunkResult {
    var scanner = scannerState ?? CSVScanner(bytes: bytes, count: end, start: start, line: 0)
    let firstLine = scanner.line
    let names = header.names
    let width = names.count
    var result = ChunkResult()
    let stride = columns.features.count + columns.targets.count
    let estimatedRows = max(64, (end - start) / max(1, 8 * width))
    result.values.reserveCapacity(estimatedRows * stride)
    result.rowTask.reserveCapacity(estimatedRows)
    var fields: [FieldRange] = []
    fields.reserveCapacity(width + 1)
    var lastTask = -1
    var lastStart = 0, lastLength = -1
    var unescaped: [UInt8] = []

    while try scanner.nextRecord(into: &fields, file: file, header: header) {
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
        result.rowTask.append(Int32(truncatingIfNeeded: taskIndex))

        for c in columns.features {
            let f = fields[c]
            let parsed = parseNumber(bytes, f.start, f.end)
            guard case .value(let v) = parsed else {
                throw scanner.numberError(parsed, field: f, file: file, column: names[c])
            }
            result.values.append(v)
        }
        for c in columns.targets {
            let f = fields[c]
            if columns.classification {
                var start = f.start, end = f.end
                while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
                while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
                guard end > start else {
                    throw InputError(file: file, line: scanner.recordLine, column: names[c], "missing class label (empty field)")
                }
                let index = f.hasEscapes ? result.classes.intern(scanner.string(f)).index : result.classes.intern(bytes + start, end - start).index
                result.values.append(Double(index))
            } else {
                let parsed = parseNumber(bytes, f.start, f.end)
                guard case .value(let v) = parsed else {
                    throw scanner.numberError(parsed, field: f, file: file, column: names[c])
                }
                result.values.append(v)
            }
        }
    }
    result.lineCount = scanner.line - firstLine
    return result
}

/// Cuts `bytes[start..<end]` into about `parts` stretches of whole records, or returns `nil`
/// when the file has quotes (a line break inside quotes could then be inside a record).
private func recordBoundaries(_ bytes: UnsafePointer<UInt8>, start: Int, end: Int, parts: Int) -> [Int]? {
    guard parts > 1, end - start > 1 << 20 else { return nil }
    if memchr(bytes + start, Int32(UInt8(ascii: "\"")), end - start) != nil { return nil }
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
/// order of first appearance whatever the number of threads) and rows are scattered into
/// tasks with a counting sort. On any error the file is parsed again from the top, serially,
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
       let parallel = parseInParallel(bytes, cuts: cuts, header: header, columns: columns, file: file) {
        chunks = parallel
    } else {
        chunks = [try parseChunk(bytes, start: scanner.position, end: count, header: header, columns: columns, file: file, scannerState: scanner)]
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
    let rowCount = chunks.reduce(0) { $0 + $1.rowTask.count }
    guard rowCount > 0 else {
        throw InputError(file: file, line: header.line + 1, column: columns.task.map { names[$0] },
                         "no data rows: the file has a header but no observations, so no task has any rows")
    }

    // Class names in a canonical order (numeric when every label is a number), so the class
    // numbering does not depend on the order of rows.
    var classRank: [Int] = []
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
        classRank = Array(repeating: 0, count: labels.count)
        for (rank, original) in order.enumerated() { classRank[original] = rank }
    }

    // Counting sort of rows into tasks: offsets into one flat array of inputs per task.
    let taskCount = tasks.count
    var counts = Array(repeating: 0, count: taskCount)
    for (c, chunk) in chunks.enumerated() { for t in chunk.rowTask { counts[Int(taskMaps[c][Int(t)])] += 1 } }
    var inputs: [[Double]] = []
    var targets: [[Double]] = []
    inputs.reserveCapacity(taskCount)
    targets.reserveCapacity(taskCount * q)
    // Each task's inputs are written through one pointer per task, made once.
    var inputBuffers: [UnsafeMutablePointer<Double>] = []
    var targetBuffers: [UnsafeMutablePointer<Double>] = []
    for t in 0..<taskCount {
        inputBuffers.append(.allocate(capacity: max(1, counts[t] * p)))
        for _ in 0..<q { targetBuffers.append(.allocate(capacity: max(1, counts[t]))) }
    }
    defer {
        for b in inputBuffers { b.deallocate() }
        for b in targetBuffers { b.deallocate() }
    }
    var filled = Array(repeating: 0, count: taskCount)
    for (c, chunk) in chunks.enumerated() {
        let map = taskMaps[c], classMap = classMaps[c]
        chunk.values.withUnsafeBufferPointer { v in
            for (row, local) in chunk.rowTask.enumerated() {
                let t = Int(map[Int(local)])
                let base = row * stride
                let r = filled[t]
                filled[t] = r + 1
                let out = inputBuffers[t] + r * p
                for j in 0..<p { out[j] = v[base + j] }
                for k in 0..<q {
                    let y = v[base + p + k]
                    targetBuffers[t * q + k][r] = columns.classification ? Double(classRank[classMap[Int(y)]]) : y
                }
            }
        }
    }
    chunks.removeAll()
    var result: [TaskData] = []
    result.reserveCapacity(taskCount * q)
    let multiLabel = options.targetColumns != nil
    let baseIDs = tasks.keys
    for t in 0..<taskCount {
        let matrix = try Matrix(rows: counts[t], columns: p, elements: Array(UnsafeBufferPointer(start: inputBuffers[t], count: counts[t] * p)))
        for k in 0..<q {
            let id: String
            if multiLabel {
                let column = names[columns.targets[k]]
                id = columns.task == nil ? column : "\(baseIDs[t])/\(column)"
            } else {
                id = baseIDs[t]
            }
            result.append(TaskData(id: id, inputs: matrix, targets: Array(UnsafeBufferPointer(start: targetBuffers[t * q + k], count: counts[t]))))
        }
    }
    let dataset = MetaDataset(inputNames: columns.features.map { names[$0] }, targetName: columns.targetName,
                              taskColumn: columns.task.map { names[$0] } ?? (options.taskColumn ?? "task"),
                              kind: columns.classification ? .classification(classNames: classNames) : .regression,
                              tasks: result)
    return (dataset, firstLines.flatMap { Array(repeating: $0, count: q) })
}

/// Parses the stretches `cuts[k]..<cuts[k+1]` on separate threads; `nil` if any fails (the
/// caller then parses serially to report the first error with its true line number).
private func parseInParallel(_ bytes: UnsafePointer<UInt8>, cuts: [Int], header: CSVHeader, columns: ColumnPlan, file: String) -> [ChunkResult]? {
    let parts = cuts.count - 1
    let results = ResultSlots<ChunkResult>(count: parts)
    let address = UInt(bitPattern: bytes)
    DispatchQueue.concurrentPerform(iterations: parts) { k in
        let bytes = UnsafePointer<UInt8>(bitPattern: address)!
        results[k] = try? parseChunk(bytes, start: cuts[k], end: cuts[k + 1], header: header, columns: columns, file: file)
    }
    let all = results.values
    guard all.allSatisfy({ $0 != nil }) else { return nil }
    return all.map { $0! }
}

@inline(__always)
private func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
    for k in 0..<length where a[k] != b[k] { return false }
    return true
}
