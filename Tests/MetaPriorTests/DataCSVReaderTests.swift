// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL
import Testing
@testable import MetaPrior

private func parse(_ text: String, _ options: CSVReadOptions = CSVReadOptions()) throws -> MetaDataset {
    try MetaDataset.parse(csv: Array(text.utf8), name: "t.csv", options: options)
}

@Suite("Data: CSV reader")
struct DataCSVReaderTests {
    @Test func readsLongFormatWithInterleavedTasksQuotesAndLineEndings() throws {
        let text = "\u{FEFF}task,x1,x2,y\r\nb,1,2,3\r\n\"a,1\",4,5,6\n\nb, 7 ,8e0,-9.5\r\n\"a,1\",\"10\",11,12"
        let d = try parse(text)
        #expect(d.taskIDs == ["b", "a,1"])
        #expect(d.inputNames == ["x1", "x2"])
        #expect(d.targetName == "y")
        #expect(d.kind == .regression)
        #expect(d.tasks[0].inputs.elements == [1, 2, 7, 8])
        #expect(d.tasks[0].targets == [3, -9.5])
        #expect(d.tasks[1].inputs.elements == [4, 5, 10, 11])
        #expect(d.tasks[1].targets == [6, 12])
        #expect(d.canonicalTaskOrder == [1, 0])
    }

    @Test func choosesColumnsByName() throws {
        let d = try parse("g,a,b,c,out\n1,1,2,3,4\n2,5,6,7,8\n", CSVReadOptions(taskColumn: "g", targetColumn: "out", featureColumns: ["c", "a"]))
        #expect(d.taskColumn == "g")
        #expect(d.inputNames == ["c", "a"])
        #expect(d.tasks[1].inputs.elements == [7, 5])
        #expect(d.tasks[1].targets == [8])
    }

    @Test func readsClassLabelsInSortedOrder() throws {
        let d = try parse("task,x,label\nt,1,10\nt,2,9\nu,3,10\nu,4,2\n")
        #expect(d.classNames == ["2", "9", "10"])
        #expect(d.tasks[0].targets == [2, 1])
        #expect(d.tasks[1].targets == [2, 0])
        let text = try parse("task,x,kind\nt,1,cat\nt,2,ant\n", CSVReadOptions(targetColumn: "kind", kind: .classification))
        #expect(text.classNames == ["ant", "cat"])
    }

    @Test func turnsMultiLabelColumnsIntoTasks() throws {
        let d = try parse("x,y1,y2\n1,10,20\n2,11,21\n", CSVReadOptions(targetColumns: ["y1", "y2"]))
        #expect(d.taskIDs == ["y1", "y2"])
        #expect(d.inputNames == ["x"])
        #expect(d.tasks[1].targets == [20, 21])
        #expect(d.tasks[0].inputs == d.tasks[1].inputs)
        let m = try MetaDataset.multiTask(inputs: try Matrix([[1], [2]]), inputNames: ["x"], targets: try Matrix([[10, 20], [11, 21]]), targetNames: ["y1", "y2"])
        #expect(m.tasks.map(\.targets) == d.tasks.map(\.targets))
    }

