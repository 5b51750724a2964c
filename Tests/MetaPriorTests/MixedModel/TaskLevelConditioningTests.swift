// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// A new task conditioned on a formula prior's task-level columns (``TaskLevelColumns``): by
/// `--descriptor`, by its rows, or at the meta-train average under `--no-descriptor`, through
/// the ``Adaptation`` that `adapt` and `predict` use.
@Suite("Task-level columns of a new task")
struct TaskLevelConditioningTests {
    /// A directory holding prior.json, fitted to TaskLevelFormulaTests' data with
    /// `y ~ x * z1 + x * z2 + (x | task)` (z1, z2 task-level), and the files of a new task.
    static func fitted() throws -> URL {
        let frame = try FormulaFrame.parse(csv: Array(TaskLevelFormulaTests.csv().utf8), formula: try ModelFormula(parsing: "y ~ x * z1 + x * z2 + (x | task)"))
        let file = try PriorTraining.train(frame, family: LinearMixedFamily.self, request: FitRequest(),
                                           source: PriorTraining.Source(file: "d.csv", digest: nil)).file
        return try directory(file, files: [
            "rows.csv": "x,z1,z2,y\n0.5,0.3,-0.7,2.9\n-1.2,0.3,-0.7,-0.4\n1.1,0.3,-0.7,3.3\n",
            "bare.csv": "x,y\n0.5,2.9\n-1.2,-0.4\n1.1,3.3\n",
            "mean.csv": "x,z1,z2,y\n" + ["0.5,2.9", "-1.2,-0.4", "1.1,3.3"].map { $0.replacingOccurrences(of: ",", with: ",\(Self.mean(1)),\(Self.mean(2)),") }.joined(separator: "\n") + "\n",
            "varies.csv": "x,z1,z2,y\n0.5,0.3,-0.7,2.9\n-1.2,0.4,-0.7,-0.4\n",
            "query.csv": "x\n-1\n0\n0.75\n2\n",
            "query-z.csv": "x,z1,z2\n-1,0.3,-0.7\n0,0.3,-0.7\n0.75,0.3,-0.7\n2,0.3,-0.7\n",
            "query-other.csv": "x,z1,z2\n-1,0.3,-0.7\n0,0.5,-0.7\n",
        ])
    }

