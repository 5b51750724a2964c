// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Writes files whole or not at all: to a temporary file in the same directory, then a
/// `rename(2)`, which replaces the target atomically on POSIX file systems. A reader (or a
/// crash) never sees half a file, and an error leaves any existing file untouched.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically, straight from their storage (no copy: a sample
    /// CSV can be hundreds of megabytes).
    public static func write<Bytes: ContiguousBytes>(_ bytes: Bytes, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw InputError(file: path, "cannot write: directory '\(directory.path)' does not exist")
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            throw InputError(file: path, "cannot write: \(String(cString: strerror(errno)))")
        }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if close(descriptor) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, url.path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw InputError(file: path, "cannot write: \(String(cString: strerror(failure)))")
        }
    }

    /// Writes `text` as UTF-8 to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }
}
