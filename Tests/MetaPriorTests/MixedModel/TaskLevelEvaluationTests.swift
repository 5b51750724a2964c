// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// A formula prior's task-level columns in the library's evaluate (``EvaluationRun``): each
/// held-out task gives z on its rows (constant within it), in its row of the descriptors, or
/// under `--no-descriptor` at the meta-train average, as a new task does in `adapt`.
@Suite("Task-level columns in evaluate")
struct TaskLevelEvaluationTests {
    /// Held-out task ids: tasks 15–26 of TaskLevelFormulaTests' generator (the prior saw 0–14).
    static let ids = Array(15..<27)

    /// z_k of task t, by TaskLevelFormulaTests.csv()'s generator.
    static func z(_ t: Int, _ k: Int) -> Double {
        k == 1 ? cos(0.9 * Double(t) + 0.2) : sin(2.1 * Double(t) + 0.5)
    }

    /// Rows of the held-out tasks (8 points each), in `columns` of task, x, z1, z2, y; `zOf`
    /// gives a row's (z1, z2) from its task and point.
    static func rows(_ columns: [String], zOf: (Int, Int) -> (Double, Double) = { t, _ in (z(t, 1), z(t, 2)) }) -> String {
        var text = columns.joined(separator: ",") + "\n"
        for t in ids {
            for j in 0..<8 {
                let g = Double(t * 8 + j), x = 1.5 * sin(1.7 * g + 0.3)
                let (z1, z2) = zOf(t, j)
                let y = 1 + 0.8 * z(t, 1) - 0.5 * z(t, 2) + 0.7 * sin(3.3 * Double(t) + 1)
                    + (2 + 0.3 * z(t, 1) + 0.6 * z(t, 2) + 0.4 * cos(2.7 * Double(t))) * x + 0.5 * sin(7.1 * g + 2.2)
                let fields = ["task": "h\(t)", "x": "\(x)", "z1": "\(z1)", "z2": "\(z2)", "y": "\(y)"]
                text += columns.map { fields[$0]! }.joined(separator: ",") + "\n"
            }
        }
        return text
    }

