// SPDX-License-Identifier: GPL-3.0-or-later

/// Where one field lies in the file's bytes.
struct FieldRange {
    /// First byte of the content (after an opening quote).
    var start: Int
    /// One past the last byte of the content (before a closing quote).
    var end: Int
    /// Whether the field was quoted and contains `""` escapes that must be undone.
    var hasEscapes: Bool
}

/// An RFC 4180 record scanner over raw bytes.
///
/// Why not yaslab/CSV.swift (or Foundation): both hand out a `String` per field, and decoding
/// plus allocating four million `String`s for a 1,000,000-row file costs several times more
/// than the parse itself; a meta-dataset is read by every command, so ingest is on the hot
/// path. This scanner records byte ranges only; numeric fields are converted straight from
/// the bytes (``parseNumber(_:_:_:)``) and task identifiers are interned by a byte-keyed
/// table, so the inner loop allocates nothing.
///
/// Grammar: fields separated by `,`, records by `\n` or `\r\n` (a lone `\r` too); a field
/// may be quoted with `"`, inside which `""` is a quote and commas and line breaks are
/// data. A quote inside an unquoted field is taken literally (as pandas does). Blank lines
/// are skipped. A UTF-8 byte-order mark at the start is skipped.
struct CSVScanner {
    let bytes: UnsafePointer<UInt8>
    let count: Int
    /// Next byte to read.
    private(set) var position: Int
    /// Physical line (1-based) of the next byte.
    private(set) var line: Int = 1
    /// Physical line on which the last record began.
    private(set) var recordLine: Int = 1

    /// A scanner of `bytes[start..<count]`; `bytes[count]` must be readable, and be a line
    /// end unless `bytes[count - 1]` is one (the `\n` sentinel after a file or a block, or
    /// the next stretch's first byte). A byte-order mark is skipped at `start == 0` of a file's
    /// start (`fileStart`; false for a later block of a file read in blocks).
    init(bytes: UnsafePointer<UInt8>, count: Int, start: Int = 0, line: Int = 1, fileStart: Bool = true) {
        self.bytes = bytes
        self.line = line
        self.count = count
        let bom = fileStart && start == 0 && count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        position = bom ? 3 : start
    }

    /// What went wrong while scanning a record.
    struct SyntaxError: Error {
        var line: Int
        var fieldIndex: Int
        var message: String
    }

    /// Reads the next non-blank record into `fields`. Returns `false` at the end of the file.
    @inline(__always)
    mutating func nextRecord(into fields: inout [FieldRange]) throws(SyntaxError) -> Bool {
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), ret = UInt8(ascii: "\r"), quote = UInt8(ascii: "\"")
        while true {
            fields.removeAll(keepingCapacity: true)
            guard position < count else { return false }
            recordLine = line
            var p = position
            while true {
                if bytes[p] == quote {
                    let openLine = line
                    var q = p + 1
                    var escapes = false
                    while true {
                        if q >= count {
                            throw SyntaxError(line: openLine, fieldIndex: fields.count,
                                              message: "quoted field is never closed (a '\"' opened on line \(openLine))")
                        }
                        let b = bytes[q]
                        if b == quote {
                            if q + 1 < count && bytes[q + 1] == quote { escapes = true; q += 2; continue }
                            break
                        }
                        if b == newline { line += 1 }
                        q += 1
                    }
                    fields.append(FieldRange(start: p + 1, end: q, hasEscapes: escapes))
                    p = q + 1
                    let after = bytes[p]
                    if p < count && after != comma && after != newline && after != ret {
                        throw SyntaxError(line: line, fieldIndex: fields.count - 1,
                                          message: "unexpected character after a closing quote")
                    }
                } else {
                    let start = p
                    // Eight bytes at a time while they are all inside the text: find the first
                    // `,`, `\n` or `\r` with the zero-byte trick on word ^ repeated byte.
                    while p + 8 <= count {
                        let word = UnsafeRawPointer(bytes + p).loadUnaligned(as: UInt64.self).littleEndian
                        let found = zeroBytes(word ^ 0x2C2C_2C2C_2C2C_2C2C) | zeroBytes(word ^ 0x0A0A_0A0A_0A0A_0A0A) | zeroBytes(word ^ 0x0D0D_0D0D_0D0D_0D0D)
                        if found != 0 { p += found.trailingZeroBitCount >> 3; break }
                        p += 8
                    }
                    // The sentinel `\n` at bytes[count] ends this loop at the end of the file.
                    while true {
                        let b = bytes[p]
                        if b == comma || b == newline || b == ret { break }
                        p += 1
                    }
                    fields.append(FieldRange(start: start, end: p, hasEscapes: false))
                }
                if p >= count { position = count; break }
                let b = bytes[p]
                if b == comma { p += 1; continue }
                // End of record: \n, \r\n or a lone \r.
                p += (b == ret && p + 1 < count && bytes[p + 1] == newline) ? 2 : 1
                line += 1
                position = p
                break
            }
            // A blank line is one empty unquoted field: skip it.
            if fields.count == 1 && fields[0].start == fields[0].end && (fields[0].start == 0 || bytes[fields[0].start - 1] != quote) {
                continue
            }
            return true
        }
    }

    /// The field's content as a `String`, with `""` escapes undone.
    func string(_ field: FieldRange) -> String {
        let buffer = UnsafeBufferPointer(start: bytes + field.start, count: field.end - field.start)
        let text = String(decoding: buffer, as: UTF8.self)
        return field.hasEscapes ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }
}

/// High bit set in each byte of `x` that is zero; exact for the lowest such byte (bytes above
/// a zero byte may be flagged falsely, which does not matter when only the first is used).
@inline(__always)
private func zeroBytes(_ x: UInt64) -> UInt64 {
    (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
}

extension String {
    /// Replaces every occurrence of `target` (no Foundation needed for this one use).
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