    /// A new temporary directory with `prior` as prior.json and each of `files`.
    static func directory(_ prior: PriorFile, files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mp-tasklevel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try prior.encoded().write(to: dir.appendingPathComponent("prior.json"))
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    /// The average of z_k over the 15 tasks, each once, computed here from the generator of
    /// TaskLevelFormulaTests.csv() (not from the prior).
    static func mean(_ k: Int) -> Double {
        (0..<15).map { t -> Double in k == 1 ? cos(0.9 * Double(t) + 0.2) : sin(2.1 * Double(t) + 0.5) }.reduce(0, +) / 15
    }

    static func adapt(_ dir: URL, _ data: String, _ descriptor: DescriptorInput? = nil) throws -> Adaptation {
        try Adaptation(priorPath: dir.appendingPathComponent("prior.json").path, dataFile: dir.appendingPathComponent(data).path, descriptor: descriptor)
    }

    /// Posterior means and sds of φ, then the predictive means and sds at `query`.
    static func numbers(_ adapted: Adaptation, query: URL) throws -> [Double] {
        let summary = try adapted.posterior.summary(level: 0.9)
        let predictive = try adapted.posterior.predictive(at: try adapted.queries(csv: query.path), level: 0.9)
        return summary.flatMap { [$0.mean, $0.standardDeviation] } + predictive.flatMap { [$0.mean, $0.standardDeviation] }
    }

    /// prior.json (the family's keys are beside the shared ones) changed by `edit`.
    static func edited(_ dir: URL, _ edit: (inout [String: Any]) throws -> Void) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("prior.json"))) as? [String: Any])
        try edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * Swift.max(1, abs($1)) }
    }

    @Test func thePriorFileRecordsTheTaskLevelColumns() throws {
        let dir = try Self.fitted()
        let json = try String(contentsOf: dir.appendingPathComponent("prior.json"), encoding: .utf8)
        #expect(json.contains("\"task_level_columns\""))
        let prior = try PriorFile.read(dir.appendingPathComponent("prior.json").path).prior(as: LinearMixedPrior.self)
        let columns = try #require(prior.taskLevel)
        #expect(columns.names == ["z1", "z2"])
        #expect(Self.close(columns.means.map { $0 ?? .nan }, [Self.mean(1), Self.mean(2)], 1e-14))
    }

    /// `--descriptor z1=0.3,z2=-0.7` on rows without z gives what the rows with z give, for
    /// queries with or without z (the posterior and the predictive, to 1e-12 relative).
    @Test func theDescriptorEqualsTheRows() throws {
        let dir = try Self.fitted()
        let rows = try Self.numbers(try Self.adapt(dir, "rows.csv"), query: dir.appendingPathComponent("query-z.csv"))
        let given = try Self.adapt(dir, "bare.csv", .values(["z1": 0.3, "z2": -0.7]))
        #expect(given.descriptorWarning == nil)
        #expect(Self.close(try Self.numbers(given, query: dir.appendingPathComponent("query.csv")), rows))
        #expect(Self.close(try Self.numbers(given, query: dir.appendingPathComponent("query-z.csv")), rows))
        // The rows' own z, also given by --descriptor, agree.
        #expect(Self.close(try Self.numbers(try Self.adapt(dir, "rows.csv", .values(["z1": 0.3, "z2": -0.7])), query: dir.appendingPathComponent("query.csv")), rows))
        // The prior mean moves with z: another z gives another posterior.
        let other = try Self.numbers(try Self.adapt(dir, "bare.csv", .values(["z1": 0.3, "z2": 0.7])), query: dir.appendingPathComponent("query.csv"))
        #expect(!Self.close(other, rows, 1e-6))
    }

    /// `--no-descriptor` on rows without z is the task with the meta-train average of z on its
    /// rows, with a warning naming the averages.
    @Test func noDescriptorIsTheMeanOfZ() throws {
        let dir = try Self.fitted()
        let average = try Self.adapt(dir, "bare.csv", .average)
        let warning = try #require(average.descriptorWarning)
        #expect(warning.contains("--no-descriptor") && warning.contains("z1 = ") && warning.contains("z2 = "), "\(warning)")
        let atMean = try Self.numbers(try Self.adapt(dir, "mean.csv"), query: dir.appendingPathComponent("query.csv"))
        #expect(Self.close(try Self.numbers(average, query: dir.appendingPathComponent("query.csv")), atMean))
        // Rows that carry z take no average: no warning.
        #expect(try Self.adapt(dir, "rows.csv", .average).descriptorWarning == nil)
    }

    @Test(arguments: [
        ("bare.csv", nil, "no value for the task-level columns z1, z2"),
        ("bare.csv", DescriptorInput.values(["z1": 0.3]), "no value for the task-level column z2"),
        ("varies.csv", nil, "varies within the task 'new'"),
        ("bare.csv", DescriptorInput.values(["z1": 0.3, "z2": -0.7, "z3": 1]), "no task-level column 'z3'"),
        ("rows.csv", DescriptorInput.values(["z1": 0.5, "z2": -0.7]), "the rows of the task 'new' give the task-level column 'z1' the value 0.3, but the options give 0.5"),
    ])
    func badTaskLevelValuesAreRefused(data: String, descriptor: DescriptorInput?, message: String) throws {
        let dir = try Self.fitted()
        let error = try #require(throws: InputError.self) { _ = try Self.adapt(dir, data, descriptor) }
        #expect("\(error)".contains(message), "\(error)")
        if data == "varies.csv" { #expect(error.column == "z1") }
    }

    /// A query row that gives its own z is predicted at that z (as before the columns were
    /// recorded); rows without z take the task's.
    @Test func aQueryRowKeepsItsOwnZ() throws {
        let dir = try Self.fitted()
        let adapted = try Self.adapt(dir, "bare.csv", .values(["z1": 0.3, "z2": -0.7]))
        let queries = try adapted.queries(csv: dir.appendingPathComponent("query-other.csv").path)
        #expect(queries[0, 1] == 0.3 && queries[1, 1] == 0.5)
        let filled = try adapted.queries(csv: dir.appendingPathComponent("query.csv").path)
        #expect((0..<filled.rows).allSatisfy { filled[$0, 1] == 0.3 && filled[$0, 2] == -0.7 })
    }

    /// Edited `task_level_columns` are refused naming the key; a file without the keys (written
    /// before they existed) reads, adapts from rows with z, and refuses `--descriptor`.
    @Test(arguments: [
        ("[\"z1\", \"z9\"]", "'z9', which is not a column of the formula"),
        ("[\"z1\", \"z1\"]", "names 'z1' twice"),
        ("\"z1\"", "task_level_columns"),
        ("[\"z1\"]", "task_level_means"),
        ("[]", "'task_level_means': has 2 entries for 0 task-level columns"),
    ])
    func editedPriorFilesAreRefused(columns: String, message: String) throws {
        let dir = try Self.fitted()
        let error = try #require(throws: InputError.self) {
            _ = try PriorFile.decode(try Self.edited(dir) { $0["task_level_columns"] = try JSONSerialization.jsonObject(with: Data(columns.utf8), options: .fragmentsAllowed) },
                                     file: "p.json")
        }
        #expect("\(error)".contains(message), "\(error)")
    }

    @Test func priorFilesWithoutTheKeysStillRead() throws {
        let dir = try Self.fitted()
        let path = dir.appendingPathComponent("prior.json")
        try Self.edited(dir) { prior in
            #expect(prior["task_level_columns"] != nil && prior["task_level_means"] != nil)
            prior["task_level_columns"] = nil
            prior["task_level_means"] = nil
        }.write(to: path)
        let read = try PriorFile.read(path.path).prior(as: LinearMixedPrior.self)
        #expect(read.taskLevel == nil)
        let fromRows = try Self.adapt(dir, "rows.csv")
        #expect(fromRows.task.count == 3)
        let error = try #require(throws: InputError.self) { _ = try Self.adapt(dir, "rows.csv", .values(["z1": 0.3, "z2": -0.7])) }
        #expect("\(error)".contains("fitted without task descriptors and its formula has no task-level columns"), "\(error)")
        let missing = try #require(throws: InputError.self) { _ = try Self.adapt(dir, "bare.csv") }
        #expect(missing.column == "z1" && missing.kind == .missingColumn, "\(missing)")
        // The file predates the record: the error says so, and how to get on.
        #expect("\(missing)".contains("missing column") && "\(missing)".contains("prior.json was written before metaprior recorded which of a formula's columns are task-level")
                && "\(missing)".contains("add 'z1', or refit the prior"), "\(missing)")
        let query = try #require(throws: InputError.self) { _ = try fromRows.queries(csv: dir.appendingPathComponent("query.csv").path) }
        #expect(query.column == "z1" && Adaptation.isHinted(query), "\(query)")
        // Not for a missing target, which no refit gives.
        try "x,z1,z2\n0.5,0.3,-0.7\n".write(to: dir.appendingPathComponent("untargeted.csv"), atomically: true, encoding: .utf8)
        let target = try #require(throws: InputError.self) { _ = try Self.adapt(dir, "untargeted.csv") }
        #expect(target.column == "y" && !Adaptation.isHinted(target), "\(target)")
    }

    /// A prior fitted now with no task-level column records that (empty arrays), so a column
    /// missing from a new task's rows gets no hint to refit: the column varied within the
    /// meta-train tasks, and only the rows can give it.
    @Test func aPriorThatRecordsNoColumnGivesNoHint() throws {
        let frame = try FormulaFrame.parse(csv: Array(TaskLevelFormulaTests.csv().utf8), formula: try ModelFormula(parsing: "y ~ x + (x | task)"))
        let file = try PriorTraining.train(frame, family: LinearMixedFamily.self, request: FitRequest(),
                                           source: PriorTraining.Source(file: "d.csv", digest: nil)).file
        let dir = try Self.directory(file, files: ["nox.csv": "z1,y\n0.3,2.9\n"])
        let error = try #require(throws: InputError.self) { _ = try Self.adapt(dir, "nox.csv") }
        #expect(error.column == "x" && error.kind == .missingColumn && !Adaptation.isHinted(error), "\(error)")
        // The same prior with its record removed (as written before it existed) does hint.
        try Self.edited(dir) { $0["task_level_columns"] = nil; $0["task_level_means"] = nil }.write(to: dir.appendingPathComponent("prior.json"))
        let old = try #require(throws: InputError.self) { _ = try Self.adapt(dir, "nox.csv") }
        #expect(Adaptation.isHinted(old), "\(old)")
    }

    /// A text task-level column (Orthodont's Sex) is recorded with no average, and is given on
    /// the task's rows only: `--descriptor` with it, or `--no-descriptor` for a task without it,
    /// is refused saying so; a level unseen in meta-training is refused naming it; rows with a
    /// seen level adapt, and query rows without Sex take the task's.
    @Test func aTextColumnComesFromTheRows() throws {
        let frame = try FormulaFrame.parse(csv: Array(Orthodont.csv.utf8), formula: try ModelFormula(parsing: "distance ~ age + Sex + (age | Subject)"))
        let file = try PriorTraining.train(frame, family: LinearMixedFamily.self, request: FitRequest(),
                                           source: PriorTraining.Source(file: "o.csv", digest: nil)).file
        let prior = try file.prior(as: LinearMixedPrior.self)
        #expect(prior.taskLevel?.names == ["Sex"] && prior.taskLevel?.means == [nil])
        let dir = try Self.directory(file, files: [
            "girl.csv": "distance,age,Sex\n21.5,8,Female\n23,10,Female\n",
            "bare.csv": "distance,age\n21.5,8\n23,10\n",
            "other.csv": "distance,age,Sex\n21.5,8,Other\n",
            "ages.csv": "age\n12\n14\n",
        ])
        let average = try #require(throws: InputError.self) { _ = try Self.adapt(dir, "bare.csv", .average) }
        #expect("\(average)".contains("the task-level column 'Sex' holds text (a factor): --no-descriptor takes numbers"), "\(average)")
        let given = try #require(throws: InputError.self) { _ = try Self.adapt(dir, "bare.csv", .values(["Sex": 1])) }
        #expect("\(given)".contains("--descriptor takes numbers, so give the task's level in a 'Sex' column of its rows"), "\(given)")
        let missing = try #require(throws: InputError.self) { _ = try Self.adapt(dir, "bare.csv") }
        #expect("\(missing)".contains("no value for the task-level column Sex") && "\(missing)".contains("give it in a column of its rows"), "\(missing)")
        let unseen = try #require(throws: InputError.self) { _ = try Self.adapt(dir, "other.csv") }
        #expect("\(unseen)".contains("'Other'"), "\(unseen)")
        let girl = try Self.adapt(dir, "girl.csv")
        let queries = try girl.queries(csv: dir.appendingPathComponent("ages.csv").path)
        let female = try #require(prior.inputLevels["Sex"]?.firstIndex(of: "Female"))
        #expect(queries.rows == 2 && (0..<2).allSatisfy { queries[$0, 1] == Double(female) })
    }

    /// A formula fitted on data with no task-level column records that as empty arrays (so a
    /// file without the keys is known to predate them); it reads back as no task-level column.
    @Test func noTaskLevelColumnsEmptyKeys() throws {
        let frame = try FormulaFrame.parse(csv: Array(TaskLevelFormulaTests.csv().utf8), formula: try ModelFormula(parsing: "y ~ x + (x | task)"))
        let file = try PriorTraining.train(frame, family: LinearMixedFamily.self, request: FitRequest(),
                                           source: PriorTraining.Source(file: "d.csv", digest: nil)).file
        let bytes = try file.encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"task_level_columns\" : [\n\n  ]") && text.contains("\"task_level_means\" : [\n\n  ]"), "\(text)")
        let prior = try file.prior(as: LinearMixedPrior.self)
        #expect(prior.taskLevel == nil && prior.taskLevelRecord == .empty && !prior.predatesTaskLevelRecord)
        let read = try PriorFile.decode(bytes, file: "p.json")
        #expect(try read.prior(as: LinearMixedPrior.self).taskLevelRecord == .empty)
        #expect(try read.encoded() == bytes)
    }
}

extension Adaptation {
    /// Whether `error` carries the hint that the prior predates the task-level record.
    static func isHinted(_ error: InputError) -> Bool {
        "\(error)".contains("was written before metaprior recorded which of a formula's columns are task-level")
    }
}
