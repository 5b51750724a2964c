// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// One hand-written bad input for the table-driven tests (`BadInput*Tests.swift`): the files
/// to lay out beside the fixtures, the arguments, and a piece of the one-line error.
struct BadCase: CustomStringConvertible, Sendable {
    var name: String
    var arguments: [String]
    /// Files to create in the case's directory (name → contents; `Data` for raw bytes).
    /// Bytes, not `Data`: a `Data` kept until exit (these cases are parameterized-test
    /// arguments, which swift-testing keeps) looks leaked to LeakSanitizer, because its enum
    /// packs a tag into the storage pointer's spare bits.
    var files: [String: [UInt8]] = [:]
    /// Directories to create.
    var directories: [String] = []
    /// Standard input, if the case reads it.
    var stdin: String? = nil
    /// A piece of the `Error:` line, e.g. `data.csv:3: column 'y'`.
    var expected: String
    var description: String { name }

    init(_ name: String, _ arguments: [String], files: [String: String] = [:], raw: [String: [UInt8]] = [:],
         directories: [String] = [], stdin: String? = nil, _ expected: String) {
        self.name = name
        self.arguments = arguments
        self.files = files.mapValues { Array($0.utf8) }.merging(raw) { $1 }
        self.directories = directories
        self.stdin = stdin
        self.expected = expected
    }

    /// The files the arguments ask to be written: each must be absent after the failure.
    var outputs: [String] {
        let options: Set = ["--output", "-o", "--summary", "--draws-output", "--spec-output", "--split-output",
                            "--parameters-output", "--episodes-output", "--shrinkage", "--joint-draws"]
        return zip(arguments, arguments.dropFirst()).compactMap { options.contains($0) && $1 != "-" ? $1 : nil }
    }
}

/// Files every case can use: `lg.csv` (20 linear-gaussian tasks: task, x, y), `prior.json`
/// fitted on it, `task.csv` (one new task: x, y), `query.csv` (x), `classes.csv`
/// (gaussian-classes: task, x1, x2, label) and `spec.json` (an episode spec).
enum BadInputFixture {
    static let directory: URL = {
        let dir = try! makeTemporaryDirectory()
        func run(_ arguments: [String]) {
            let result = try! runCLI(arguments + ["--quiet"], in: dir)
            precondition(result.status == 0, "fixture: \(arguments) failed: \(result.stderr)")
        }
        run(["simulate", "linear-gaussian", "--tasks", "20", "--points", "10", "--seed", "1", "--output", "lg.csv"])
        run(["simulate", "gaussian-classes", "--tasks", "4", "--points", "4", "--seed", "1", "--output", "classes.csv"])
        run(["fit", "--data", "lg.csv", "--output", "prior.json"])
        run(["episodes", "--data", "lg.csv", "--shots", "2", "--query", "2", "--episodes", "2", "--seed", "1",
             "--spec-output", "spec.json", "--output", "episodes-fixture.csv"])
        try! "x,y\n0.5,1.2\n-0.3,0.4\n".write(to: dir.appendingPathComponent("task.csv"), atomically: true, encoding: .utf8)
        try! "x\n0\n1\n".write(to: dir.appendingPathComponent("query.csv"), atomically: true, encoding: .utf8)
        return dir
    }()

    static let names = ["lg.csv", "classes.csv", "prior.json", "spec.json", "task.csv", "query.csv"]
}

/// Runs `metaprior` under `timeout 60` (a hang fails the case with status 124), with the
/// given standard input or an empty one (never the test runner's).
func runWithTimeout(_ arguments: [String], in directory: URL, stdin: String?) throws -> CLIResult {
    try runCLI(arguments, in: directory, stdin: stdin ?? "", timeout: 60)
}

