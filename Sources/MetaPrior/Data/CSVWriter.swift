// SPDX-License-Identifier: GPL-3.0-or-later

/// Builds CSV text as bytes: RFC 4180 quoting where needed, `\n` line ends, numbers in the
/// shortest form that reads back to the same `Double` (Swift's `description`), so a file
/// round-trips exactly and the same values always give the same bytes.
public struct CSVWriter: Sendable {
    /// The text so far.
    public private(set) var bytes: [UInt8] = []
    private var atRowStart = true

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
