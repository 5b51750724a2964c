// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `adapt` and `predict` read a new task from standard input (`-`) or a FIFO once, without
/// hanging: the file is read in one pass, and its digest comes from the same bytes.
@Suite("CLI: standard input and FIFOs")
struct StandardInputTests {
    static func run(_ arguments: [String], in dir: URL, stdin: String? = nil) throws -> CLIResult {
        try runWithTimeout(arguments, in: dir, stdin: stdin)
    }

    /// A FIFO in `dir` that another process writes `text` into.
    static func fifo(_ name: String, in dir: URL, text: String) throws -> Process {
        let path = dir.appendingPathComponent(name).path
        #expect(mkfifo(path, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        writer.arguments = ["10", "/bin/sh", "-c", "printf '\(text)' > \"$0\"", path]
        try writer.run()
        return writer
    }

    @Test func adaptReadsTheTaskFromStandardInput() throws {
        let dir = BadInputFixture.directory
        let result = try Self.run(["adapt", "--prior", "prior.json", "--data", "-", "--draws", "5", "--quiet"], in: dir, stdin: "x,y\n1,2\n")
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rows.count == 6)
        #expect(result.stdout.contains("# data: -"))
        #expect(result.stdout.contains("# data_digest: sha256:"))
        #expect(result.stdout.contains("(1 observations)"))
    }

    @Test func adaptReadsAFIFOWrittenByAnotherProcess() throws {
        let dir = try makeTemporaryDirectory()
        try FileManager.default.copyItem(at: BadInputFixture.directory.appendingPathComponent("prior.json"), to: dir.appendingPathComponent("prior.json"))
        let writer = try Self.fifo("task.fifo", in: dir, text: "x,y\\n1,2\\n3,4\\n")
        let result = try Self.run(["adapt", "--prior", "prior.json", "--data", "task.fifo", "--draws", "5", "--output", "draws.csv", "--quiet"], in: dir)
        writer.waitUntilExit()
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOf: dir.appendingPathComponent("draws.csv"), encoding: .utf8)
        #expect(text.contains("(2 observations)"))
        #expect(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.count == 6)
    }

    @Test func predictReadsQueriesFromStandardInputAndSupportFromAFIFO() throws {
        let dir = try makeTemporaryDirectory()
        try FileManager.default.copyItem(at: BadInputFixture.directory.appendingPathComponent("prior.json"), to: dir.appendingPathComponent("prior.json"))
        let writer = try Self.fifo("support.fifo", in: dir, text: "x,y\\n1,2\\n")
        let result = try Self.run(["predict", "--prior", "prior.json", "--support", "support.fifo", "--query", "-", "--quiet"], in: dir, stdin: "x\n0\n1\n2\n")
        writer.waitUntilExit()
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "x,mean,sd,lower,upper")
        #expect(lines.count == 4)
    }

    @Test func predictReadsTheSupportFromStandardInput() throws {
        let result = try Self.run(["predict", "--prior", "prior.json", "--support", "-", "--query", "query.csv", "--quiet"],
                                  in: BadInputFixture.directory, stdin: "x,y\n1,2\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 3)
    }

    @Test func standardInputTwiceIsRefused() throws {
        let result = try Self.run(["predict", "--prior", "prior.json", "--support", "-", "--query", "-"], in: BadInputFixture.directory, stdin: "x,y\n1,2\n")
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: --support and --query cannot both read standard input ('-')"))
    }
}
