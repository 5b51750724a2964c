// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// What one run of the `metaprior` binary did.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Whether the process died of a signal (a crash or a trap), not by exiting.
    var signalled = false
}

/// The `metaprior` binary SwiftPM built beside this test bundle (CLITests depends on the
/// executable target, so it is always built first).
let metapriorBinary: URL = {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = exe.deletingLastPathComponent()
    // On Linux the test runner is `<build>/metapriorPackageTests.xctest`; on macOS it is inside a bundle.
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("metaprior").path),
          directory.path != "/" {
        directory = directory.deletingLastPathComponent()
    }
    return directory.appendingPathComponent("metaprior")
}()

/// Runs `metaprior` with `arguments`, in `directory` if given, and collects its output.
/// With `timeout`, it runs under `timeout(1)`: a hang ends with status 124 instead of hanging
/// the suite (output is read to its end before waiting, so a timer in this process would start
/// too late).
func runCLI(_ arguments: [String], in directory: URL? = nil, stdin: String? = nil,
            environment: [String: String] = [:], timeout seconds: Int? = nil) throws -> CLIResult {
    let process = Process()
    if let seconds {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["\(seconds)", metapriorBinary.path] + arguments
    } else {
        process.executableURL = metapriorBinary
        process.arguments = arguments
    }
    if let directory { process.currentDirectoryURL = directory }
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    if let stdin {
        let input = Pipe()
        process.standardInput = input
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try? input.fileHandleForWriting.close()
    }
    try process.run()
    // Read both pipes before waiting, so a chatty process cannot fill a pipe and block.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    // timeout(1) passes a signal death on by killing itself with the same signal.
    return CLIResult(status: process.terminationStatus,
                     stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errData, as: UTF8.self),
                     signalled: process.terminationReason == .uncaughtSignal)
}

/// A fresh temporary directory for one test.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("metaprior-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
