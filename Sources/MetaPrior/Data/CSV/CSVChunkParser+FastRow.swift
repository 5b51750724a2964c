// SPDX-License-Identifier: GPL-3.0-or-later

/// The fast row scanner: one pass over a plain row, each field's end found and its value
/// converted together.
extension ChunkParser {
    /// Reads the row at `position` if it has the plain form `task,number,…\n` (or `\r\n`) and
    /// files it; returns where the next row starts, or `nil` to leave the row (untouched in
    /// the buckets) to the general scanner.
    @inline(__always)
    mutating func fastRow(at position: Int, line: Int) -> Int? {
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), ret = UInt8(ascii: "\r")
        var at = position
        var taskIndex = 0
        for c in 0..<width {
            let isLast = c == width - 1
            let slot = slotOf[c]
            var fieldEnd: Int
            // A task `NA` is a missing task when rows with missing values are dropped: the
            // general scanner drops the row (and must see it before any task is filed).
            if slot == -2 && columns.omitsMissing && isNotAvailable(at) { return nil }
            if slot == -2, let (index, length) = shortTask(at: at, line: line) {
                taskIndex = index
                fieldEnd = at &+ length
            } else if slot >= 0, let (v, stop) = scanPlainNumber(bytes, at, limit: limit, powersOfTen: powersOfTen, powersOfFive: powersOfFive),
                      bytes[stop] == (isLast ? newline : comma) || (isLast && bytes[stop] == ret) {
                out[slot] = v
                fieldEnd = stop
            } else {
                fieldEnd = plainFieldEnd(from: at)
                if slot >= 0 {
                    guard case .value(let v) = parseNumber(bytes, at, fieldEnd) else { return nil }
                    out[slot] = v
                } else if slot == -2 {
                    guard let index = plainTask(at: at, length: fieldEnd - at, line: line) else { return nil }
                    taskIndex = index
                }
            }
            guard let next = afterField(fieldEnd, isLast: isLast) else { return nil }
            at = next
        }
        if columns.task == nil { internTheOnlyTask(line: line) }
        store(task: taskIndex)
        return at
    }

    /// Whether the field at `at` is exactly `NA`.
    @inline(__always)
    func isNotAvailable(_ at: Int) -> Bool {
        guard at &+ 1 < limit, bytes[at] == UInt8(ascii: "N"), bytes[at &+ 1] == UInt8(ascii: "A") else { return false }
        guard at &+ 2 < limit else { return true }
        let next = bytes[at &+ 2]
        return next == UInt8(ascii: ",") || next == UInt8(ascii: "\n") || next == UInt8(ascii: "\r")
    }

    /// A task identifier of 1…7 bytes at `at`: looked up by its bytes as one word in a small
    /// direct-mapped cache before the hash table (rows of many tasks are interleaved, so "same
    /// as the previous row" rarely helps). `nil` if the field is not that short.
    @inline(__always)
    mutating func shortTask(at: Int, line: Int) -> (index: Int, length: Int)? {
        guard at &+ 8 <= limit else { return nil }
        let word = UnsafeRawPointer(bytes + at).loadUnaligned(as: UInt64.self).littleEndian
        let found = firstDelimiterMask(word)
        guard found != 0, found.trailingZeroBitCount >= 8 else { return nil }
        let length = found.trailingZeroBitCount >> 3
        let key = word & ((1 << UInt64(8 * length)) &- 1)
        let h = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 52)
        if cacheKeys[h] == key && cacheEntries[h].length == Int32(length) {
            return (Int(cacheEntries[h].index), length)
        }
        let (index, inserted) = result.tasks.intern(bytes + at, length)
        if inserted { result.firstLines.append(line) }
        cacheKeys[h] = key
        cacheEntries[h] = (Int32(length), Int32(truncatingIfNeeded: index))
        return (index, length)
    }

    /// A task identifier of any length without quotes, `nil` if empty (an error the general
    /// scanner reports).
    @inline(__always)
    mutating func plainTask(at: Int, length: Int, line: Int) -> Int? {
        guard length > 0 else { return nil }
        if length == lastLength && bytesEqual(bytes + at, bytes + lastStart, length) { return lastTask }
        let (index, inserted) = result.tasks.intern(bytes + at, length)
        if inserted { result.firstLines.append(line) }
        lastTask = index
        lastStart = at; lastLength = length
        return index
    }

    /// The end of an unquoted field starting at `at`: the first `,`, `\n`, `\r` or `"`.
    @inline(__always)
    func plainFieldEnd(from at: Int) -> Int {
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), ret = UInt8(ascii: "\r"), quote = UInt8(ascii: "\"")
        var fieldEnd = at
        while true {
            let b = bytes[fieldEnd]
            if b == comma || b == newline || b == ret || b == quote { return fieldEnd }
            fieldEnd += 1
        }
    }

    /// Where the next field starts if the field ending at `fieldEnd` ends as the row's layout
    /// says — `,`, or the line end after the last — else `nil`.
    @inline(__always)
    func afterField(_ fieldEnd: Int, isLast: Bool) -> Int? {
        let b = bytes[fieldEnd]
        if !isLast { return b == UInt8(ascii: ",") ? fieldEnd + 1 : nil }
        if b == UInt8(ascii: "\n") { return fieldEnd + 1 }
        if b == UInt8(ascii: "\r") && bytes[fieldEnd + 1] == UInt8(ascii: "\n") && fieldEnd + 1 < end { return fieldEnd + 2 }
        return nil
    }
}

/// High bit set in the first byte of `word` (little-endian) that is `,`, `\n`, `\r` or `"`
/// (bytes after it may be flagged falsely); 0 if none is.
@inline(__always)
func firstDelimiterMask(_ word: UInt64) -> UInt64 {
    @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 }
    return zeroBytes(word ^ 0x2C2C_2C2C_2C2C_2C2C) | zeroBytes(word ^ 0x0A0A_0A0A_0A0A_0A0A) | zeroBytes(word ^ 0x0D0D_0D0D_0D0D_0D0D)
        | zeroBytes(word ^ 0x2222_2222_2222_2222)
}

@inline(__always)
func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
    for k in 0..<length where a[k] != b[k] { return false }
    return true
}
