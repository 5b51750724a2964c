// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// A run killed at any moment leaves its output absent or complete, never half written; after
/// SIGTERM or SIGINT no temporary file is left, and one left by SIGKILL (which cannot be
/// caught) is removed by the next write into the directory.
@Suite("CLI: killed runs", .serialized)
struct KillTests {
    /// Draws per run: about 1.5 s of a debug build (fsync included), so kills land before, during and after
    /// the write.
    static let draws = "2000000"

    /// Starts `adapt` writing `output` in `dir`. Spawned with an empty signal mask and SIGINT
    /// and SIGTERM at their default action: Foundation's `Process` hands down the mask of the
    /// thread that calls it (a Dispatch worker's blocks them), and a shell's background job
    /// ignores SIGINT, either of which would make those signals no-ops here.
    static func startAdapt(in dir: URL, output: String = "big.csv", draws: String = draws) throws -> pid_t {
        let arguments = [metapriorBinary.path, "adapt", "--prior", dir.appendingPathComponent("prior.json").path,
                         "--data", dir.appendingPathComponent("task.csv").path, "--draws", draws, "--seed", "5",
                         "--output", dir.appendingPathComponent(output).path, "--quiet"]
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t(), defaults = sigset_t()
        sigemptyset(&mask)
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for case let a? in argv { free(a) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, metapriorBinary.path, &actions, &attributes, &argv, environ)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO) }
        return pid
    }

    /// Waits for `pid`: the signal that ended it, or nil and its exit status.
    static func wait(_ pid: pid_t) -> (signal: Int32?, exit: Int32) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7f
        return signal != 0 && signal != 0x7f ? (signal, 0) : (nil, (status >> 8) & 0xff)
    }

    static func temporaries(in dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
    }

    @Test func killedAtRandomMomentsLeavesNothingOrTheWholeFile() throws {
        let dir = try OutputSafetyTests.simulatedPrior()
        // The shorter of two full runs: the first may share the cores with other suites.
        var duration = Double.infinity
        for _ in 0..<2 {
            let started = Date()
            let full = Self.wait(try Self.startAdapt(in: dir))
            duration = min(duration, Date().timeIntervalSince(started))
            #expect(full.signal == nil && full.exit == 0)
        }
        let reference = try Data(contentsOf: dir.appendingPathComponent("big.csv"))
        // A fixed seed for the moments (SplitMix64), so a failure can be replayed.
        var state: UInt64 = 20_261_130
        func nextUnit() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        var outcomes: [String: Int] = [:]
        for signal in [SIGKILL, SIGTERM, SIGINT] {
            for _ in 0..<10 {
                try? FileManager.default.removeItem(at: dir.appendingPathComponent("big.csv"))
                let pid = try Self.startAdapt(in: dir)
                usleep(useconds_t(nextUnit() * duration * 1.3 * 1e6))  // some land after the rename
                kill(pid, signal)
                let ended = Self.wait(pid)
                if let died = ended.signal {
                    // Died of the signal itself (re-raised after the clean-up), as a shell expects.
                    #expect(died == signal, "died of signal \(died), not \(signal)")
                    outcomes["killed", default: 0] += 1
                } else {
                    #expect(ended.exit == 0)
                }
                let output = dir.appendingPathComponent("big.csv")
                if FileManager.default.fileExists(atPath: output.path) {
                    #expect(try Data(contentsOf: output) == reference, "big.csv is not the whole file after signal \(signal)")
                    outcomes["complete", default: 0] += 1
                } else {
                    outcomes["absent", default: 0] += 1
                }
                let left = try Self.temporaries(in: dir)
                if signal == SIGKILL {
                    if !left.isEmpty {
                        outcomes["stale temporary", default: 0] += 1
                        // The next write into the directory sweeps it (its PID is dead).
                        let next = Self.wait(try Self.startAdapt(in: dir, output: "small.csv", draws: "10"))
                        #expect(next.signal == nil && next.exit == 0)
                        #expect(try Self.temporaries(in: dir).isEmpty, "stale \(left) not removed")
                    }
                } else {
                    #expect(left.isEmpty, "signal \(signal) left \(left)")
                }
            }
        }
        print("kill test outcomes (run \(String(format: "%.2f", duration)) s): \(outcomes.sorted { $0.key < $1.key })")
    }
}
