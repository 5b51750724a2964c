// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// The statistics readers parse on all cores: `statistics`, `fit --statistics` and `fit
/// --streaming` write the same bytes on 1 thread and on 2.
@Suite("CLI: statistics on any number of threads")
struct StatisticsThreadsCLITests {
    /// The bytes of `output` after running `arguments` on `threads` threads.
    static func bytes(_ arguments: [String], output: String, threads: String, in dir: URL) throws -> Data {
        let result = try runCLI(arguments + ["--output", output, "--quiet"], in: dir, environment: ["METAPRIOR_THREADS": threads], timeout: 600)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return try Data(contentsOf: dir.appendingPathComponent(output))
    }

    /// 8,000 tasks × 5 points with 3 features: a data file of ~2.5 MB and a statistics file of
    /// ~1.7 MB, so each is cut into several 1 MiB stretches.
    @Test func sameBytesOnOneThreadAndOnTwo() throws {
        let dir = try makeTemporaryDirectory()
        let simulated = try runCLI(["simulate", "linear-gaussian", "--tasks", "8000", "--points", "5", "--mean", "1,2,-1", "--seed", "17",
                                    "--output", "d.csv", "--quiet"], in: dir)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        let statistics = ["statistics", "--data", "d.csv"]
        let one = try Self.bytes(statistics, output: "s.csv", threads: "1", in: dir)
        #expect(one.count > 1 << 20)
        #expect(try Self.bytes(statistics, output: "s.csv", threads: "2", in: dir) == one)
        let fit = ["fit", "--statistics", "s.csv"]
        let prior = try Self.bytes(fit, output: "p.json", threads: "1", in: dir)
        #expect(try Self.bytes(fit, output: "p.json", threads: "2", in: dir) == prior)
        let streaming = ["fit", "--data", "d.csv", "--streaming"]
        let streamed = try Self.bytes(streaming, output: "q.json", threads: "1", in: dir)
        #expect(try Self.bytes(streaming, output: "q.json", threads: "2", in: dir) == streamed)
    }
}
