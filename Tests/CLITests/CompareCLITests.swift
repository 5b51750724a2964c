// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `metaprior compare` through the command line: output on 1 and 2 threads, and bad input.
@Suite("CLI: compare")
struct CompareCLITests {
    static func directory() throws -> URL {
        let dir = try makeTemporaryDirectory()
        let run = try runCLI(["simulate", "linear-gaussian", "--tasks", "30", "--points", "12", "--seed", "4", "--descriptors", "1",
                              "--output", "lg.csv", "--quiet"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        return dir
    }

    static let base = ["compare", "--data", "lg.csv", "--split", "0.7,0,0.3", "--shots", "4", "--query", "5", "--episodes", "3", "--seed", "2"]

    /// Every level (descriptors and mixture included): the same seed gives byte-identical
    /// JSON, CSV and table on 1 and 2 threads.
    @Test func sameBytesOnOneAndTwoThreads() throws {
        let dir = try Self.directory()
        var outputs: [[String]] = []
        for threads in ["1", "2"] {
            var texts: [String] = []
            for name in ["r\(threads).json", "r\(threads).csv"] {
                let run = try runCLI(Self.base + ["--descriptors", "descriptors.csv", "--output", name], in: dir,
                                     environment: ["METAPRIOR_THREADS": threads], timeout: 300)
                #expect(run.status == 0, "\(run.stderr)")
                texts.append(run.stdout)
                texts.append(try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8))
            }
            outputs.append(texts)
        }
        #expect(outputs[0] == outputs[1])
        let table = outputs[0][0]
        for level in ["independent", "pooled", "soft:0.01", "soft:100", "learned", "descriptors", "mixture", "negative transfer"] {
            #expect(table.contains(level), "\(level) missing from\n\(table)")
        }
        #expect(outputs[0][1].contains("\"versus_learned\"") && outputs[0][1].contains("\"total_loss\""))
        #expect(outputs[0][3].hasPrefix("row,level,task,log_predictive,se,minus_independent"))
    }

    @Test(arguments: [
        (["--levels", "independent,shared"], "unknown level 'shared'"),
        (["--lambdas", "0.1,0"], "λ must be a finite number above 0"),
        (["--levels", "soft:-2"], "λ must be a finite number above 0"),
        (["--shots", "20"], "K + Q"),
        (["--levels", "learned,descriptors"], "--descriptors"),
        (["--shots", "1"], "needs at least d = 2 support points"),
        (["--basis", "auto"], "compare takes a fixed basis"),
    ])
    func badInputIsRefused(extra: [String], expected: String) throws {
        let dir = try Self.directory()
        var arguments = Self.base
        for (option, value) in zip(extra, extra.dropFirst()).enumerated().filter({ $0.offset % 2 == 0 }).map(\.element) {
            if let i = arguments.firstIndex(of: option) { arguments[i + 1] = value } else { arguments += [option, value] }
        }
        let run = try runCLI(arguments, in: dir)
        #expect(run.status != 0 && run.stderr.contains(expected), "\(run.stderr)")
    }

    /// compare reads its tasks itself (not through DataOptions.load): --one-hot must be refused
    /// there, not ignored.
    @Test func oneHotIsRefused() throws {
        let run = try runCLI(Self.base + ["--one-hot"], in: try Self.directory())
        #expect(run.status != 0 && run.stderr.contains("--one-hot is not available for compare: a one-hot task index"), "\(run.stderr)")
    }
}
