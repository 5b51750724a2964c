// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// One bad input: the files to lay out, the arguments, and what the one-line error must say.
struct BadInput: CustomStringConvertible, Sendable {
    var name: String
    var data: String?
    var descriptors: String? = nil
    var extra: [String] = []
    var expected: String
    var description: String { name }
}

@Suite("CLI: bad data input")
struct DataInputErrorTests {
    static let cases: [BadInput] = [
        BadInput(name: "missing file", data: nil, expected: "data.csv: no such file"),
        BadInput(name: "empty file", data: "", expected: "data.csv:1: file is empty"),
        BadInput(name: "missing column", data: "task,x,y\na,1,2\n", extra: ["--features", "x,z"],
                 expected: "data.csv:1: column 'z': no such feature column; the columns are: task, x, y"),
        BadInput(name: "missing task column", data: "id,x,y\na,1,2\n", expected: "data.csv:1: column 'task': no such task column; the columns are: id, x, y"),
        BadInput(name: "duplicated column", data: "task,x,y,x\na,1,2,3\n", expected: "data.csv:1: column 'x': appears twice in the header"),
        BadInput(name: "ragged row (short)", data: "task,x,y\na,1,2\nb,3\n", expected: "data.csv:3: column 'y': missing field"),
        BadInput(name: "ragged row (long)", data: "task,x,y\na,1,2\nb,3,4,5\n", expected: "data.csv:3: column '#4': extra field"),
        BadInput(name: "non-numeric", data: "task,x,y\na,1,2\nb,oops,4\n", expected: "data.csv:3: column 'x': not a number: 'oops'"),
        BadInput(name: "NaN", data: "task,x,y\na,1,2\nb,3,NaN\n", expected: "data.csv:3: column 'y': 'NaN' is not a number"),
        BadInput(name: "infinite", data: "task,x,y\na,-inf,2\n", expected: "data.csv:2: column 'x': infinite value '-inf'"),
        BadInput(name: "task with no rows (header only)", data: "task,x,y\n", expected: "data.csv:2: column 'task': no data rows"),
        // An empty task is a missing value: the row is dropped (--na-action omit), none is left.
        BadInput(name: "empty task identifier", data: "task,x,y\n,1,2\n", expected: "data.csv:2: no rows left: the only row has a missing value"),
        BadInput(name: "unclosed quote", data: "task,x,y\n\"a,1,2\n", expected: "data.csv:2: column 'task': quoted field is never closed"),
        BadInput(name: "descriptor for unknown task", data: "task,x,y\na,1,2\nb,3,4\n", descriptors: "task,z\na,1\nb,2\nc,3\n",
                 expected: "desc.csv:4: column 'task': descriptor row for unknown task 'c'"),
        BadInput(name: "task with no descriptor", data: "task,x,y\na,1,2\nb,3,4\n", descriptors: "task,z\na,1\n",
                 expected: "data.csv:3: column 'task': task 'b' has no descriptor row in desc.csv"),
        BadInput(name: "duplicated descriptor", data: "task,x,y\na,1,2\n", descriptors: "task,z\na,1\na,2\n",
                 expected: "desc.csv:3: column 'task': second descriptor row for task 'a'"),
        BadInput(name: "non-numeric descriptor", data: "task,x,y\na,1,2\n", descriptors: "task,z\na,big\n",
                 expected: "desc.csv:2: column 'z': not a number: 'big'"),
    ]

    @Test(arguments: cases, ["episodes", "inspect"])
    func reportsFileLineAndColumnAndWritesNothing(bad: BadInput, command: String) throws {
        let dir = try makeTemporaryDirectory()
        if let data = bad.data { try data.write(to: dir.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8) }
        var arguments = [command, "--data", "data.csv"]
        if let descriptors = bad.descriptors {
            try descriptors.write(to: dir.appendingPathComponent("desc.csv"), atomically: true, encoding: .utf8)
            arguments += ["--descriptors", "desc.csv"]
        }
        arguments += bad.extra
        if command == "episodes" { arguments += ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1"] }
        arguments += ["--output", "out.csv"]
        let result = try runCLI(arguments, in: dir)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(bad.expected), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.csv").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test(arguments: [
        (["simulate", "sinusoid", "--tasks=-3", "--points", "5", "--seed", "1"], "--tasks must be at least 1"),
        (["simulate", "sinusoid", "--tasks", "3", "--points", "0", "--seed", "1"], "--points must be at least 1"),
        (["simulate", "circles", "--tasks", "3", "--points", "2", "--seed", "1"], "unknown family 'circles'"),
        (["simulate", "linear-gaussian", "--tasks", "3", "--points", "2", "--seed", "1", "--mean", "1,2,3", "--covariance", "1,0;0,1"], "--covariance: is 2×2, but the mean has 3 entries"),
        (["simulate", "sinusoid", "--tasks", "3", "--points", "2", "--seed", "1", "--noise=-1"], "--noise must be"),
        (["episodes", "--data", "x.csv", "--shots=-1", "--query", "2", "--episodes", "3", "--seed", "1"], "--shots must be 0 or more"),
        (["episodes", "--data", "x.csv", "--shots", "1", "--query", "0", "--episodes", "3", "--seed", "1"], "--query must be at least 1"),
        (["episodes", "--data", "x.csv", "--shots", "1", "--query", "some", "--episodes", "3", "--seed", "1"], "--query must be a number or 'all'"),
        (["episodes", "--data", "x.csv", "--shots", "1", "--query", "2", "--ways", "1", "--episodes", "3", "--seed", "1"], "--ways must be at least 2"),
        (["episodes", "--data", "x.csv", "--shots", "1", "--query", "2", "--episodes", "0", "--seed", "1"], "--episodes must be at least 1"),
        (["episodes", "--data", "x.csv", "--shots", "1", "--query", "2", "--episodes", "3", "--seed", "1", "--split", "0.5,0.6,0.1"], "must add up to 1"),
    ])
    func badOptionsFailValidation(arguments: [String], expected: String) throws {
        let dir = try makeTemporaryDirectory()
        let result = try runCLI(arguments + ["--output", "out.csv"], in: dir)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.csv").path))
    }
}