    @Test func attachesDescriptorsAndWeights() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mp-desc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("d.csv").path
        try "task,size,w,age\nb,2,0.5,7\na,1,2,8\n".write(toFile: path, atomically: true, encoding: .utf8)
        let d = try parse("task,x,y\na,1,2\nb,3,4\n", CSVReadOptions(descriptorsPath: path, weightColumn: "w"))
        #expect(d.descriptorNames == ["size", "age"])
        #expect(d.tasks[0].descriptor == [1, 8])
        #expect(d.tasks[1].descriptor == [2, 7])
        #expect(d.tasks.map(\.weight) == [2, 0.5])
        let oneHot = d.withOneHotDescriptors()
        #expect(oneHot.tasks[1].descriptor == [0, 1])
    }

    @Test(arguments: [
        ("", "t.csv:1: file is empty"),
        ("task,x,y\n", "t.csv:2: column 'task': no data rows"),
        ("task,x,x,y\n", "t.csv:1: column 'x': appears twice in the header"),
        ("task,x,y\na,1\n", "t.csv:2: column 'y': missing field"),
        ("task,x,y\na,1,2,3\n", "t.csv:2: column '#4': extra field"),
        ("task,x,y\na,1,2\na,abc,2\n", "t.csv:3: column 'x': not a number: 'abc'"),
        ("task,x,y\na,NaN,2\n", "t.csv:2: column 'x': 'NaN' is not a number"),
        ("task,x,y\na,1,inf\n", "t.csv:2: column 'y': infinite value 'inf'"),
        ("task,x,y\na,1,1e999\n", "t.csv:2: column 'y': infinite value '1e999'"),
        ("task,x,y\na,,2\n", "t.csv:2: column 'x': missing value"),
        ("task,x,y\n,1,2\n", "t.csv:2: column 'task': empty task identifier"),
        ("task,x,y\na,\"1,2\n", "t.csv:2: column 'x': quoted field is never closed"),
        ("id,x,y\na,1,2\n", "t.csv:1: column 'task': no such task column; the columns are: id, x, y"),
    ])
    func rejectsBadInputWithItsLocation(text: String, expected: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }

    @Test func parsesNumbersExactlyLikeStrtod() throws {
        let rng = RandomStream(seed: 7, stream: 0)
        var texts: [String] = ["0", "-0", "1", ".5", "5.", "+3", "1e5", "1E-5", "123456789012345678901234", "0.000000000000000000000123",
                               "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "9007199254740993", "0.1", "  42  "]
        for _ in 0..<20_000 {
            let magnitude = pow(10, Double(rng.integer(below: 40)) - 20)
            let v = (rng.uniform() - 0.5) * magnitude
            texts.append(v.description)
            texts.append(String(format: "%.17g", v))
            texts.append(String(format: "%.6f", v))
            texts.append(String(format: "%.19e", v))
        }
        for text in texts {
            let bytes = Array(text.utf8)
            let parsed = bytes.withUnsafeBufferPointer { parseNumber($0.baseAddress!, 0, bytes.count) }
            let expected = strtod(text, nil)
            guard case .value(let v) = parsed else { Issue.record("could not parse \(text)"); continue }
            #expect(v.bitPattern == expected.bitPattern, "\(text)")
        }
    }

    @Test func parallelAndSerialParsesAgree() throws {
        // Over 1 MB without quotes takes the parallel path; one quoted field forces the serial one.
        var lines = ["task,x1,x2,y"]
        let rng = RandomStream(seed: 3, stream: 0)
        for i in 0..<40_000 {
            lines.append("\(i % 37),\(rng.standardNormal()),\(rng.uniform()),\(rng.standardNormal())")
        }
        let plain = lines.joined(separator: "\n") + "\n"
        var quoted = lines
        quoted[1] = "\"" + quoted[1].prefix { $0 != "," } + "\"" + quoted[1].drop { $0 != "," }
        let a = try parse(plain)
        let b = try parse(quoted.joined(separator: "\n") + "\n")
        #expect(plain.utf8.count > 1 << 20)
        #expect(a == b)
        #expect(a.tasks.count == 37)
        #expect(a.taskIDs.prefix(3) == ["0", "1", "2"])
    }

    @Test func quotedLineBreakAcrossAParallelCutIsOneField() throws {
        // Over 1 MB with one quoted field holding a line break in the middle of the file,
        // where a cut between parallel stretches would fall: the parse must be the serial one.
        var lines = ["task,x,y"]
        for i in 0..<80_000 { lines.append("t\(i % 5),\(i),\(Double(i) / 8)") }
        lines[40_000] = "\"odd\ntask\",1.5,2.5"
        let text = lines.joined(separator: "\n") + "\n"
        #expect(text.utf8.count > 1 << 20)
        let d = try parse(text)
        #expect(d.taskIDs == ["t0", "t1", "t2", "t3", "t4", "odd\ntask"])
        #expect(d.observationCount == 80_000)
        #expect(d.tasks[5].inputs.elements == [1.5])
        #expect(d.tasks[5].targets == [2.5])
        #expect(Array(d.tasks[0].targets.prefix(3)) == [0.0, 0.625, 1.25])
        #expect(d.tasks[4].inputs.elements.last == 79_999)
    }

    @Test func manyRowsPerTaskKeepTheirOrderAndClasses() throws {
        // Hundreds of rows per task (a task's rows span several internal blocks), regression
        // and classification: rows stay in file order, class labels map to their ranks.
        var lines = ["task,x1,x2,label"]
        let ids = ["b", "a", "c"], labels = [10, 2, 7]
        for i in 0..<1_000 { lines.append("\(ids[i % 3]),\(i),\(-i),\(labels[(i / 3) % 3])") }
        let d = try parse(lines.joined(separator: "\n"))
        #expect(d.classNames == ["2", "7", "10"])
        #expect(d.taskIDs == ["b", "a", "c"])
        for (t, task) in d.tasks.enumerated() {
            let rows: [Int] = Array(stride(from: t, to: 1_000, by: 3))
            let inputs: [Double] = rows.flatMap { [Double($0), Double(-$0)] }
            let ranks: [Double] = [2, 0, 1]
            let targets: [Double] = rows.map { ranks[($0 / 3) % 3] }
            #expect(task.inputs.elements == inputs)
            #expect(task.targets == targets)
        }
    }

    @Test func oneReadingOfUnquotedRowsWhateverTheirShape() throws {
        // No quotes: the one-pass row loop, with its fallbacks for spaces, `+`, `\r\n`, blank
        // lines, an unused column and a lone `\r`, must read what the general scanner reads.
        let text = "task,x,skip,y\r\nb,1,zz,3\r\n\na, 7 ,,+8e0\nab,-0.5e-3,q,1.25\rb,2.,w,.5\n\n\nlong-task-name-1,3,w,4"
        #expect {
            _ = try parse(text)
        } throws: { error in
            "\(error)".hasPrefix("t.csv:2: column 'skip': not a number: 'zz'")
        }
        let plain = try parse(text, CSVReadOptions(featureColumns: ["x"]))
        #expect(plain.taskIDs == ["b", "a", "ab", "long-task-name-1"])
        #expect(plain.tasks[0].inputs.elements == [1, 2])
        #expect(plain.tasks[0].targets == [3, 0.5])
        #expect(plain.tasks[1].inputs.elements == [7])
        #expect(plain.tasks[1].targets == [8])
        #expect(plain.tasks[2].inputs.elements == [-0.5e-3])
        #expect(plain.tasks[3].targets == [4])
    }

    @Test func reportsTheFirstBadRowOfALargeFileWithItsLine() throws {
        // Over 1 MB without quotes (parsed in parallel stretches): the error names the first
        // bad row's line, as a serial read would.
        var lines = ["task,x1,x2,y"]
        for i in 0..<60_000 { lines.append("\(i % 41),\(Double(i) * 0.123456789012345),-1.5e-7,\(i)") }
        lines[45_001] = "7,1,2,abc"
        lines[50_001] = "7,1,,3"
        #expect {
            _ = try parse(lines.joined(separator: "\n") + "\n")
        } throws: { error in
            "\(error)".hasPrefix("t.csv:45002: column 'y': not a number: 'abc'")
        }
        lines[45_001] = "7,1,2,3"
        #expect {
            _ = try parse(lines.joined(separator: "\n") + "\n")
        } throws: { error in
            "\(error)".hasPrefix("t.csv:50002: column 'x2': missing value")
        }
    }

    @Test func roundTripsThroughCSV() throws {
        let simulated = try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: 20, points: 7, seed: 5, mean: [0, 1, -1]))
        let again = try MetaDataset.parse(csv: simulated.tasksCSV())
        #expect(again == simulated.dataset)
        let classes = try simulateTasks(SimulationSettings(family: .gaussianClasses, tasks: 4, points: 3, seed: 5))
        let reread = try MetaDataset.parse(csv: classes.tasksCSV())
        #expect(reread == classes.dataset)
    }
}
