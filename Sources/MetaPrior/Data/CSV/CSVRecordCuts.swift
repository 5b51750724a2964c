// SPDX-License-Identifier: GPL-3.0-or-later
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the records of `bytes[0..<count]` (which starts at a record) can be cut so that
/// each stretch holds whole records: just past a `\n` that ends a record as ``CSVScanner``
/// reads it.
///
/// Bytes without a `"` are cut with `memchr` alone. With quotes, one pass follows the
/// scanner's grammar: a quote opens a quoted field only at a field's start (elsewhere it is
/// text), and inside one `""` is a quote and a line break is data. Up to the first syntax
/// error the cuts are the scanner's record ends, so a stretch never starts inside a record it
/// would have read whole, and an error is met in the same record either way.
enum CSVRecordCuts {
    /// The first record end at or after each multiple of `step` (short of `count`), then
    /// `count`: the ends of stretches of about `step` bytes of whole records, fixed by the
    /// bytes and `step` alone (never by the number of threads).
    static func cuts(_ bytes: UnsafePointer<UInt8>, count: Int, step: Int) -> [Int] {
        var cuts: [Int] = []
        let step = Swift.max(1, step)
        if memchr(bytes, Int32(UInt8(ascii: "\"")), count) == nil {
            var target = step
            while target < count {
                guard let found = memchr(bytes + target - 1, Int32(UInt8(ascii: "\n")), count - target + 1) else { break }
                let cut = UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - bytes + 1
                if cut < count { cuts.append(cut) }
                target = cut + step
            }
        } else {
            var target = step
            forEachRecordEnd(bytes, count: count) { end in
                if end >= target && end < count {
                    cuts.append(end)
                    target = end + step
                }
            }
        }
        cuts.append(count)
        return cuts
    }

    /// The last record end in `bytes[0..<count]` (0 when no record ends there); at the
    /// `fileStart` a byte-order mark is skipped, as the scanner skips it.
    static func lastRecordEnd(_ bytes: UnsafePointer<UInt8>, count: Int, fileStart: Bool) -> Int {
        if memchr(bytes, Int32(UInt8(ascii: "\"")), count) == nil {
            var i = count
            while i > 0 && bytes[i - 1] != UInt8(ascii: "\n") { i -= 1 }
            return i
        }
        var last = 0
        let bom = fileStart && count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        forEachRecordEnd(bytes, count: count, from: bom ? 3 : 0) { last = $0 }
        return last
    }

    /// Calls `body` with the position just past each `\n` that ends a record.
    private static func forEachRecordEnd(_ bytes: UnsafePointer<UInt8>, count: Int, from start: Int = 0, _ body: (Int) -> Void) {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), ret = UInt8(ascii: "\r")
        var fieldStart = true, quoted = false
        var i = start
        while i < count {
            let byte = bytes[i]
            if quoted {
                if byte == quote {
                    if i + 1 < count && bytes[i + 1] == quote { i += 1 } else { quoted = false }
                }
            } else if byte == quote && fieldStart {
                quoted = true
                fieldStart = false
            } else if byte == newline {
                fieldStart = true
                body(i + 1)
            } else {
                fieldStart = byte == comma || byte == ret
            }
            i += 1
        }
    }
}
