// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// Outputs are never a device or symlink replaced by a regular file, a full device is an error,
/// and a run that fails leaves no file at all.
@Suite("CLI: output safety")
struct OutputSafetyTests {
    /// A directory with simulated tasks, a fitted prior.json and one task's rows (task.csv).
    static func simulatedPrior() throws -> URL {
        let dir = try makeTemporaryDirectory()
        let simulate = try runCLI(["simulate", "linear-gaussian", "--tasks", "40", "--points", "12", "--seed", "7",
                                   "--output", "lg.csv", "--quiet"], in: dir)
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let fit = try runCLI(["fit", "--data", "lg.csv", "--output", "prior.json", "--quiet"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        let lines = try String(contentsOf: dir.appendingPathComponent("lg.csv"), encoding: .utf8).split(separator: "\n")
        try (lines.prefix(13).joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("task.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    /// Every file under `dir`, hidden ones included, by name.
    static func files(in dir: URL) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
    }

    /// Runs the binary as user and group nobody (65534) with `setpriv` (util-linux), or `nil`
    /// when privileges cannot be dropped (not root, or no setpriv).
    static func runAsNobody(_ arguments: [String], in dir: URL) throws -> CLIResult? {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", metapriorBinary.path] + arguments
        process.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    /// As an ordinary user: private copies of /dev/null and /dev/full (mknod) stay devices,
    /// /dev/full gives a clear "no space" error naming it, and a symlink survives with its
    /// target replaced.
    @Test func devicesAndSymlinksAsAnOrdinaryUser() throws {
        let dir = try Self.simulatedPrior()
        chmod(dir.path, 0o777)  // nobody writes the symlink's target and its temporary here
        let null = dir.appendingPathComponent("null").path, full = dir.appendingPathComponent("full").path
        guard mknod(null, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0, mknod(full, S_IFCHR | 0o666, dev_t(1 << 8 | 7)) == 0 else {
            Issue.record("cannot make device nodes (mknod needs root): \(String(cString: strerror(errno)))")
            return
        }
        chmod(null, 0o666); chmod(full, 0o666)
        let adapt = ["adapt", "--prior", "prior.json", "--data", "task.csv", "--draws", "200", "--seed", "3", "--quiet"]
        guard let toNull = try Self.runAsNobody(adapt + ["--output", null], in: dir) else {
            print("skipped: cannot drop privileges (needs root and /usr/bin/setpriv)")
            return
        }
        #expect(toNull.status == 0, "\(toNull.stderr)")
        let toFull = try #require(try Self.runAsNobody(adapt + ["--output", full], in: dir))
        #expect(toFull.status != 0)
        #expect(toFull.stderr.lowercased().contains("no space"), "\(toFull.stderr)")
        #expect(toFull.stderr.contains(full), "\(toFull.stderr)")
        for device in [null, full] {
            var status = stat()
            #expect(lstat(device, &status) == 0 && status.st_mode & S_IFMT == S_IFCHR, "\(device) is no longer a device")
        }

        let target = dir.appendingPathComponent("target.csv"), link = dir.appendingPathComponent("link.csv")
        try Data("old\n".utf8).write(to: target)
        chmod(target.path, 0o666)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "target.csv")
        let toLink = try #require(try Self.runAsNobody(adapt + ["--output", "link.csv"], in: dir))
        #expect(toLink.status == 0, "\(toLink.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "target.csv")
        var owner = stat()
        #expect(stat(target.path, &owner) == 0 && owner.st_uid == 65534, "the run did not drop root: the test proves nothing")
        let reference = try runCLI(adapt + ["--output", "-"], in: dir)
        let written = try String(contentsOf: target, encoding: .utf8)
        #expect(written.split(separator: "\n").filter { !$0.hasPrefix("# command") }
                == reference.stdout.split(separator: "\n").filter { !$0.hasPrefix("# command") })
        #expect(!(try Self.files(in: dir)).contains { $0.contains(".tmp-") })
    }

    /// Each command with its last output in a missing directory fails before writing anything.
    @Test(arguments: [
        ["adapt", "--prior", "prior.json", "--data", "task.csv", "--draws", "50", "--output", "NEW1", "--summary", "missing/x.csv"],
        ["predict", "--prior", "prior.json", "--support", "task.csv", "--query", "task.csv", "--draws", "5",
         "--output", "NEW1", "--draws-output", "missing/x.csv"],
        ["evaluate", "--prior", "prior.json", "--data", "lg.csv", "--shots", "3", "--episodes", "5", "--allow-training-tasks",
         "--output", "NEW1", "--episodes-output", "missing/x.csv"],
        ["evaluate", "--prior", "prior.json", "--data", "lg.csv", "--shots", "3", "--episodes", "5", "--split", "0.5,0,0.5",
         "--allow-training-tasks", "--output", "NEW1", "--split-output", "missing/x.csv"],
        ["fit", "--data", "lg.csv", "--split", "0.8,0.1,0.1", "--output", "NEW1", "--split-output", "missing/x.csv"],
        ["episodes", "--data", "lg.csv", "--episodes", "3", "--shots", "2", "--query", "2", "--seed", "1",
         "--output", "NEW1", "--spec-output", "missing/x.json"],
        ["episodes", "--data", "lg.csv", "--episodes", "3", "--shots", "2", "--query", "2", "--seed", "1", "--split", "0.5,0.25,0.25",
         "--output", "NEW1", "--spec-output", "NEW2", "--split-output", "missing/x.csv"],
        ["simulate", "sinusoid", "--tasks", "3", "--points", "4", "--seed", "1", "--output", "NEW1", "--parameters-output", "missing/x.csv"],
        ["adapt", "--prior", "prior.json", "--data", "task.csv", "--draws", "50", "--output", "NEW1", "--summary", "NEW1"],
        ["inspect", "--data", "lg.csv", "--output", "missing/x.txt"],
    ])
    func aFailedRunWritesNothing(arguments: [String]) throws {
        let dir = try Self.simulatedPrior()
        let before = try Self.files(in: dir)
        let result = try runCLI(arguments + (arguments[0] == "inspect" ? [] : ["--quiet"]), in: dir)
        #expect(result.status != 0)
        #expect(result.stderr.contains("missing/x") || result.stderr.contains("same file"), "\(result.stderr)")
        #expect(try Self.files(in: dir) == before, "left files behind")
    }

    /// The demo with its directory under a file fails and leaves nothing.
    @Test func demoIntoAFileFailsAndWritesNothing() throws {
        let dir = try makeTemporaryDirectory()
        try Data("x".utf8).write(to: dir.appendingPathComponent("plain"))
        let result = try runCLI(["demo", "--output-dir", "plain", "--quiet"], in: dir)
        #expect(result.status != 0)
        #expect(try Self.files(in: dir) == ["plain"])
    }
}