    /// prior.json (TaskLevelConditioningTests.fitted(): `y ~ x * z1 + x * z2 + (x | task)` on
    /// tasks 0–14) and the held-out files.
    static func fitted() throws -> URL {
        let dir = try TaskLevelConditioningTests.fitted()
        let mean = (TaskLevelConditioningTests.mean(1), TaskLevelConditioningTests.mean(2))
        let files = [
            "rows.csv": rows(["task", "x", "z1", "z2", "y"]),
            "bare.csv": rows(["task", "x", "y"]),
            "half.csv": rows(["task", "x", "z2", "y"]),
            "mean.csv": rows(["task", "x", "z1", "z2", "y"], zOf: { _, _ in mean }),
            "varies.csv": rows(["task", "x", "z1", "z2", "y"], zOf: { t, j in (t == 17 && j == 5 ? 0.25 : z(t, 1), z(t, 2)) }),
            "descriptors.csv": "task,z1,z2\n" + ids.map { "h\($0),\(z($0, 1)),\(z($0, 2))\n" }.joined(),
            "shifted.csv": "task,z1,z2\n" + ids.map { "h\($0),\(z($0, 1) + 0.5),\(z($0, 2))\n" }.joined(),
            "other.csv": "task,z1,z2\n" + ids.map { "h\($0),\($0 == 16 ? 0.5 : z($0, 1)),\(z($0, 2))\n" }.joined(),
            "unrelated.csv": "task,w\n" + ids.map { "h\($0),\($0)\n" }.joined(),
        ]
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    /// The library's `evaluate --prior … --data data [--descriptors d] [--no-descriptor]
    /// --shots 3 --query 4 --episodes 60 --seed 5`.
    static func run(_ dir: URL, _ data: String, descriptors: String? = nil, noDescriptor: Bool = false,
                    priors: [String] = ["prior.json"], shots: Int = 3, query: Int = 4) throws -> EvaluationRun {
        let loaded = try priors.map { try LoadedPrior(path: dir.appendingPathComponent($0).path) }
        let path = dir.appendingPathComponent(data).path
        let options = CSVReadOptions(descriptorsPath: descriptors.map { dir.appendingPathComponent($0).path })
        let dataset = try EvaluationRun.readDataset(csv: path, options: options, for: loaded)
        var settings = EvaluationRun.Settings(shots: shots, query: query, episodes: 60, seed: 5)
        settings.noDescriptor = noDescriptor
        return try EvaluationRun(priors: loaded, dataset: dataset, dataFile: path, dataDigest: nil, settings: settings, command: "test")
    }

    /// Every episode's scores, and the per-episode CSV (task ids included).
    static func scores(_ run: EvaluationRun) -> ([[[Double]]], [UInt8]) {
        (run.result.perEpisode, EvaluationReport.episodesCSV(run.result, episodes: run.episodes, dataset: run.dataset))
    }

    /// z from the descriptors (all of it, or z1 with z2 on the rows) scores every episode as z
    /// on the rows does, bit for bit; another z scores differently (the prior mean moves).
    @Test func theDescriptorsScoreAsTheRows() throws {
        let dir = try Self.fitted()
        let rows = Self.scores(try Self.run(dir, "rows.csv"))
        let given = try Self.run(dir, "bare.csv", descriptors: "descriptors.csv")
        #expect(given.report.warnings.isEmpty, "\(given.report.warnings)")
        #expect(Self.scores(given) == rows)
        #expect(Self.scores(try Self.run(dir, "half.csv", descriptors: "descriptors.csv")) == rows)
        // Rows and descriptors that agree: the same again.
        #expect(Self.scores(try Self.run(dir, "rows.csv", descriptors: "descriptors.csv")) == rows)
        let shifted = try Self.run(dir, "bare.csv", descriptors: "shifted.csv").result.perEpisode
        #expect(shifted[0][1] != rows.0[0][1])
    }

    /// `--no-descriptor` scores as rows carrying the meta-train average of z (computed here from
    /// the generator, not from the prior), to 1e-12 relative, with one warning per column.
    @Test func noDescriptorScoresAtTheMean() throws {
        let dir = try Self.fitted()
        let average = try Self.run(dir, "bare.csv", noDescriptor: true)
        let atMean = try Self.run(dir, "mean.csv").result.perEpisode
        #expect(TaskLevelConditioningTests.close(average.result.perEpisode.flatMap { $0.flatMap { $0 } }, atMean.flatMap { $0.flatMap { $0 } }))
        #expect(average.report.warnings.count == 2, "\(average.report.warnings)")
        #expect(average.report.warnings.first?.contains("--no-descriptor: the shared terms take the task-level column z1 at the meta-train average over tasks (z1 = ") ?? false)
        #expect(average.report.warnings.first?.contains("in 12 of the 12 tasks scored") ?? false, "\(average.report.warnings)")
        // Tasks that give z take no average, and no warning.
        #expect(try Self.run(dir, "rows.csv", noDescriptor: true).report.warnings.isEmpty)
    }

    @Test(arguments: [
        ("varies.csv", nil, "z1", "the task-level column 'z1' varies within the task 'h17' (\(significant(z(17, 1), 10)) on its first row, 0.25 on row 6)"),
        ("rows.csv", "other.csv", "z1", "the rows of the task 'h16' give the task-level column 'z1' the value \(significant(z(16, 1), 10)), but its row of the descriptors file (--descriptors) gives 0.5; give it once"),
        ("bare.csv", nil, "z1", "the task 'h15' has no value for the task-level columns z1, z2"),
        ("half.csv", nil, "z1", "the task 'h15' has no value for the task-level column z1 "),
        ("rows.csv", "unrelated.csv", "--descriptors", "no prior compared reads the descriptors w"),
    ] as [(String, String?, String, String)])
    func badTaskLevelValuesAreRefused(data: String, descriptors: String?, column: String, message: String) throws {
        let dir = try Self.fitted()
        let error = try #require(throws: InputError.self) { _ = try Self.run(dir, data, descriptors: descriptors) }
        #expect("\(error)".contains(message), "\(error)")
        #expect(error.column == column, "\(error)")
    }

    /// The prior's own tasks, with z moved from the rows to a descriptors file, are still
    /// recognised as its training tasks (their content digests are of the filled rows).
    @Test func trainingTasksAreFoundThroughTheDescriptors() throws {
        let dir = try Self.fitted()
        let lines = TaskLevelFormulaTests.csv().split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let bare = lines.map { [$0[0], $0[1], $0[4]].joined(separator: ",") }.joined(separator: "\n") + "\n"
        var seen = Set<Substring>()
        let descriptors = lines.dropFirst().filter { seen.insert($0[0]).inserted }.map { [$0[0], $0[2], $0[3]].joined(separator: ",") }
        try bare.write(to: dir.appendingPathComponent("train-bare.csv"), atomically: true, encoding: .utf8)
        try ("task,z1,z2\n" + descriptors.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("train-z.csv"), atomically: true, encoding: .utf8)
        let error = try #require(throws: InputError.self) {
            _ = try Self.run(dir, "train-bare.csv", descriptors: "train-z.csv", shots: 2, query: 3)
        }
        #expect("\(error)".contains("15 of the 15 tasks to score"), "\(error)")
    }