/// Lays out the fixtures and the case's files, runs it, and checks the promise: exit 1 (bad
/// input) or 64 (bad options) — never a signal, a trap or a hang; one `Error:` line naming
/// the problem (for 64, followed only by ArgumentParser's usage lines); no output file.
func checkBadInput(_ bad: BadCase) throws {
    let dir = try makeTemporaryDirectory()
    for name in BadInputFixture.names {
        try FileManager.default.copyItem(at: BadInputFixture.directory.appendingPathComponent(name), to: dir.appendingPathComponent(name))
    }
    for name in bad.directories {
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(name), withIntermediateDirectories: true)
    }
    for (name, contents) in bad.files { try Data(contents).write(to: dir.appendingPathComponent(name)) }
    let result = try runWithTimeout(bad.arguments, in: dir, stdin: bad.stdin)
    #expect(result.status == 1 || result.status == 64, "exit status \(result.status); stderr: \(result.stderr)")
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast(result.stderr.hasSuffix("\n") ? 1 : 0)
    #expect(lines.first?.hasPrefix("Error: ") == true, "stderr: \(result.stderr)")
    if result.status == 64 {
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("Usage: ") || $0.hasPrefix("Help: ") || $0.hasPrefix("  ") || $0.isEmpty }, "stderr: \(result.stderr)")
    } else {
        #expect(lines.count == 1, "stderr: \(result.stderr)")
    }
    #expect(lines.first?.contains(bad.expected) == true, "expected '\(bad.expected)'; stderr: \(result.stderr)")
    #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("NSCocoaErrorDomain"), "stderr: \(result.stderr)")
    for output in bad.outputs where !bad.directories.contains(output) {
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(output).path), "\(output) was written")
    }
}

/// Bad CSV bodies for a long-format tasks file with columns task, x, y, named `data.csv`:
/// each with the message every command that reads tasks must give.
let badTaskCSVs: [(name: String, bytes: [UInt8], expected: String)] = [
    ("empty file", [], "data.csv:1: file is empty"),
    ("only blank lines", Array("\n\n\n".utf8), "data.csv:1: file is empty"),
    ("header only", Array("task,x,y\n".utf8), "data.csv:2: column 'task': no data rows"),
    ("BOM and header only", [0xEF, 0xBB, 0xBF] + Array("task,x,y\n".utf8), "data.csv:2: column 'task': no data rows"),
    ("unclosed quote", Array("task,x,y\n\"a,1,2\n".utf8), "data.csv:2: column 'task': quoted field is never closed"),
    ("ragged short row", Array("task,x,y\na,1,2\nb,3\n".utf8), "data.csv:3: column 'y': missing field"),
    ("ragged long row", Array("task,x,y\na,1,2\nb,3,4,5\n".utf8), "data.csv:3: column '#4': extra field"),
    ("CRLF ragged row", Array("task,x,y\r\na,1,2\r\nb,3\r\n".utf8), "data.csv:3: column 'y': missing field"),
    ("NaN", Array("task,x,y\na,1,NaN\n".utf8), "data.csv:2: column 'y': 'NaN' is not a number"),
    ("infinity", Array("task,x,y\na,inf,2\n".utf8), "data.csv:2: column 'x': infinite value 'inf'"),
    ("overflowing number", Array("task,x,y\na,1e999,2\n".utf8), "data.csv:2: column 'x'"),
    ("word for a number", Array("task,x,y\na,1,2\na,two,3\n".utf8), "data.csv:3: column 'x': not a number: 'two'"),
    // Rows with missing values are dropped by default (--na-action omit): nothing is left.
    ("empty number", Array("task,x,y\na,,2\n".utf8), "data.csv:2: no rows left: the only row has a missing value"),
    ("decimal comma", Array("task,x,y\na,\"1,5\",2\n".utf8), "data.csv:2: column 'x': not a number: '1,5'"),
    ("non-UTF-8 number", Array("task,x,y\na,".utf8) + [0xFF, 0xFE] + Array(",2\n".utf8), "data.csv:2: column 'x': not a number"),
    ("duplicate column", Array("task,x,y,x\na,1,2,3\n".utf8), "data.csv:1: column 'x': appears twice in the header"),
    ("empty column name", Array("task,,y\na,1,2\n".utf8), "data.csv:1: column '#2': empty column name"),
    ("no task column", Array("id,x,y\na,1,2\n".utf8), "data.csv:1: column 'task': no such task column"),
    ("no target column", Array("task,x,z\na,1,2\n".utf8), "data.csv:1: column 'y': no"),
    ("empty task identifier", Array("task,x,y\n,1,2\n".utf8), "data.csv:2: no rows left: the only row has a missing value"),
    ("escape sequence in header", Array("task,x\u{1b}[31m,z\na,1,2\n".utf8), "x\\u{1b}[31m"),
    ("long field echoed short", Array("task,x,y\na,\(String(repeating: "z", count: 5000)),2\n".utf8), "not a number: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...'"),
]
