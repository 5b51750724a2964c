// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

@Suite("CLI: episodes")
struct EpisodesCommandTests {
    @Test func cutsEpisodesDeterministicallyAndStoresTheSpec() throws {
        let dir = try makeTemporaryDirectory()
        #expect(try runCLI(["simulate", "sinusoid", "--tasks", "30", "--points", "10", "--seed", "1", "--output", "tasks.csv"], in: dir).status == 0)
        let args = ["episodes", "--data", "tasks.csv", "--shots", "3", "--query", "4", "--episodes", "50", "--seed", "7"]
        let a = try runCLI(args + ["--output", "a.csv", "--spec-output", "spec.json", "--threads", "1"], in: dir)
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stderr.contains("50 episodes from 30 tasks"))
        let b = try runCLI(["episodes", "--data", "tasks.csv", "--spec", "spec.json", "--episodes", "50", "--output", "b.csv"], in: dir)
        #expect(b.status == 0, "\(b.stderr)")
        let csv = try String(contentsOf: dir.appendingPathComponent("a.csv"), encoding: .utf8)
        #expect(csv == (try String(contentsOf: dir.appendingPathComponent("b.csv"), encoding: .utf8)))
        let lines = csv.split(separator: "\n")
        #expect(lines[0] == "episode,task,role,x,y")
        #expect(lines.count == 1 + 50 * 7)
        #expect(lines.filter { $0.contains(",support,") }.count == 150)
        let spec = try String(contentsOf: dir.appendingPathComponent("spec.json"), encoding: .utf8)
        #expect(spec.contains("\"query_shots\" : 4"))
    }

    @Test func sameEpisodesWhateverTheRowOrder() throws {
        let dir = try makeTemporaryDirectory()
        #expect(try runCLI(["simulate", "sinusoid", "--tasks", "12", "--points", "8", "--seed", "2", "--output", "tasks.csv"], in: dir).status == 0)
        let text = try String(contentsOf: dir.appendingPathComponent("tasks.csv"), encoding: .utf8)
        var rows = text.split(separator: "\n").map(String.init)
        let header = rows.removeFirst()
        // Tasks in reverse order, rows of different tasks interleaved; each task's rows keep their order.
        let byTask = Dictionary(grouping: rows) { $0.prefix { $0 != "," } }
        var shuffled: [String] = []
        for i in 0..<8 { for key in byTask.keys.sorted().reversed() { shuffled.append(byTask[key]![i]) } }
        try ([header] + shuffled).joined(separator: "\n").write(to: dir.appendingPathComponent("shuffled.csv"), atomically: true, encoding: .utf8)
        let a = try runCLI(["episodes", "--data", "tasks.csv", "--shots", "2", "--query", "all", "--episodes", "20", "--seed", "3"], in: dir)
        let b = try runCLI(["episodes", "--data", "shuffled.csv", "--shots", "2", "--query", "all", "--episodes", "20", "--seed", "3"], in: dir)
        #expect(a.status == 0 && b.status == 0)
        #expect(a.stdout == b.stdout)
    }

    @Test func waysRemapLabelsAndSplitsRestrictTasks() throws {
        let dir = try makeTemporaryDirectory()
        #expect(try runCLI(["simulate", "gaussian-classes", "--tasks", "20", "--points", "5", "--seed", "4", "--output", "c.csv"], in: dir).status == 0)
        let r = try runCLI(["episodes", "--data", "c.csv", "--shots", "1", "--query", "2", "--ways", "3", "--episodes", "30", "--seed", "5",
                            "--split", "0.5,0.25,0.25", "--partition", "test", "--split-output", "split.csv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines[0] == ["episode", "task", "role", "x1", "x2", "label", "label_class"])
        #expect(Set(lines.dropFirst().map { $0[5] }) == ["0", "1", "2"])
        let split = try String(contentsOf: dir.appendingPathComponent("split.csv"), encoding: .utf8)
        let testTasks = Set(split.split(separator: "\n").filter { $0.hasSuffix(",test") }.map { String($0.prefix { $0 != "," }) })
        #expect(testTasks.count == 5)
        #expect(Set(lines.dropFirst().map { $0[1] }).isSubset(of: testTasks))
    }

    @Test func smallTasksAreReportedOrRejected() throws {
        let dir = try makeTemporaryDirectory()
        try "task,x,y\na,1,1\na,2,2\na,3,3\nb,1,1\n".write(to: dir.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
        let skip = try runCLI(["episodes", "--data", "d.csv", "--shots", "1", "--query", "1", "--episodes", "4", "--seed", "1"], in: dir)
        #expect(skip.status == 0)
        #expect(skip.stderr.contains("skipped 1 task too small for K + Q = 2 (b)"))
        let reject = try runCLI(["episodes", "--data", "d.csv", "--shots", "1", "--query", "1", "--episodes", "4", "--seed", "1",
                                 "--small-tasks", "reject", "--output", "o.csv"], in: dir)
        #expect(reject.status != 0)
        #expect(reject.stderr.contains("task 'b' has 1 rows, fewer than K + Q = 2"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.csv").path))
    }

    @Test func helpExplainsShotsWaysSupportAndQuery() throws {
        let help = try runCLI(["episodes", "--help"]).stdout
        for phrase in ["Shots K:", "Ways N:", "Query shots Q:", "Support set:", "Query set:"] { #expect(help.contains(phrase)) }
    }
}
