// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// A formula prior with a task-level column through the commands: `fit --formula` records it,
/// `adapt` and `predict` take a new task's z by `--descriptor`, its rows or `--no-descriptor`.
@Suite("Task-level formula columns in commands")
struct TaskLevelCLITests {
    /// data.csv: 30 tasks of 6 points with a task-level z (deterministic), prior.json fitted
    /// to it with `y ~ x * z + (x | task)`, and a new task's files.
    static func fitted() throws -> URL {
        let dir = try makeTemporaryDirectory()
        var text = "task,x,z,y\n"
        for t in 0..<30 {
            let z = Double((t * 7) % 11 - 5) / 4, u = sin(1.3 * Double(t))
            for j in 0..<6 {
                let x = Double((t * 6 + j) * 5 % 9 - 4) / 2
                text += "t\(t),\(x),\(z),\(1 + 0.5 * z + u + (2 - 0.4 * z) * x + 0.3 * cos(Double(t * 6 + j)))\n"
            }
        }
        let files = [
            "data.csv": text,
            "rows.csv": "x,z,y\n0.5,0.75,2.9\n-1,0.75,-0.2\n",
            "bare.csv": "x,y\n0.5,2.9\n-1,-0.2\n",
            "varies.csv": "x,z,y\n0.5,0.75,2.9\n-1,0.5,-0.2\n",
            "query.csv": "x\n-1\n0\n1\n",
        ]
        for (name, content) in files { try content.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let fit = try runCLI(["fit", "--data", "data.csv", "--formula", "y ~ x * z + (x | task)", "--output", "prior.json", "--quiet"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        return dir
    }

    @Test func fitRecordsTheColumn() throws {
        let dir = try Self.fitted()
        let json = try String(contentsOf: dir.appendingPathComponent("prior.json"), encoding: .utf8)
        #expect(json.contains("\"task_level_columns\" : [\n    \"z\"\n  ]"), "\(json)")
        #expect(json.contains("\"task_level_means\" : [\n"))
    }

    /// `--descriptor z=0.75` on bare rows gives the summary the rows with z give, byte for byte;
    /// `--no-descriptor` warns; a missing or varying z is refused naming it.
    @Test func adaptTakesZ() throws {
        let dir = try Self.fitted()
        let base = ["adapt", "--prior", "prior.json", "--draws", "10", "--output", "draws.csv"]
        let rows = try runCLI(base + ["--data", "rows.csv", "--summary", "a.csv"], in: dir)
        #expect(rows.status == 0, "\(rows.stderr)")
        let given = try runCLI(base + ["--data", "bare.csv", "--descriptor", "z=0.75", "--summary", "b.csv"], in: dir)
        #expect(given.status == 0, "\(given.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("a.csv")) == Data(contentsOf: dir.appendingPathComponent("b.csv")))
        let average = try runCLI(base + ["--data", "bare.csv", "--no-descriptor"], in: dir)
        #expect(average.status == 0 && average.stderr.contains("warning: --no-descriptor: the shared terms take the task-level column z at the meta-train average"), "\(average.stderr)")
        let missing = try runCLI(base + ["--data", "bare.csv"], in: dir)
        #expect(missing.status != 0 && missing.stderr.contains("no value for the task-level column z") && missing.stderr.contains("--no-descriptor"), "\(missing.stderr)")
        let varies = try runCLI(base + ["--data", "varies.csv"], in: dir)
        #expect(varies.status != 0 && varies.stderr.contains("the task-level column 'z' varies within the task 'new'"), "\(varies.stderr)")
        let unknown = try runCLI(base + ["--data", "bare.csv", "--descriptor", "z=1,w=2"], in: dir)
        #expect(unknown.status != 0 && unknown.stderr.contains("no task-level column 'w'"), "\(unknown.stderr)")
    }

    /// `predict` fills the query rows' z with the task's and writes it in the z column.
    @Test func predictFillsTheQueries() throws {
        let dir = try Self.fitted()
        let predicted = try runCLI(["predict", "--prior", "prior.json", "--support", "bare.csv", "--query", "query.csv",
                                    "--descriptor", "z=0.75", "--output", "p.csv"], in: dir)
        #expect(predicted.status == 0, "\(predicted.stderr)")
        let lines = try String(contentsOf: dir.appendingPathComponent("p.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first?.hasPrefix("x,z,mean") == true && lines.dropFirst().allSatisfy { $0.split(separator: ",")[1] == "0.75" }, "\(lines)")
        let help = try runCLI(["adapt", "--help"], in: dir)
        #expect(help.stdout.contains("task-level"), "\(help.stdout)")
    }
}
