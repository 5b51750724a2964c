// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL
import Testing
@testable import MetaPrior

/// Writes `text` to a fresh temporary file and returns its path.
private func temporaryFile(_ text: String, name: String = "data.csv") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mp-options-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The error `body` throws, as an ``InputError``.
private func inputError(_ body: () throws -> Void) -> InputError? {
    do { try body() } catch let error as InputError { return error } catch { return nil }
    return nil
}

/// Task weights the way `fit --weights` read them before the reader had an option for it:
/// the weight column read as the last input, then moved out of the inputs.
private func weightsReadAsLastInput(_ text: String, features: [String], weight: String) throws -> MetaDataset {
    var dataset = try MetaDataset.parse(csv: Array(text.utf8), name: "w.csv", options: CSVReadOptions(featureColumns: features + [weight]))
    let p = features.count
    for t in dataset.tasks.indices {
        let task = dataset.tasks[t]
        dataset.tasks[t].weight = task.inputs[0, p]
        let kept = (0..<task.count).flatMap { i in (0..<p).map { task.inputs[i, $0] } }
        dataset.tasks[t].inputs = try Matrix(rows: task.count, columns: p, elements: kept)
    }
    dataset.inputNames.removeLast()
    return dataset
}

@Suite("Data: reader options and InputError kinds")
struct DataReaderOptionsTests {
    @Test func readTaskOnAHeaderOnlyFileIsAnEmptyTask() throws {
        let path = try temporaryFile("task,x,y\n")
        let task = try MetaDataset.readTask(csv: path, inputs: ["x"], target: "y", taskColumn: "task")
        #expect(task.id == "new")
        #expect(task.count == 0)
        #expect(task.inputs.rows == 0 && task.inputs.columns == 1)
        let chosen = try MetaDataset.readTask(csv: path, inputs: ["x"], target: "y", taskColumn: "task", taskID: "a")
        #expect(chosen.id == "a" && chosen.count == 0)
        // Without even a header it is still an error.
        let empty = try temporaryFile("")
        #expect(inputError { _ = try MetaDataset.readTask(csv: empty, inputs: ["x"], target: "y", taskColumn: "task") }?.kind == .empty)
    }

    @Test func readTaskWithoutTheTaskColumnTakesEveryRow() throws {
        let path = try temporaryFile("y,x,other\n1,2,a\n3,4,b\n")
        let task = try MetaDataset.readTask(csv: path, inputs: ["x"], target: "y", taskColumn: "Subject")
        #expect(task.id == "new")
        #expect(task.inputs.elements == [2, 4])
        #expect(task.targets == [1, 3])
        let error = inputError { _ = try MetaDataset.readTask(csv: path, inputs: ["x"], target: "y", taskColumn: "Subject", taskID: "7") }
        #expect(error?.description == "\(path): column 'Subject': --task-id needs the task column; the file has: y, x, other")
        #expect(error?.kind == .missingColumn)
    }

    @Test func readTaskChoosesTheTaskAndDigestsTheBytesItRead() throws {
        let text = "Subject,x,y\n7,1,2\n8,3,4\n7,5,6\n"
        let path = try temporaryFile(text)
        let (task, digest) = try MetaDataset.readTaskAndDigest(csv: path, inputs: ["x"], target: "y", taskColumn: "Subject", taskID: "7")
        #expect(task.id == "7")
        #expect(task.targets == [2, 6])
        #expect(digest == Digest.sha256(Array(text.utf8)))
        #expect(digest == Digest.sha256(file: path))
        let missing = inputError { _ = try MetaDataset.readTask(csv: path, inputs: ["z"], target: "y", taskColumn: "Subject") }
        #expect(missing?.description == "\(path):1: column 'z': missing column; the file has: Subject, x, y")
        #expect(missing?.kind == .missingColumn)
    }

    @Test func recordsTheDigestOfTheFileOnlyWhenAsked() throws {
        let path = try temporaryFile("task,x,y\na,1,2\n")
        #expect(try MetaDataset.read(csv: path).sourceDigest == nil)
        let read = try MetaDataset.read(csv: path, options: CSVReadOptions(recordsSourceDigest: true))
        #expect(read.sourceDigest == Digest.sha256(file: path))
    }

    @Test func theSourceDigestOfAFileParsedInParallelIsTheFilesDigest() throws {
        // Over 1 MB: parsed in parallel stretches while the digest is made on its own thread.
        var text = "task,x,y\n"
        for i in 0..<60_000 { text += "t\(i % 101),\(Double(i) * 0.125),\(i % 7)\n" }
        let path = try temporaryFile(text)
        let read = try MetaDataset.read(csv: path, options: CSVReadOptions(recordsSourceDigest: true))
        #expect(read.sourceDigest == Digest.sha256(Array(text.utf8)))
        #expect(read.observationCount == 60_000)
    }

