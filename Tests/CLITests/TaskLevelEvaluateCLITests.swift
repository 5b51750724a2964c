// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `evaluate` with a formula prior's task-level column: each held-out task gives z on its rows,
/// by `--descriptors`, or under `--no-descriptor` at the meta-train average, as `adapt` takes a
/// new task's; a prior file written before the columns were recorded is hinted to be refitted.
@Suite("Task-level formula columns in evaluate")
struct TaskLevelEvaluateCLITests {
    /// TaskLevelCLITests.fitted() (prior.json: `y ~ x * z + (x | task)` on tasks t0–t29), and
    /// ten held-out tasks h30–h39 of 8 points from the same generator, as files.
    static func fitted() throws -> URL {
        let dir = try TaskLevelCLITests.fitted()
        func z(_ t: Int) -> Double { Double((t * 7) % 11 - 5) / 4 }
        func rows(_ withZ: Bool, zOf: (Int, Int) -> Double = { t, _ in z(t) }) -> String {
            var text = withZ ? "task,x,z,y\n" : "task,x,y\n"
            for t in 30..<40 {
                let u = sin(1.3 * Double(t))
                for j in 0..<8 {
                    let x = Double((t * 8 + j) * 5 % 9 - 4) / 2
                    let y = 1 + 0.5 * z(t) + u + (2 - 0.4 * z(t)) * x + 0.3 * cos(Double(t * 8 + j))
                    text += "h\(t),\(x)," + (withZ ? "\(zOf(t, j))," : "") + "\(y)\n"
                }
            }
            return text
        }
        let files = [
            "held.csv": rows(true),
            "held-bare.csv": rows(false),
            "held-varies.csv": rows(true, zOf: { t, j in t == 33 && j == 2 ? 9 : z(t) }),
            "held-z.csv": "task,z\n" + (30..<40).map { "h\($0),\(z($0))\n" }.joined(),
            "held-other.csv": "task,z\n" + (30..<40).map { "h\($0),\($0 == 31 ? 2 : z($0))\n" }.joined(),
        ]
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    static let evaluate = ["evaluate", "--prior", "prior.json", "--shots", "3", "--query", "4", "--episodes", "50", "--seed", "2"]

    /// z by `--descriptors` scores every episode as z on the rows does, byte for byte; the
    /// refusals name the task and the column.
    @Test func evaluateTakesZLikeAdapt() throws {
        let dir = try Self.fitted()
        let rows = try runCLI(Self.evaluate + ["--data", "held.csv", "--episodes-output", "a.csv"], in: dir)
        #expect(rows.status == 0, "\(rows.stderr)")
        let given = try runCLI(Self.evaluate + ["--data", "held-bare.csv", "--descriptors", "held-z.csv", "--episodes-output", "b.csv"], in: dir)
        #expect(given.status == 0 && !given.stderr.contains("warning"), "\(given.stderr)")
        let a = try Data(contentsOf: dir.appendingPathComponent("a.csv")), b = try Data(contentsOf: dir.appendingPathComponent("b.csv"))
        #expect(a == b && a.count > 1000)

        let average = try runCLI(Self.evaluate + ["--data", "held-bare.csv", "--no-descriptor"], in: dir)
        #expect(average.status == 0 && average.stderr.contains("warning: --no-descriptor: the shared terms take the task-level column z at the meta-train average over tasks (z = ")
                && average.stderr.contains("in 10 of the 10 tasks scored"), "\(average.stderr)")
        let missing = try runCLI(Self.evaluate + ["--data", "held-bare.csv"], in: dir)
        #expect(missing.status != 0 && missing.stderr.contains("held-bare.csv: column 'z': the task 'h30' has no value for the task-level column z")
                && missing.stderr.contains("--no-descriptor"), "\(missing.stderr)")
        let both = try runCLI(Self.evaluate + ["--data", "held-bare.csv", "--no-descriptor", "--descriptors", "held-z.csv"], in: dir)
        #expect(both.status != 0 && both.stderr.contains("give --descriptors or --no-descriptor, not both"), "\(both.stderr)")
        let varies = try runCLI(Self.evaluate + ["--data", "held-varies.csv"], in: dir)
        #expect(varies.status != 0 && varies.stderr.contains("column 'z': the task-level column 'z' varies within the task 'h33'"), "\(varies.stderr)")
        let other = try runCLI(Self.evaluate + ["--data", "held.csv", "--descriptors", "held-other.csv"], in: dir)
        #expect(other.status != 0 && other.stderr.contains("the rows of the task 'h31' give the task-level column 'z' the value")
                && other.stderr.contains("but its row of the descriptors file (--descriptors) gives 2; give it once"), "\(other.stderr)")
        let help = try runCLI(["evaluate", "--help"], in: dir)
        #expect(help.stdout.contains("--no-descriptor") && help.stdout.contains("task-level"), "\(help.stdout)")
    }

    /// A prior file without the task-level keys (written before they existed): rows without z
    /// are refused with the hint to refit, in `evaluate` and in `adapt`.
    @Test func aPriorFromBeforeTheRecordIsHinted() throws {
        let dir = try Self.fitted()
        let path = dir.appendingPathComponent("prior.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any])
        object["task_level_columns"] = nil
        object["task_level_means"] = nil
        try JSONSerialization.data(withJSONObject: object).write(to: path)
        let hint = "prior.json was written before metaprior recorded which of a formula's columns are task-level"
        let evaluated = try runCLI(Self.evaluate + ["--data", "held-bare.csv"], in: dir)
        #expect(evaluated.status != 0 && evaluated.stderr.contains("'z'") && evaluated.stderr.contains(hint), "\(evaluated.stderr)")
        let adapted = try runCLI(["adapt", "--prior", "prior.json", "--data", "bare.csv", "--output", "d.csv"], in: dir)
        #expect(adapted.status != 0 && adapted.stderr.contains(hint) && adapted.stderr.contains("add 'z', or refit the prior"), "\(adapted.stderr)")
        let rows = try runCLI(Self.evaluate + ["--data", "held.csv"], in: dir)
        #expect(rows.status == 0, "\(rows.stderr)")
    }

    /// A prior fitted with task descriptors, under `evaluate --no-descriptor`: every task is
    /// scored at the average meta-train descriptor z̄, which is what a descriptors file giving
    /// every task z̄ (read from the prior's `descriptor_mean`) scores, to 1e-9 relative (B z̄
    /// against the stored mean: rounding only).
    @Test func aDescriptorPriorIsScoredAtTheAverage() throws {
        let dir = try DescriptorCLITests.fitted()
        let prior = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("prior.json"))) as? [String: Any])
        let mean = try #require(prior["descriptor_mean"] as? [Double])
        try ("task,z1,z2\n" + (0..<80).map { "\($0),\(mean[1]),\(mean[2])\n" }.joined()).write(to: dir.appendingPathComponent("mean-z.csv"), atomically: true, encoding: .utf8)
        let base = ["evaluate", "--prior", "prior.json", "--data", "data.csv", "--shots", "2", "--query", "3", "--episodes", "40", "--seed", "1",
                    "--allow-training-tasks"]
        let average = try runCLI(base + ["--no-descriptor", "--episodes-output", "n.csv"], in: dir)
        #expect(average.status == 0 && average.stderr.contains("warning: prior.json: --no-descriptor: the prior mean is taken at the average meta-train descriptor (z1 = ")
                && average.stderr.contains("for every task"), "\(average.stderr)")
        let atMean = try runCLI(base + ["--descriptors", "mean-z.csv", "--episodes-output", "m.csv"], in: dir)
        #expect(atMean.status == 0, "\(atMean.stderr)")
        func numbers(_ name: String) throws -> [Double] {
            try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").dropFirst()
                .flatMap { $0.split(separator: ",").dropFirst(3).map { Double($0) ?? .nan } }
        }
        let n = try numbers("n.csv"), m = try numbers("m.csv")
        #expect(n.count == m.count && n.count > 100 && zip(n, m).allSatisfy { abs($0 - $1) <= 1e-9 * Swift.max(1, abs($1)) })
        // Another z for every task scores differently: the comparison can fail.
        try ("task,z1,z2\n" + (0..<80).map { "\($0),\(mean[1] + 1),\(mean[2])\n" }.joined()).write(to: dir.appendingPathComponent("off-z.csv"), atomically: true, encoding: .utf8)
        let off = try runCLI(base + ["--descriptors", "off-z.csv", "--episodes-output", "o.csv"], in: dir)
        let o = try numbers("o.csv")
        #expect(off.status == 0 && o != m, "\(off.stderr)")
    }

    /// Descriptors that no prior reads are refused, not ignored.
    @Test func unreadDescriptorsAreRefused() throws {
        let dir = try Self.fitted()
        try ("task,w\n" + (30..<40).map { "h\($0),1\n" }.joined()).write(to: dir.appendingPathComponent("w.csv"), atomically: true, encoding: .utf8)
        let run = try runCLI(Self.evaluate + ["--data", "held.csv", "--descriptors", "w.csv"], in: dir)
        #expect(run.status != 0 && run.stderr.contains("option '--descriptors': no prior compared reads the descriptors w"), "\(run.stderr)")
    }
}
