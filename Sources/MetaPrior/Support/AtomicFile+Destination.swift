// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension AtomicFile {
    /// What a named output path is, after following symbolic links.
    enum Destination {
        /// Standard output or error, or another inherited descriptor (`/dev/stdout`,
        /// `/dev/fd/N`, `/proc/self/fd/N`): written to as it is, never reopened or replaced, so
        /// a shell's `>>` or a pipe behaves as with `-`.
        case descriptor(Int32)
        /// A character or block device, FIFO or socket: written straight to, never replaced.
        case device(String)
        /// A regular file, existing or not: the final target of any symbolic links, replaced
        /// atomically.
        case file(String)

        /// Follows `path` through symbolic links (at most 40, as the kernel allows).
        init(_ path: String) throws {
            var current = path
            for _ in 0..<40 {
                if let descriptor = Self.inheritedDescriptor(current) {
                    self = .descriptor(descriptor)
                    return
                }
                var status = stat()
                guard lstat(current, &status) == 0 else {
                    guard errno == ENOENT else { throw AtomicFile.error(path, errno) }
                    self = .file(current)  // a new file (or the missing target of a link)
                    return
                }
                switch status.st_mode & S_IFMT {
                case S_IFLNK:
                    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                    let count = readlink(current, &buffer, Int(PATH_MAX))
                    guard count >= 0 else { throw AtomicFile.error(path, errno) }
                    let target = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    current = target.hasPrefix("/") ? target : (Self.directory(of: current) as NSString).appendingPathComponent(target)
                case S_IFREG:
                    self = .file(current)
                    return
                case S_IFDIR:
                    throw InputError(file: path, "cannot write: it is a directory")
                default:
                    self = .device(current)
                    return
                }
            }
            throw AtomicFile.error(path, ELOOP)
        }

        /// The descriptor `path` names if it is one of the process's own streams.
        static func inheritedDescriptor(_ path: String) -> Int32? {
            switch path {
            case "/dev/stdout": return STDOUT_FILENO
            case "/dev/stderr": return STDERR_FILENO
            default:
                for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
                    if let n = Int32(path.dropFirst(prefix.count)), n >= 0 { return n }
                }
                return nil
            }
        }

        /// The directory a file `path` lives in (`.` for a bare name).
        static func directory(of path: String) -> String {
            let directory = (path as NSString).deletingLastPathComponent
            return directory.isEmpty ? "." : directory
        }

        /// Throws unless `directory` exists, is a directory and may be written in.
        static func checkDirectory(_ directory: String, shown: String) throws {
            var status = stat()
            guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                throw InputError(file: shown, "cannot write: directory '\(directory)' does not exist")
            }
            guard access(directory, W_OK | X_OK) == 0 else {
                throw InputError(file: shown, "cannot write in directory '\(directory)': \(String(cString: strerror(errno)))")
            }
        }

        /// Throws unless the destination can be written; returns what identifies the file it
        /// names (device and inode, or the absolute path of a file still to be made), so two
        /// outputs naming one file are caught.
        func checkWritable(shown: String) throws -> String? {
            switch self {
            case .descriptor:
                return nil
            case .device(let device):
                guard access(device, W_OK) == 0 else { throw AtomicFile.error(shown, errno) }
                return nil  // writing twice to /dev/null is fine
            case .file(let target):
                let directory = Self.directory(of: target)
                try Self.checkDirectory(directory, shown: shown)
                var status = stat()
                if stat(target, &status) == 0 { return "\(status.st_dev):\(status.st_ino)" }
                guard let resolved = realpath(directory, nil) else { return target }
                defer { free(resolved) }
                return String(cString: resolved) + "/" + (target as NSString).lastPathComponent
            }
        }
    }
}