    @Test func aTasksContentDigestIsTheSHA256OfItsShapeAndNumbers() throws {
        // References from Python: hashlib.sha256(struct.pack('<QQ', rows, columns)
        //   + struct.pack('<4d', 1.5, -2.0, 0.25, 1e-300) + struct.pack('<2d', 3.0, -0.0)).hexdigest()[:16]
        // and the same with (3, 1), '<3d' 1, 2, 3 and '<3d' 0.1, 0.2, 0.3.
        let a = TaskData(id: "a", inputs: try Matrix(rows: 2, columns: 2, elements: [1.5, -2, 0.25, 1e-300]), targets: [3, -0.0])
        #expect(a.contentDigest == "99ebfce87740d9d5")
        let b = TaskData(id: "b", inputs: try Matrix(rows: 3, columns: 1, elements: [1, 2, 3]), targets: [0.1, 0.2, 0.3])
        #expect(b.contentDigest == "ca6c7fdb1e9cd939")
        // The identifier is not part of it.
        #expect(TaskData(id: "renamed", inputs: a.inputs, targets: a.targets).contentDigest == a.contentDigest)
    }

    @Test func theWeightOptionGivesTheWeightsOfTheWeightColumnReadAsAnInput() throws {
        let text = "task,x,w,y\nb,1,2,3\na,4,0.5,6\nb,7,2,9\nc,1,0,2\n"
        let old = try weightsReadAsLastInput(text, features: ["x"], weight: "w")
        let new = try MetaDataset.parse(csv: Array(text.utf8), name: "w.csv", options: CSVReadOptions(taskWeightColumn: "w"))
        #expect(new == old)
        #expect(new.tasks.map(\.weight) == [2, 0.5, 0])
        #expect(new.inputNames == ["x"])
        // A file large enough to be parsed in parallel stretches, a weight per task.
        var rows = "task,x,w,y\n"
        for i in 0..<80_000 { rows += "t\(i % 37),\(Double(i) * 0.25),\(Double(i % 37) + 0.5),\(i % 11)\n" }
        let bigOld = try weightsReadAsLastInput(rows, features: ["x"], weight: "w")
        let bigNew = try MetaDataset.parse(csv: Array(rows.utf8), name: "w.csv", options: CSVReadOptions(taskWeightColumn: "w"))
        #expect(bigNew == bigOld)
        #expect(bigNew.tasks.count == 37)
    }

    @Test(arguments: [
        ("task,x,w,y\na,1,1,2\na,2,2,3\n", CSVReadOptions(taskWeightColumn: "w"), InputError.Kind.inconsistent,
         "w.csv:3: column 'w': the weight of task 'a' varies between its rows; a task has one weight"),
        ("task,x,w,y\na,1,-1,2\n", CSVReadOptions(taskWeightColumn: "w"), .invalidValue,
         "w.csv:2: column 'w': the weight of task 'a' is -1.0; weights must be non-negative"),
        ("task,x,y\na,1,2\n", CSVReadOptions(taskWeightColumn: "w"), .missingColumn,
         "w.csv:1: column 'w': no such feature column; the columns are: task, x, y"),
        ("task,x,w,y\na,1,1,2\n", CSVReadOptions(featureColumns: ["x", "w"], taskWeightColumn: "w"), .invalidValue,
         "column 'w': is both a feature and the weight column"),
        ("task,x,w,y\na,1,,2\n", CSVReadOptions(taskWeightColumn: "w"), .badNumber,
         "w.csv:2: column 'w': missing value (empty field)"),
    ])
    func weightColumnErrorsKeepTheirText(text: String, options: CSVReadOptions, kind: InputError.Kind, expected: String) {
        let error = inputError { _ = try MetaDataset.parse(csv: Array(text.utf8), name: "w.csv", options: options) }
        #expect(error?.description == expected)
        #expect(error?.kind == kind)
    }

    @Test func inputErrorsSayWhatKindTheyAre() throws {
        let missingFile = inputError { _ = try MetaDataset.read(csv: "/nonexistent/metaprior/data.csv") }
        #expect(missingFile?.kind == .missingFile)
        #expect(missingFile?.message == "no such file")
        let missingColumn = inputError { _ = try MetaDataset.parse(csv: Array("task,x,y\na,1,2\n".utf8), options: CSVReadOptions(featureColumns: ["z"])) }
        #expect(missingColumn?.kind == .missingColumn)
        let badNumber = inputError { _ = try MetaDataset.parse(csv: Array("task,x,y\na,1,abc\n".utf8)) }
        #expect(badNumber?.kind == .badNumber)
        #expect(badNumber?.description == "<input>:2: column 'y': not a number: 'abc'")
        let noRows = inputError { _ = try MetaDataset.parse(csv: Array("task,x,y\n".utf8)) }
        #expect(noRows?.kind == .empty)
        let ragged = inputError { _ = try MetaDataset.parse(csv: Array("task,x,y\na,1\n".utf8)) }
        #expect(ragged?.kind == .malformed)
        #expect(InputError("anything").kind == .other)
        // No rows is an empty data set when allowed.
        let allowed = try MetaDataset.parse(csv: Array("task,x,y\n".utf8), options: CSVReadOptions(allowsNoRows: true))
        #expect(allowed.tasks.isEmpty && allowed.inputNames == ["x"])
    }
}

