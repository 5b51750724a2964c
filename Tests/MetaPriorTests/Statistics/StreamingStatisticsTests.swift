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
}
