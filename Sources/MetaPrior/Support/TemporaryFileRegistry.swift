// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The temporary files of `AtomicFile` writes in progress, removed if the process is
/// stopped by SIGINT, SIGTERM or SIGHUP.
///
/// A signal handler may only make async-signal-safe calls: no allocation, no locks, no Swift
/// runtime. So the paths live in a fixed C array allocated once, each slot a NUL-terminated
/// path with a flag saying it is in use; the handler walks the array with `unlink(2)` only,
/// then restores the default action and re-raises the signal, so the process still dies of
/// it (exit status 128 + signal, as a shell expects). Handlers are installed on first use
/// and only where the signal has its default action (a signal the parent ignores, as
/// `nohup` arranges, stays ignored). With every slot busy a path is simply not registered;
/// the stale-file sweep then covers it, as it covers SIGKILL.
enum TemporaryFileRegistry {
    static let slots = 32
    static let slotBytes = Int(PATH_MAX)
    nonisolated(unsafe) static let paths: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: slots * slotBytes)
        p.initialize(repeating: 0, count: slots * slotBytes)
        return p
    }()
    nonisolated(unsafe) static let inUse: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: slots)
        p.initialize(repeating: 0, count: slots)
        return p
    }()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    /// Records `path` for removal on a signal; returns its slot, or `nil` if none is free.
    static func register(_ path: String) -> Int? {
        let bytes = Array(path.utf8CString)
        guard bytes.count <= slotBytes else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if !installed { installHandlers() }
        guard let slot = (0..<slots).first(where: { inUse[$0] == 0 }) else { return nil }
        // The path is complete before the flag says so: the handler reads the flag first.
        bytes.withUnsafeBufferPointer { (paths + slot * slotBytes).update(from: $0.baseAddress!, count: $0.count) }
        inUse[slot] = 1
        return slot
    }

    /// Forgets the path in `slot` (renamed into place or removed).
    static func unregister(_ slot: Int?) {
        guard let slot else { return }
        lock.lock()
        inUse[slot] = 0
        lock.unlock()
    }

    /// Removes every registered path; async-signal-safe.
    static func unlinkAll() {
        for slot in 0..<slots where inUse[slot] != 0 { unlink(paths + slot * slotBytes) }
    }

    private static func installHandlers() {
        installed = true
        _ = (paths, inUse)  // initialised here, never inside the handler
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var old = sigaction()
            guard sigaction(signal, nil, &old) == 0,
                  unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == 0 else { continue }  // SIG_DFL
            var action = sigaction()
            action.__sigaction_handler.sa_handler = removeTemporariesAndDie
            sigemptyset(&action.sa_mask)
            // SA_RESETHAND: the default action is back on entry, so the raise below kills.
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
            sigaction(signal, &action, nil)
        }
    }
}

/// The handler: remove our temporary files, then die of the same signal.
private let removeTemporariesAndDie: @convention(c) (Int32) -> Void = { signal in
    TemporaryFileRegistry.unlinkAll()
    raise(signal)
}