/// Files written by R's `write.csv` (row names under an empty header cell) and by pandas'
/// `to_csv` read back with `read_csv` and written again (`Unnamed: 0`) carry a row-index
/// column: read as an index, not as an input, with a note.
@Suite("Row-index columns from R and pandas")
struct RowIndexColumnTests {
    // As R 4.x writes it: write.csv(data.frame(task = c("a", "a", "b", "b"), x = c(1, 2, 1, 3),
    // y = c(0.5, 1, 2, 2.5)), "f.csv")
    static let rCSV = "\"\",\"task\",\"x\",\"y\"\n\"1\",\"a\",1,0.5\n\"2\",\"a\",2,1\n\"3\",\"b\",1,2\n\"4\",\"b\",3,2.5\n"
    static let pandasCSV = "Unnamed: 0,task,x,y\n0,a,1,0.5\n1,a,2,1\n2,b,1,2\n3,b,3,2.5\n"

    @Test(arguments: [rCSV, pandasCSV])
    func indexColumnIsNotAnInput(csv: String) throws {
        let data = try MetaDataset.parse(csv: Array(csv.utf8), name: "f.csv")
        #expect(data.inputNames == ["x"])
        #expect(data.tasks.map(\.id) == ["a", "b"])
        #expect(data.tasks[1].targets == [2, 2.5])
        #expect(data.readingNotes.count == 1 && data.readingNotes[0].contains("read as a row index and ignored"))
    }

    @Test func emptyNameElsewhereIsStillAnError() {
        #expect(throws: InputError.self) { try MetaDataset.parse(csv: Array("task,,y\na,1,2\n".utf8)) }
    }
}

/// Missing values (empty cells, R's NA) in the columns in use: dropped and counted by default
/// (`--na-action omit`, R's na.omit), refused with `.fail`.
@Suite("Missing values")
struct MissingValueTests {
    // Line 3: empty x; line 5: y NA; line 6: task NA; task c has only a missing row (line 7).
    static let csv = "task,x,y\na,1,2\na,,3\na,2,4\nb,1,NA\nNA,1,1\nc, ,5\nb,3,6\n"
    static let omit = CSVReadOptions(missingValues: .omit)

    @Test func rowsWithMissingValuesAreOmittedAndCounted() throws {
        let data = try MetaDataset.parse(csv: Array(Self.csv.utf8), name: "m.csv", options: Self.omit)
        #expect(data.omittedRows == 4)
        #expect(data.tasks.map(\.id) == ["a", "b"])
        #expect(data.tasks[0].targets == [2, 4] && data.tasks[1].targets == [6])
        #expect(data.readingNotes.contains { $0.hasPrefix("note: 4 rows of m.csv with a missing value") && $0.contains("the first on line 3") }, "\(data.readingNotes)")
    }

    @Test func unusedColumnsMayBeMissing() throws {
        let data = try MetaDataset.parse(csv: Array("task,x,z,y\na,1,,2\na,2,NA,3\n".utf8), name: "m.csv",
                                         options: CSVReadOptions(featureColumns: ["x"], missingValues: .omit))
        #expect(data.omittedRows == 0 && data.tasks[0].count == 2)
    }

    @Test func failRefusesTheFirstMissingValue() {
        #expect(throws: InputError.self) {
            try MetaDataset.parse(csv: Array(Self.csv.utf8), name: "m.csv")
        }
        do {
            _ = try MetaDataset.parse(csv: Array(Self.csv.utf8), name: "m.csv", options: CSVReadOptions(missingValues: .fail))
        } catch {
            #expect("\(error)" == "m.csv:3: column 'x': missing value (empty field)")
        }
    }

    @Test func nothingLeftIsAnErrorThatSaysWhy() {
        do {
            _ = try MetaDataset.parse(csv: Array("task,x,y\na,NA,1\nb,2,\n".utf8), name: "m.csv", options: Self.omit)
            Issue.record("accepted a file with no complete row")
        } catch {
            #expect("\(error)".hasPrefix("m.csv:2: no rows left: all 2 rows have a missing value"), "\(error)")
        }
    }

    /// A file large enough to be parsed in parallel stretches drops the same rows and reports
    /// the same first line as the serial parse of its first part.
    @Test func parallelParseCountsLikeTheSerialOne() throws {
        var text = "task,x,y\n"
        var expectedOmitted = 0, firstOmitted: Int?
        for i in 0..<60_000 {
            let line = i + 2
            if i % 997 == 5 {
                text += "t\(i % 50),NA,\(i)\n"
                expectedOmitted += 1
                if firstOmitted == nil { firstOmitted = line }
            } else {
                text += "t\(i % 50),\(i % 13),\(i)\n"
            }
        }
        let data = try MetaDataset.parse(csv: Array(text.utf8), name: "big.csv", options: Self.omit)
        #expect(data.omittedRows == expectedOmitted)
        #expect(data.tasks.reduce(0) { $0 + $1.count } == 60_000 - expectedOmitted)
        #expect(data.readingNotes.contains { $0.contains("the first on line \(firstOmitted!)") }, "\(data.readingNotes)")
    }
}
