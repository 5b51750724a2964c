// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Writes files whole or not at all: to a temporary file in the same directory, flushed to
/// disk (`fsync`), then a `rename(2)`, which replaces the target atomically on POSIX file
/// systems, then an `fsync` of the directory so the rename itself survives a crash. A reader
/// (or a crash) never sees half a file, and an error leaves any existing file untouched.
///
/// What sits at the path decides how it is written:
/// - a regular file, or nothing: replaced atomically as above;
/// - a symbolic link: followed to its final target, which is replaced (the link stays a link);
/// - a character device, a FIFO or a socket (`/dev/null`, a named pipe), and `/dev/stdout`,
///   `/dev/stderr`, `/dev/fd/N`: written straight to, since replacing a device by a regular
///   file would be wrong and a pipe has no "whole or nothing".
///
/// Every `write` is checked (interrupted and short writes are resumed), so a full disk or
/// `/dev/full` is an ``InputError`` naming the file, never a silent success. Temporary files
/// are removed on SIGINT, SIGTERM and SIGHUP, and stale ones left by a killed run are removed
/// on the next write into their directory.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically, straight from their storage (no copy).
    public static func write<Bytes: ContiguousBytes>(_ bytes: Bytes, to path: String) throws {
        try write(to: path) { try $0.write(bytes) }
    }

    /// Writes `text` as UTF-8 to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Writes to `path` atomically whatever `body` gives its ``Sink``, in as many pieces as it
    /// likes, so a large file is streamed rather than held in memory. If `body` or any write
    /// throws, the target is left as it was.
    public static func write(to path: String, _ body: (Sink) throws -> Void) throws {
        let group = Group()
        try group.stage(to: path, body)
        try group.commit()
    }

    /// Several files written as one: each is staged to its temporary file, and only
    /// ``commit()`` renames them into place, so an error in any of them (or in the work
    /// between stages) leaves none of them written. Staged files not committed are removed
    /// when the group is discarded.
    public final class Group {
        private var staged: [(temporary: String, target: String, shown: String, slot: Int?)] = []

        /// An empty group.
        public init() {}

        deinit { discard() }

        /// Writes `bytes` to a temporary file that ``commit()`` will move to `path`.
        public func stage<Bytes: ContiguousBytes>(_ bytes: Bytes, to path: String) throws {
            try stage(to: path) { try $0.write(bytes) }
        }

        /// Writes `text` as UTF-8 to a temporary file that ``commit()`` will move to `path`.
        public func stage(_ text: String, to path: String) throws {
            try stage(Array(text.utf8), to: path)
        }

        /// Writes what `body` gives its ``Sink`` to a temporary file that ``commit()`` will move
        /// to `path`. A device, FIFO or standard-output alias at `path` is written at once
        /// (it has nothing to rename).
        public func stage(to path: String, _ body: (Sink) throws -> Void) throws {
            switch try Destination(path) {
            case .descriptor(let descriptor):
                try body(Sink(descriptor: descriptor, path: path))
            case .device(let device):
                let descriptor = open(device, O_WRONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw AtomicFile.error(path, errno) }
                let sink = Sink(descriptor: descriptor, path: path)
                do { try body(sink) } catch { close(descriptor); throw error }
                guard close(descriptor) == 0 else { throw AtomicFile.error(path, errno) }
            case .file(let target):
                try stageFile(target: target, shown: path, body)
            }
        }

        private func stageFile(target: String, shown: String, _ body: (Sink) throws -> Void) throws {
            let directory = Destination.directory(of: target)
            try Destination.checkDirectory(directory, shown: shown)
            StaleTemporaries.sweep(directory)
            let name = String((target as NSString).lastPathComponent.prefix(200))
            let temporary = (directory as NSString).appendingPathComponent(
                ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            // Registered before it exists, so a signal between open and registration cannot
            // leave it behind (unlinking a name that is not there yet is harmless).
            let slot = TemporaryFileRegistry.register(temporary)
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            guard descriptor >= 0 else {
                let code = errno
                TemporaryFileRegistry.unregister(slot)
                throw AtomicFile.error(shown, code)
            }
            var status = stat()
            // A replaced file keeps its permissions (umask applies to new files only).
            if stat(target, &status) == 0 { fchmod(descriptor, status.st_mode & 0o7777) }
            do {
                try body(Sink(descriptor: descriptor, path: shown))
                guard fsync(descriptor) == 0 else { throw AtomicFile.error(shown, errno) }
            } catch {
                close(descriptor)
                unlink(temporary)
                TemporaryFileRegistry.unregister(slot)
                throw error
            }
            guard close(descriptor) == 0 else {
                let code = errno
                unlink(temporary)
                TemporaryFileRegistry.unregister(slot)
                throw AtomicFile.error(shown, code)
            }
            staged.append((temporary, target, shown, slot))
        }

        /// Moves every staged file into place, in the order staged, and flushes their
        /// directories. A failed rename removes the staged files not yet moved.
        public func commit() throws {
            defer { discard() }
            var directories: Set<String> = []
            while !staged.isEmpty {
                let file = staged.removeFirst()
                let renamed = rename(file.temporary, file.target) == 0
                let code = errno
                if !renamed { unlink(file.temporary) }
                TemporaryFileRegistry.unregister(file.slot)
                guard renamed else { throw AtomicFile.error(file.shown, code) }
                directories.insert(Destination.directory(of: file.target))
            }
            for directory in directories.sorted() {
                let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard descriptor >= 0 else { continue }
                // Some file systems cannot fsync a directory (EINVAL): the rename stands anyway.
                let failed = fsync(descriptor) != 0 && errno != EINVAL
                let code = errno
                close(descriptor)
                if failed { throw AtomicFile.error(directory, code) }
            }
        }

        /// Removes the staged files that were not committed.
        public func discard() {
            for file in staged {
                unlink(file.temporary)
                TemporaryFileRegistry.unregister(file.slot)
            }
            staged.removeAll()
        }
    }

    /// Checks that `paths` can be written — each one's directory exists and is writable, none
    /// is a directory, and no two name the same file — before any work is done, so that a run
    /// whose last output is misnamed fails before it writes anything. `-` and `nil` (standard
    /// output) are always fine.
    /// - Throws: ``InputError`` naming the first path at fault.
    public static func checkWritable(_ paths: [String?]) throws {
        var seen: [String: String] = [:]
        for case let path? in paths where path != "-" {
            let identity = try Destination(path).checkWritable(shown: path)
            if let identity, let earlier = seen[identity] {
                throw InputError(file: path, kind: .duplicate, "cannot write: '\(earlier)' and '\(path)' are the same file; give each output its own")
            }
            if let identity { seen[identity] = path }
        }
    }

    /// An ``InputError`` naming `path` for the `errno` value `code`.
    static func error(_ path: String, _ code: Int32) -> InputError {
        let reason: String
        switch code {
        case ENOSPC: reason = "no space left on device"
        case EDQUOT: reason = "disk quota exceeded"
        default: reason = String(cString: strerror(code))
        }
        return InputError(file: path, "cannot write: \(reason)")
    }
}
