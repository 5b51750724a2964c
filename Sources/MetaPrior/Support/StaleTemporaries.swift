// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Removes temporary files that an `AtomicFile` write of a killed process left behind.
///
/// SIGKILL (or a power cut) cannot be caught, so a run can leave its `.NAME.tmp-PID-RANDOM`
/// file. Before writing into a directory, each such file of ours (same owner, regular file)
/// whose PID is not a running process (`kill(pid, 0)` fails with `ESRCH`) is removed. A file
/// of a live process — another run writing there now — is never touched.
enum StaleTemporaries {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var swept: Set<String> = []

    /// Sweeps `directory`, once per process (later writes cannot find new stale files of
    /// processes that were already dead).
    static func sweep(_ directory: String) {
        lock.lock()
        let first = swept.insert(directory).inserted
        lock.unlock()
        guard first, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names {
            guard let pid = ownerPID(of: name), pid != getpid(), kill(pid, 0) == -1, errno == ESRCH else { continue }
            let path = (directory as NSString).appendingPathComponent(name)
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_uid == geteuid() else { continue }
            unlink(path)
        }
    }

    /// The PID in a temporary name `.NAME.tmp-PID-RANDOM`, or `nil` for any other name.
    static func ownerPID(of name: String) -> pid_t? {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let parts = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy(\.isASCII), UInt32(parts[1]) != nil,
              let pid = pid_t(parts[0]), pid > 0 else { return nil }
        return pid
    }
}