    /// Two priors that record different averages of z cannot share one `--no-descriptor`
    /// value; with z given they are scored together.
    @Test func priorsWithOtherAveragesAreRefusedUnderNoDescriptor() throws {
        let dir = try Self.fitted()
        let text = TaskLevelFormulaTests.csv().split(separator: "\n").prefix(1 + 10 * 6).joined(separator: "\n") + "\n"
        let frame = try FormulaFrame.parse(csv: Array(text.utf8), formula: try ModelFormula(parsing: "y ~ x * z1 + x * z2 + (x | task)"))
        let file = try PriorTraining.train(frame, family: LinearMixedFamily.self, request: FitRequest(),
                                           source: PriorTraining.Source(file: "d10.csv", digest: nil)).file
        try file.encoded().write(to: dir.appendingPathComponent("prior10.json"))
        let error = try #require(throws: InputError.self) {
            _ = try Self.run(dir, "bare.csv", noDescriptor: true, priors: ["prior.json", "prior10.json"])
        }
        #expect("\(error)".contains("record different meta-train averages of 'z1'"), "\(error)")
        let both = try Self.run(dir, "bare.csv", descriptors: "descriptors.csv", priors: ["prior.json", "prior10.json"])
        #expect(both.result.perEpisode[0] == Self.scores(try Self.run(dir, "rows.csv")).0[0])
    }

    /// A prior written before task-level columns were recorded: rows without z are refused with
    /// the hint to refit, and descriptors it cannot read are refused saying why.
    @Test func aPriorFromBeforeTheRecordIsHinted() throws {
        let dir = try Self.fitted()
        try TaskLevelConditioningTests.edited(dir) { $0["task_level_columns"] = nil; $0["task_level_means"] = nil }
            .write(to: dir.appendingPathComponent("prior.json"))
        let missing = try #require(throws: InputError.self) { _ = try Self.run(dir, "bare.csv", descriptors: "descriptors.csv") }
        #expect(missing.column == "z1" && Adaptation.isHinted(missing), "\(missing)")
        let unread = try #require(throws: InputError.self) { _ = try Self.run(dir, "rows.csv", descriptors: "descriptors.csv") }
        #expect("\(unread)".contains("no prior compared reads the descriptors z1, z2") && "\(unread)".contains("written before metaprior recorded"), "\(unread)")
        // With z on the rows it is scored as before.
        #expect(Self.scores(try Self.run(dir, "rows.csv")).0 == Self.scores(try Self.run(try Self.fitted(), "rows.csv")).0)
    }

    /// A text task-level column (Orthodont's Sex) comes from the rows only.
    @Test func aTextColumnComesFromTheRows() throws {
        let frame = try FormulaFrame.parse(csv: Array(Orthodont.csv.utf8), formula: try ModelFormula(parsing: "distance ~ age + Sex + (age | Subject)"))
        let file = try PriorTraining.train(frame, family: LinearMixedFamily.self, request: FitRequest(),
                                           source: PriorTraining.Source(file: "o.csv", digest: nil)).file
        let sexless = Orthodont.csv.split(separator: "\n").map { $0.split(separator: ",").prefix(3).joined(separator: ",") }.joined(separator: "\n") + "\n"
        let dir = try TaskLevelConditioningTests.directory(file, files: ["sexless.csv": sexless])
        let error = try #require(throws: InputError.self) { _ = try Self.run(dir, "sexless.csv", noDescriptor: true, shots: 2, query: 2) }
        #expect("\(error)".contains("the task-level column 'Sex' holds text (a factor): --no-descriptor takes numbers"), "\(error)")
    }
}
