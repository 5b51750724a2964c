// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The bytes of a small input file (a prior file, an episode spec), read with POSIX calls.
///
/// Not `FileManager.contents(atPath:)`: it leaks its buffer for an empty file (found by the
/// episode-spec fuzzer, `Fuzz/crashes/episode-spec/empty-file-leak`) and says nothing of why a
/// read failed.
enum WholeFile {
    /// Reads `path` whole. `what` names the file's role in messages (`a prior file`).
    /// - Throws: ``InputError`` naming the file: missing, a directory, or unreadable (with the
    ///   system's reason).
    static func read(_ path: String, what: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            let code = errno
            throw InputError(file: path, kind: code == ENOENT ? .missingFile : .unreadable,
                             code == ENOENT ? "no such file" : "cannot open: \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw InputError(file: path, kind: .unreadable, "is a directory, not \(what)")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw InputError(file: path, kind: .unreadable, "cannot read: \(String(cString: strerror(errno)))")
            }
            if got == 0 { return bytes }
            bytes.append(contentsOf: buffer[0..<got])
        }
    }
}
