// SPDX-License-Identifier: GPL-3.0-or-later
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CSV records of a file, read `chunkSize` bytes at a time with `read(2)`: memory holds
/// one chunk and the record that straddles it, never the file (``StreamingStatistics``). A
/// record ends at a `\n` outside quotes, so a quoted field may hold line breaks.
final class ChunkedLines {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let path: String
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    private var closed = false
    private var start = 0
    private var endOfFile = false
    /// Line number of the next record's first line (1-based).
    private var line = 1

    init(path: String, chunkSize: Int) throws {
        self.path = path
        self.chunkSize = chunkSize
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
        } else {
            descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else {
                let code = errno
                throw InputError(file: path, kind: code == ENOENT ? .missingFile : .unreadable,
                                 code == ENOENT ? "no such file" : "cannot open: \(String(cString: strerror(code)))")
            }
            ownsDescriptor = true
            var status = stat()
            if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
                close(descriptor)
                throw InputError(file: path, kind: .unreadable, "is a directory, not a CSV file")
            }
        }
        buffer.reserveCapacity(chunkSize * 2)
    }

    /// Closes the file (standard input is left open).
    func finish() {
        if ownsDescriptor && !closed { _ = close(descriptor) }
        closed = true
    }

    deinit { finish() }

    /// The next record without its line end, and the line it starts on; `nil` at the end.
    func next() throws -> (bytes: ArraySlice<UInt8>, number: Int)? {
        var scanned = start
        var quoted = false
        var breaks = 0
        while true {
            while scanned < buffer.count {
                let byte = buffer[scanned]
                if byte == UInt8(ascii: "\"") {
                    quoted.toggle()
                } else if byte == UInt8(ascii: "\n") {
                    if !quoted {
                        var end = scanned
                        if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                        let record = (buffer[start..<end], line)
                        line += breaks + 1
                        start = scanned + 1
                        return record
                    }
                    breaks += 1
                }
                scanned += 1
            }
            if endOfFile {
                guard start < buffer.count else { finish(); return nil }
                if quoted { throw InputError(file: path, line: line, kind: .malformed, "quoted field is never closed") }
                let record = (buffer[start..<buffer.count], line)
                start = buffer.count
                return record
            }
            // Keep the unfinished record, read the next chunk after it.
            let kept = buffer.count - start
            buffer.removeFirst(start)
            scanned -= start
            start = 0
            buffer += repeatElement(0, count: chunkSize)
            let got = buffer.withUnsafeMutableBufferPointer { read(descriptor, $0.baseAddress! + kept, chunkSize) }
            guard got >= 0 else { throw InputError(file: path, kind: .unreadable, "cannot read: \(String(cString: strerror(errno)))") }
            buffer.removeLast(chunkSize - got)
            if got == 0 { endOfFile = true }
        }
    }
}

/// Splits one CSV record into its fields (RFC 4180: a quoted field loses its quotes and
/// `""` becomes `"`).
enum StatisticsRowFields {
    static func split(_ record: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var fields: [ArraySlice<UInt8>] = []
        var i = record.startIndex
        while true {
            if i < record.endIndex && record[i] == UInt8(ascii: "\"") {
                var text: [UInt8] = []
                i += 1
                while i < record.endIndex {
                    if record[i] == UInt8(ascii: "\"") {
                        if i + 1 < record.endIndex && record[i + 1] == UInt8(ascii: "\"") { text.append(record[i]); i += 2; continue }
                        i += 1
                        break
                    }
                    text.append(record[i]); i += 1
                }
                while i < record.endIndex && record[i] != UInt8(ascii: ",") { i += 1 }
                fields.append(text[...])
            } else {
                let begin = i
                while i < record.endIndex && record[i] != UInt8(ascii: ",") { i += 1 }
                fields.append(record[begin..<i])
            }
            guard i < record.endIndex else { return fields }
            i += 1  // the comma
        }
    }

    /// Whether a field is a missing value: empty, or `NA` as R writes it.
    static func isMissing(_ field: ArraySlice<UInt8>) -> Bool {
        field.isEmpty || (field.count == 2 && field.first == UInt8(ascii: "N") && field.last == UInt8(ascii: "A"))
    }
}
