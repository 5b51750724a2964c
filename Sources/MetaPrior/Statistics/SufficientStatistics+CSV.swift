// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension SufficientStatistics {
    /// Column names after the header line: `task,n,c,b_1,…,b_d,A_1_1,A_1_2,…,A_d_d` (the
    /// upper triangle of A row by row; features numbered from 1 in the map's order).
    static func columnNames(dimension d: Int) -> [String] {
        var names = ["task", "n", "c"] + (1...d).map { "b_\($0)" }
        for j in 1...d { for k in j...d { names.append("A_\(j)_\(k)") } }
        return names
    }

    /// The file: the header line, the column names, one row per task. Numbers in Swift's
    /// shortest form that reads back to the same `Double`, so reading the file gives these
    /// statistics bit for bit.
    public func csvBytes() throws -> [UInt8] {
        let d = dimension
        var writer = CSVWriter(capacity: 64 + taskCount * (16 + 24 * (d + d * (d + 1) / 2)))
        var headerLine = Array(try header.line().utf8)
        headerLine.append(UInt8(ascii: "\n"))
        var out = headerLine
        writer.row(Self.columnNames(dimension: d))
        for t in 0..<taskCount {
            writer.field(taskIDs[t])
            writer.field(counts[t])
            writer.field(targetSquares[t])
            for k in 0..<d { writer.field(cross[t * d + k]) }
            for j in 0..<d { for k in j..<d { writer.field(gram[t * d * d + j * d + k]) } }
            writer.endRow()
        }
        out += writer.bytes
        return out
    }

    /// Reads statistics files and merges them (``merged(_:)``); errors name the file.
    /// - Throws: ``InputError`` naming the file (and line) for the problems of
    ///   ``read(file:)``, and for files that disagree in format version or feature map.
    public static func read(files: [String]) throws -> SufficientStatistics {
        let parts = try files.map { try read(file: $0) }
        for (file, part) in zip(files, parts).dropFirst() {
            if let why = parts[0].header.mismatch(part.header) {
                throw InputError(file: file, line: 1, kind: .inconsistent,
                                 "differs from \(files[0]): \(why); every shard must be computed with the same feature map and columns (metaprior statistics --basis-from)")
            }
        }
        return try merged(parts)
    }

    /// Reads one statistics file and checks every row (see the StatisticsFormat article), in
    /// stretches of ``StreamingStatistics/chunkSize`` bytes on all cores, the rows kept in
    /// file order (the result does not depend on the number of threads).
    /// - Throws: ``InputError`` naming the file and line: not a statistics file, another
    ///   format version, a row of the wrong length or with a field that is not a finite
    ///   number, a negative or fractional n, c < 0, or A that is not positive semi-definite.
    public static func read(file: String) throws -> SufficientStatistics {
        try read(file: file, stretch: StreamingStatistics.chunkSize)
    }

    /// ``read(file:)`` in stretches of about `stretch` bytes (tests cut the file finely).
    static func read(file: String, stretch step: Int) throws -> SufficientStatistics {
        let bytes = try FileBytes(path: file, what: "a statistics file")
        return try bytes.withBytes { base in
            var lines = LineCursor(base: base, count: bytes.count)
            guard let first = lines.next() else { throw InputError(file: file, kind: .empty, "the file is empty; expected a metaprior statistics file") }
            let header = try StatisticsHeader.parse(String(decoding: UnsafeBufferPointer(start: base + first.lowerBound, count: first.count), as: UTF8.self), file: file)
            let d = header.featureMap.dimension
            let names = columnNames(dimension: d)
            guard let second = lines.next(),
                  String(decoding: UnsafeBufferPointer(start: base + second.lowerBound, count: second.count), as: UTF8.self) == names.joined(separator: ",") else {
                throw InputError(file: file, line: 2, kind: .malformed, "the second line must name the columns \(names.prefix(4).joined(separator: ",")),… for \(d) features")
            }
            let columns = try CSVHeader(file: file, line: 2, names: names)
            let start = Swift.min(lines.position, bytes.count)
            let cuts = [start] + CSVRecordCuts.cuts(base + start, count: bytes.count - start, step: step).map { $0 + start }
            func stretch(_ k: Int, firstLine: Int) throws -> (rows: SufficientStatistics, lines: Int) {
                var rows = SufficientStatistics(header: header, taskIDs: [], counts: [], targetSquares: [], cross: [], gram: [])
                var scanner = CSVScanner(bytes: base, count: cuts[k + 1], start: cuts[k], line: firstLine, fileStart: false)
                var fields: [FieldRange] = []
                var row = StatisticsRow(dimension: d)
                while try scanner.nextRecord(into: &fields, file: file, header: columns) {
                    try row.parse(fields, scanner: scanner, file: file)
                    try row.check(file: file, line: scanner.recordLine)
                    rows.append(row)
                }
                return (rows, scanner.line - firstLine)
            }
            let parts = try DeterministicParallel.map(count: cuts.count - 1, chunkSize: 1) { k in Result { try stretch(k, firstLine: 1) } }
            var result = SufficientStatistics(header: header, taskIDs: [], counts: [], targetSquares: [], cross: [], gram: [])
            result.sources = [RecordedStatistics(file: file, digest: bytes.sha256)]
            // One allocation per array: appending a million tasks' stretches to empty arrays
            // reallocated and copied them as they doubled, and the kernel's zeroing of the
            // fresh pages was the largest single item of a 1,000,000-task fit's profile.
            let total = parts.reduce(0) { $0 + ((try? $1.get())?.rows.taskCount ?? 0) }
            result.reserveCapacity(tasks: total)
            var line = 3
            for (k, part) in parts.enumerated() {
                guard case .success(let (rows, count)) = part else {
                    // Again with the stretch's true line numbers, for the error's.
                    _ = try stretch(k, firstLine: line)
                    _ = try part.get()
                    continue
                }
                result.taskIDs += rows.taskIDs
                result.counts += rows.counts
                result.targetSquares += rows.targetSquares
                result.cross += rows.cross
                result.gram += rows.gram
                line += count
            }
            return result
        }
    }

    /// Room for `tasks` tasks in every per-task array.
    private mutating func reserveCapacity(tasks: Int) {
        let d = dimension
        taskIDs.reserveCapacity(tasks)
        counts.reserveCapacity(tasks)
        targetSquares.reserveCapacity(tasks)
        cross.reserveCapacity(tasks * d)
        gram.reserveCapacity(tasks * d * d)
    }

    /// Appends one task's row (the full A from its upper triangle).
    private mutating func append(_ row: StatisticsRow) {
        let d = dimension
        taskIDs.append(row.id)
        counts.append(row.count)
        targetSquares.append(row.targetSquare)
        cross += row.cross
        let start = gram.count
        gram += [Double](repeating: 0, count: d * d)
        var u = 0
        for j in 0..<d { for k in j..<d { gram[start + j * d + k] = row.upper[u]; gram[start + k * d + j] = row.upper[u]; u += 1 } }
    }
}

/// The lines of a byte buffer, without their `\n` (or `\r\n`).
struct LineCursor {
    let base: UnsafePointer<UInt8>
    let count: Int
    var position = 0

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    mutating func next() -> Range<Int>? {
        guard position < count else { return nil }
        var end = position
        while end < count && base[end] != UInt8(ascii: "\n") { end += 1 }
        let line = position..<((end > position && base[end - 1] == UInt8(ascii: "\r")) ? end - 1 : end)
        position = end + 1
        return line
    }
}
