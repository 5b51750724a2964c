// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// Both statistics readers cut the file into stretches parsed on all cores: the result is the
/// same, bit for bit, whatever the cuts and the number of threads, and an error names the
/// line of the whole file.
@Suite("Statistics read in parallel")
struct ParallelStatisticsReadTests {
    /// `text` with the rows of each task dealt into two runs (task order t0, t1, … then again),
    /// so that runs straddle cuts and tasks are spread over the file.
    static func interleaved(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let rows = lines.dropFirst()
        let early = rows.enumerated().filter { $0.offset % 3 != 2 }.map(\.element)
        let late = rows.enumerated().filter { $0.offset % 3 == 2 }.map(\.element)
        return ([lines.first!] + early + late).joined(separator: "\n") + "\n"
    }

    static func withThreads<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = n
        return try body()
    }

    /// Chunks of 1 to 4096 bytes (every record its own stretch, up to the whole file in one)
    /// on 1 thread and on all: the same statistics file, byte for byte, when runs of a task
    /// straddle the cuts and a task's rows are spread over the file.
    @Test func streamedStatisticsDoNotDependOnCutsOrThreads() throws {
        let path = try StreamingStatisticsTests.write(Self.interleaved(SufficientStatisticsTests.csv(tasks: 40, seed: 21)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reference = try Self.withThreads(1) { try StreamingStatisticsTests.streamed(path, chunk: 1 << 30).csvBytes() }
        for chunk in [1, 7, 64, 4096] {
            for threads in [1, 0] {
                let bytes = try Self.withThreads(threads) { try StreamingStatisticsTests.streamed(path, chunk: chunk).csvBytes() }
                #expect(bytes == reference, "chunk \(chunk), threads \(threads)")
            }
        }
    }

    /// The statistics file read in stretches of 1 byte to all of it, on 1 thread and on all:
    /// the same statistics as written, bit for bit.
    @Test func statisticsFileDoesNotDependOnCutsOrThreads() throws {
        let data = try SufficientStatisticsTests.dataset(SufficientStatisticsTests.csv(tasks: 50, seed: 4))
        let statistics = try SufficientStatistics(dataset: data, featureMap: try SufficientStatisticsTests.linearMap(data, .polynomial(degree: 2)))
        let path = try StreamingStatisticsTests.write(String(decoding: try statistics.csvBytes(), as: UTF8.self))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for stretch in [1, 100, 1 << 30] {
            for threads in [1, 0] {
                let back = try Self.withThreads(threads) { try SufficientStatistics.read(file: path, stretch: stretch) }
                #expect(back.taskIDs == statistics.taskIDs && back.counts == statistics.counts, "stretch \(stretch), threads \(threads)")
                #expect(back.targetSquares == statistics.targetSquares && back.cross == statistics.cross && back.gram == statistics.gram)
            }
        }
    }

    /// A bad value far into the file, in a later stretch and block: the error names its line
    /// in the whole file (the stretch is read again with its true line numbers), the first
    /// bad line when there are several, and a quote that is never closed.
    @Test(arguments: [1, 16, 4096])
    func errorsNameTheLineOfTheFile(chunk: Int) throws {
        var rows = (0..<200).map { "t\($0 / 10),\($0),\(2 * $0)" }
        rows[150] = "t15,x,3"
        rows[170] = "t17,1,y"
        let bad = try StreamingStatisticsTests.write("task,x,y\n" + rows.joined(separator: "\n") + "\n")
        rows[150] = "t15,1,3"
        rows[170] = "\"t17,1,2"
        let quote = try StreamingStatisticsTests.write("task,x,y\n" + rows.joined(separator: "\n") + "\n")
        defer { for path in [bad, quote] { try? FileManager.default.removeItem(atPath: path) } }
        let error = try #require(throws: InputError.self) { try StreamingStatisticsTests.streamed(bad, chunk: chunk) }
        #expect(error.description == "\(bad):152: column 'x': not a finite number: 'x'", "\(error)")
        let unclosed = try #require(throws: InputError.self) { try StreamingStatisticsTests.streamed(quote, chunk: chunk) }
        #expect(unclosed.description.hasPrefix("\(quote):172: column 'task': quoted field is never closed"), "\(unclosed)")
    }

    /// The same for the statistics file: a row that is not the statistics of any rows, in a
    /// later stretch, is named by its line.
    @Test(arguments: [1, 100, 1 << 30])
    func statisticsFileErrorsNameTheLineOfTheFile(stretch: Int) throws {
        let data = try SufficientStatisticsTests.dataset(SufficientStatisticsTests.csv(tasks: 30, seed: 8))
        let statistics = try SufficientStatistics(dataset: data, featureMap: try SufficientStatisticsTests.linearMap(data))
        var lines = String(decoding: try statistics.csvBytes(), as: UTF8.self).split(separator: "\n").map(String.init)
        lines[24] = lines[24].replacingOccurrences(of: ",", with: ",-", options: [], range: lines[24].range(of: ","))
        let path = try StreamingStatisticsTests.write(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: InputError.self) { try SufficientStatistics.read(file: path, stretch: stretch) }
        #expect(error.description.hasPrefix("\(path):25: column 'n': task 't22': n = -"), "\(error)")
    }
}
