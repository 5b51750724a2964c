// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// The streamed reduction is the reduction of the whole file: bit for bit when each task's
/// rows are contiguous, whatever the chunk size.
@Suite("Streaming statistics")
struct StreamingStatisticsTests {
    static func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("metaprior-stream-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func streamed(_ path: String, chunk: Int, spec: BasisSpec = .linear) throws -> SufficientStatistics {
        var options = CSVReadOptions()
        options.missingValues = .omit
        return try StreamingStatistics(path: path, options: options, chunkSize: chunk) { inputs in
            try FeatureMap(spec: spec, inputNames: inputs, trainingInputs: [])
        }.statistics
    }

    /// Chunks of 1, 7 and 4096 bytes cut records, numbers and quotes anywhere.
    @Test(arguments: [1, 7, 4096])
    func contiguousTasksGiveTheSameBits(chunk: Int) throws {
        let text = SufficientStatisticsTests.csv(tasks: 25, seed: 9)
        let path = try Self.write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let data = try SufficientStatisticsTests.dataset(text)
        for spec in [BasisSpec.linear, .polynomial(degree: 2)] {
            let whole = try SufficientStatistics(dataset: data, featureMap: try FeatureMap(spec: spec, inputNames: data.inputNames, trainingInputs: []))
            let streamed = try Self.streamed(path, chunk: chunk, spec: spec)
            #expect(streamed.header == whole.header)
            #expect(streamed.taskIDs == whole.taskIDs && streamed.counts == whole.counts)
            #expect(streamed.targetSquares == whole.targetSquares && streamed.cross == whole.cross && streamed.gram == whole.gram)
        }
    }

    /// Quoted task ids (with a comma, a quote and a line break), CRLF line ends, a BOM,
    /// missing values dropped, and a task whose rows are split in two runs (summed).
    @Test func quotedFieldsAndSplitRuns() throws {
        let text = "\u{FEFF}task,x,y\r\n\"a,\"\"1\"\"\n\",1,2\r\nb,2,3\r\nb,NA,3\r\n\"a,\"\"1\"\"\n\",3,5\r\nb,,1\r\n"
        let path = try Self.write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let s = try Self.streamed(path, chunk: 3)
        #expect(s.taskIDs == ["a,\"1\"\n", "b"])
        #expect(s.counts == [2, 1])
        #expect(s.targetSquares == [29, 9])
        #expect(s.cross == [7, 17, 3, 6])
        #expect(s.gram == [2, 4, 4, 10, 1, 2, 2, 4])
    }

    @Test func badNumberIsNamedByLineAndColumn() throws {
        let path = try Self.write("task,x,y\na,1,2\na,two,3\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: InputError.self) { try Self.streamed(path, chunk: 5) }
        #expect(error.description == "\(path):3: column 'x': not a finite number: 'two'", "\(error)")
    }

    /// A leading row-index column (pandas' `to_csv` writes its index under an empty name, read
    /// back as `Unnamed: 0`; R's `write.csv` under an empty one) is ignored with a note, as
    /// the whole-file reader ignores it: the statistics equal those of the file without it.
    @Test(arguments: ["", "Unnamed: 0"])
    func leadingIndexColumnIsIgnored(name: String) throws {
        let plain = try Self.write("task,x,y\na,1,2\na,3,5\nb,2,3\n")
        let indexed = try Self.write("\(name),task,x,y\n0,a,1,2\n1,a,3,5\n2,b,2,3\n")
        defer { for path in [plain, indexed] { try? FileManager.default.removeItem(atPath: path) } }
        let expected = try Self.streamed(plain, chunk: 4096)
        var options = CSVReadOptions()
        options.missingValues = .omit
        let read = try StreamingStatistics(path: indexed, options: options, chunkSize: 5) { inputs in
            #expect(inputs == ["x"])
            return try FeatureMap(spec: .linear, inputNames: inputs, trainingInputs: [])
        }
        #expect(read.statistics.header == expected.header && read.statistics.taskIDs == expected.taskIDs)
        #expect(read.statistics.gram == expected.gram && read.statistics.cross == expected.cross)
        #expect(read.notes.count == 1 && read.notes[0].contains("read as a row index and ignored"))
    }
}
