// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

@Suite("CLI: simulate")
struct SimulateCommandTests {
    @Test(arguments: ["sinusoid", "harmonic", "sinusoid-line", "linear-gaussian", "gaussian-classes"])
    func writesTasksAndTruthIdenticallyForAnyThreadCount(family: String) throws {
        let dir = try makeTemporaryDirectory()
        for threads in ["1", "3"] {
            let result = try runCLI(["simulate", family, "--tasks", "40", "--points", "6", "--seed", "9", "--threads", threads,
                                     "--output", "t\(threads).csv", "--parameters-output", "p\(threads).csv"], in: dir)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let t1 = try Data(contentsOf: dir.appendingPathComponent("t1.csv"))
        #expect(t1 == (try Data(contentsOf: dir.appendingPathComponent("t3.csv"))))
        #expect(try Data(contentsOf: dir.appendingPathComponent("p1.csv")) == Data(contentsOf: dir.appendingPathComponent("p3.csv")))
        let header = String(decoding: t1, as: UTF8.self).split(separator: "\n").first.map(String.init)
        let expected = family == "gaussian-classes" ? "task,x1,x2,label" : "task,x,y"
        #expect(header == expected)
        // The file reads back with the same reader every command uses.
        let inspect = try runCLI(["inspect", "--data", "t1.csv"], in: dir)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("tasks: 40"))
    }

    @Test func writesToStandardOutputAndHonoursTheLinearGaussianPrior() throws {
        let result = try runCLI(["simulate", "linear-gaussian", "--tasks", "2", "--points", "3", "--seed", "1",
                                 "--mean", "0,1,2", "--covariance", "1,0,0;0,1,0;0,0,1", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("task,x1,x2,y\n"))
        #expect(result.stdout.split(separator: "\n").count == 7)
        #expect(result.stderr.isEmpty)
    }
}
