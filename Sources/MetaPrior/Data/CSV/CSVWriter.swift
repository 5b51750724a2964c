// SPDX-License-Identifier: GPL-3.0-or-later

/// Builds CSV text as bytes: RFC 4180 quoting where needed, `\n` line ends, numbers in the
/// shortest form that reads back to the same `Double` (Swift's `description`), so a file
/// round-trips exactly and the same values always give the same bytes.
public struct CSVWriter: Sendable {
    /// The text so far.
    public private(set) var bytes: [UInt8] = []
    private var atRowStart = true

    /// An empty writer; `capacity` reserves that many bytes up front, for files whose size is
    /// known roughly in advance (a sample CSV of many draws).
    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    private mutating func separate() {
        if !atRowStart { bytes.append(UInt8(ascii: ",")) }
        atRowStart = false
    }

    /// Appends a text field, quoted if it holds a comma, quote, line break or outer space.
    public mutating func field(_ text: String) {
        separate()
        let utf8 = text.utf8
        let needsQuotes = utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
            || utf8.first == UInt8(ascii: " ") || utf8.last == UInt8(ascii: " ")
        if needsQuotes {
            bytes.append(UInt8(ascii: "\""))
            for b in utf8 {
                if b == UInt8(ascii: "\"") { bytes.append(b) }
                bytes.append(b)
            }
            bytes.append(UInt8(ascii: "\""))
        } else {
            bytes.append(contentsOf: utf8)
        }
    }

    /// Appends a number field (shortest round-trip form).
    public mutating func field(_ value: Double) {
        separate()
        bytes.append(contentsOf: value.description.utf8)
    }

    /// Appends an integer field.
    public mutating func field(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Appends an empty field (a missing value to pandas and R).
    public mutating func emptyField() { separate() }

    /// Appends a whole row of text fields.
    public mutating func row(_ fields: [String]) {
        for f in fields { field(f) }
        endRow()
    }

    /// Ends the current row.
    public mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        atRowStart = true
    }

    /// Appends the text of another writer (whole rows).
    public mutating func append(_ other: CSVWriter) { bytes.append(contentsOf: other.bytes) }
}

extension CSVWriter {
    /// Most bytes `writeNumber(_:to:)` or `writeInteger(_:to:)` writes: a `Double` description is at most 24 bytes
    /// (`-2.2250738585072014e-308`); an `Int` at most 20.
    package static let maximumNumberLength = 32

    /// Writes `value` exactly as ``field(_:)-(Double)`` spells it — Swift's `description`, the
    /// shortest text that reads back to the same `Double` — into `buffer` (room for
    /// ``maximumNumberLength`` bytes) and returns the number of bytes. No `String` is made:
    /// normal values go through ``ShortestDouble`` (the same text, tested against
    /// `description`, at about twice the speed); zeros, subnormals and infinities through
    /// `Double`'s `TextOutputStreamable` conformance (which hands its ASCII to the stream
    /// through `_writeASCII`, from the same formatter as `description`). Its NaN text carries the sign and payload, unlike
    /// `description`'s `nan`, so NaN is spelled here.
    @inline(__always)
    package static func writeNumber(_ value: Double, to buffer: UnsafeMutablePointer<UInt8>) -> Int {
        writeNumber(value, to: buffer, tables: .shared)
    }

    /// ``writeNumber(_:to:)`` with the formatter's tables fetched by the caller, once for many
    /// numbers.
    @inline(__always)
    static func writeNumber(_ value: Double, to buffer: UnsafeMutablePointer<UInt8>, tables: ShortestDouble.Tables) -> Int {
        if value.isNormal { return ShortestDouble.write(value, to: buffer, tables: tables) }
        if value.isNaN {
            buffer[0] = UInt8(ascii: "n"); buffer[1] = UInt8(ascii: "a"); buffer[2] = UInt8(ascii: "n")
            return 3
        }
        var stream = ByteStream(base: buffer)
        value.write(to: &stream)
        return stream.count
    }

    /// Writes `value` as ``field(_:)-(Int)`` spells it (decimal, `-` when negative) into
    /// `buffer` (room for ``maximumNumberLength`` bytes) and returns the number of bytes.
    @inline(__always)
    package static func writeInteger(_ value: Int, to buffer: UnsafeMutablePointer<UInt8>) -> Int {
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, filled from the end
        return withUnsafeMutableBytes(of: &digits) { scratch in
            var i = scratch.count
            repeat {
                i -= 1
                scratch[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            var n = 0
            if value < 0 { buffer[0] = UInt8(ascii: "-"); n = 1 }
            for j in i..<scratch.count { buffer[n] = scratch[j]; n += 1 }
            return n
        }
    }

    /// A text stream into a caller's buffer of ``maximumNumberLength`` bytes.
    private struct ByteStream: TextOutputStream {
        let base: UnsafeMutablePointer<UInt8>
        var count = 0

        mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
            guard let source = buffer.baseAddress, !buffer.isEmpty else { return }
            precondition(count + buffer.count <= CSVWriter.maximumNumberLength, "number text too long")
            (base + count).update(from: source, count: buffer.count)
            count += buffer.count
        }

        mutating func write(_ string: String) {
            for byte in string.utf8 {
                precondition(count < CSVWriter.maximumNumberLength, "number text too long")
                base[count] = byte
                count += 1
            }
        }
    }
}
