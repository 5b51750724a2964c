// SPDX-License-Identifier: GPL-3.0-or-later
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CSV file (or standard input) read with `read(2)` in blocks of whole records, so that
/// memory holds one block and the record that straddles it, never the file; each block is
/// then cut (``CSVRecordCuts``) and scanned (``CSVScanner``) like a file read whole.
final class CSVBlockReader {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    let path: String
    private let blockSize: Int
    /// The bytes read and not yet handed out are `buffer[consumed..<filled]`.
    private var buffer: [UInt8] = []
    private var consumed = 0
    private var filled = 0
    private var endOfFile = false
    private var closed = false
    /// Whether no block has been handed out yet (the file's byte-order mark is in the next).
    private var atStart = true

    /// Opens `path` (`-`: standard input) to read about `blockSize` bytes at a time.
    /// - Throws: ``InputError`` for a missing or unreadable file or a directory.
    init(path: String, blockSize: Int) throws {
        self.path = path
        self.blockSize = Swift.max(1, blockSize)
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
    }

    deinit { finish() }

    /// Closes the file (standard input is left open).
    func finish() {
        if ownsDescriptor && !closed { _ = close(descriptor) }
        closed = true
    }

    /// Calls `body(bytes, count)` with the next block: whole records in `bytes[0..<count]`,
    /// ending just past a `\n` outside quotes or at the end of the file, and `bytes[count]`
    /// readable and a line end there (the sentinel ``CSVScanner`` needs). `nil` at the end.
    func nextBlock<Result>(_ body: (UnsafePointer<UInt8>, Int) throws -> Result) throws -> Result? {
        if consumed > 0 {
            buffer.withUnsafeMutableBufferPointer { b in
                _ = memmove(b.baseAddress!, b.baseAddress! + consumed, filled - consumed)
            }
            filled -= consumed
            consumed = 0
        }
        var end = 0
        while true {
            // Read until the block is full (or the file ends), then cut it after its last record.
            while !endOfFile && filled < blockSize + end { try fill(blockSize + end - filled) }
            end = buffer.withUnsafeBufferPointer { CSVRecordCuts.lastRecordEnd($0.baseAddress!, count: filled, fileStart: atStart) }
            if endOfFile { end = filled; break }
            if end > 0 { break }
            end = filled  // one record longer than the block: read another block's worth
        }
        guard end > 0 else { finish(); return nil }
        if buffer.count <= end { buffer.append(0) }
        let saved = buffer[end]
        buffer[end] = UInt8(ascii: "\n")
        defer { buffer[end] = saved }
        consumed = end
        atStart = false
        return try buffer.withUnsafeBufferPointer { try body($0.baseAddress!, end) }
    }

    /// Reads up to `wanted` more bytes after `filled`.
    private func fill(_ wanted: Int) throws {
        let wanted = Swift.min(wanted, 1 << 22)  // the buffer grows by what is read, not by a block asked for
        if buffer.count < filled + wanted + 1 { buffer += repeatElement(0, count: filled + wanted + 1 - buffer.count) }
        let got = buffer.withUnsafeMutableBufferPointer { read(descriptor, $0.baseAddress! + filled, wanted) }
        guard got >= 0 else {
            if errno == EINTR { return }
            throw InputError(file: path, kind: .unreadable, "cannot read: \(String(cString: strerror(errno)))")
        }
        if got == 0 { endOfFile = true }
        filled += got
    }
}
