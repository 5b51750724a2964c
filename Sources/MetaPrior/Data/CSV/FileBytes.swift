// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// A whole file read into one allocation, followed by a `\n` sentinel byte.
///
/// The CSV scanner works on raw bytes rather than `String`s: decoding UTF-8 into `String`s
/// and allocating one per field costs more than the whole parse (see `CSVScanner`). The
/// sentinel lets the unquoted-field loop stop without a bounds check on every byte.
/// Owned by a class that frees the memory in `deinit`; pointers never escape
/// ``withBytes(_:)``.
///
/// A regular file is memory-mapped: the page cache is used in place, where `read(2)` into
/// fresh memory would spend a third of an ingest clearing and copying pages. Not with
/// `MAP_POPULATE`: mapping a 60 MB file's pages up front takes 3 ms on one thread before any
/// parsing starts; instead each stretch of a parallel parse maps its own part
/// (``populate(_:_:)``), on its own thread.
/// The sentinel goes into the zero-filled tail of the last page, made writable (private
/// copy-on-write of that one page). Files whose size is a whole number of pages, and pipes,
/// are read into memory instead.
final class FileBytes: @unchecked Sendable {  // read-only after `init`: safe to read from several threads
    let count: Int
    private let storage: UnsafeMutablePointer<UInt8>
    /// Length of the mapping when `storage` is `mmap`ped, else 0.
    private var mappedLength = 0

    /// Reads `path`, or standard input when `path` is `-`. `what` names the file's role in the
    /// message for a directory (`a CSV file`, `a prior file`).
    ///
    /// Also the reader of prior files and episode specs: `FileManager.contents(atPath:)` leaks
    /// its buffer on an empty file (an episode-spec fuzzer finding) and gives no reason when a
    /// read fails.
    init(path: String, what: String = "a CSV file") throws {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            self.count = data.count
            storage = .allocate(capacity: data.count + 1)
            data.copyBytes(to: storage, count: data.count)
            storage[count] = UInt8(ascii: "\n")
            return
        }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            let code = errno
            throw InputError(file: path, kind: code == ENOENT ? .missingFile : .unreadable, code == ENOENT ? "no such file" : "cannot open: \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw InputError(file: path, kind: .unreadable, "cannot read: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) != S_IFDIR else { throw InputError(file: path, kind: .unreadable, "is a directory, not \(what)") }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let size = Int(status.st_size)
        if (status.st_mode & S_IFMT) == S_IFREG, size > 0, size % pageSize != 0,
           let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED {
            let lastPage = (size / pageSize) * pageSize
            if mprotect(mapped + lastPage, pageSize, PROT_READ | PROT_WRITE) == 0 {
                count = size
                storage = mapped.assumingMemoryBound(to: UInt8.self)
                mappedLength = size
                storage[count] = UInt8(ascii: "\n")
                return
            }
            munmap(mapped, size)
        }
        // A regular file is read in one go; anything else (a pipe, /dev/stdin) grows as it comes.
        var capacity = max(Int(status.st_size), 0) + 1
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + 1)
        var filled = 0
        while true {
            if filled == capacity {
                let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2 + 1)
                larger.update(from: buffer, count: filled)
                buffer.deallocate()
                buffer = larger
                capacity *= 2
            }
            let got = read(descriptor, buffer + filled, capacity - filled)
            if got < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                buffer.deallocate()
                throw InputError(file: path, kind: .unreadable, "cannot read: \(reason)")
            }
            if got == 0 { break }
            filled += got
        }
        self.count = filled
        self.storage = buffer
        storage[count] = UInt8(ascii: "\n")
    }

    /// Bytes given in memory (tests, generated data).
    init(_ bytes: [UInt8]) {
        count = bytes.count
        storage = .allocate(capacity: bytes.count + 1)
        bytes.withUnsafeBufferPointer { if let base = $0.baseAddress { storage.update(from: base, count: bytes.count) } }
        storage[count] = UInt8(ascii: "\n")
    }

    deinit {
        if mappedLength > 0 { munmap(storage, mappedLength) } else { storage.deallocate() }
    }

    /// Maps the pages of `bytes[0..<count]` in one call (`MADV_POPULATE_READ`) rather than
    /// a page fault per 64 KiB as they are first read; a no-op where unsupported (Linux before
    /// 5.14, other systems), and harmless on memory already there.
    static func populate(_ bytes: UnsafePointer<UInt8>, _ count: Int) {
        #if os(Linux)
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = UInt(bitPattern: bytes) & ~UInt(pageSize - 1)
        let last = UInt(bitPattern: bytes + count)
        guard count > 0, let start = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(start, Int(last - first), 22)  // MADV_POPULATE_READ
        #endif
    }

    /// The SHA-256 of the bytes (without the sentinel), as ``Digest`` writes it: the digest of
    /// the file as it was read, so it cannot disagree with what was parsed.
    var sha256: String {
        withBytes { Digest.sha256(UnsafeRawBufferPointer(start: $0, count: count)) }
    }

    /// Runs `body` with the bytes; `pointer[count]` is the `\n` sentinel.
    func withBytes<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(UnsafePointer(storage)) }
    }
}
