// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// Task descriptors through the commands: simulate → fit → adapt / predict / evaluate, and the
/// refusals that keep z from being ignored silently.
@Suite("Descriptor commands")
struct DescriptorCLITests {
    /// A directory with data.csv, descriptors.csv and descriptor-coefficients.csv (80 tasks of 8
    /// points, q = 2, seed 5) and prior.json fitted on them.
    static func fitted() throws -> URL {
        let dir = try makeTemporaryDirectory()
        let simulated = try runCLI(["simulate", "linear-gaussian", "--tasks", "80", "--points", "8", "--seed", "5", "--descriptors", "2",
                                    "--output", "data.csv", "--quiet"], in: dir)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        let fit = try runCLI(["fit", "--data", "data.csv", "--descriptors", "descriptors.csv", "--output", "prior.json"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("prior mean μ = B z̃, z̃ = (1, z1, z2)"), "\(fit.stderr)")
        try "x,y\n0.5,2.1\n-1,0.3\n".write(to: dir.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        try "task,x,y\nnew,0.5,2.1\nnew,-1,0.3\n".write(to: dir.appendingPathComponent("new-task.csv"), atomically: true, encoding: .utf8)
        try "task,z2,z1\nother,9,9\nnew,0,1\n".write(to: dir.appendingPathComponent("new-z.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func simulateWritesTheTrueCoefficients() throws {
        let dir = try Self.fitted()
        let truth = try String(contentsOf: dir.appendingPathComponent("descriptor-coefficients.csv"), encoding: .utf8)
        #expect(truth == "feature,(intercept),z1,z2\nphi.1,1.0,0.5,-0.5\nphi.2,2.0,-0.5,0.5\n")
        let z = try String(contentsOf: dir.appendingPathComponent("descriptors.csv"), encoding: .utf8)
        #expect(z.hasPrefix("task,z1,z2\n0,") && z.split(separator: "\n").count == 81)
    }

    @Test func adaptNeedsTheTasksDescriptor() throws {
        let dir = try Self.fitted()
        let base = ["adapt", "--prior", "prior.json", "--data", "new.csv", "--draws", "50"]
        let none = try runCLI(base + ["--output", "a.csv"], in: dir)
        #expect(none.status != 0 && none.stderr.contains("depends on the task descriptors z1, z2"), "\(none.stderr)")
        let partial = try runCLI(base + ["--descriptor", "z1=1", "--output", "a.csv"], in: dir)
        #expect(partial.status != 0 && partial.stderr.contains("no value for the descriptor z2"), "\(partial.stderr)")
        let unknown = try runCLI(base + ["--descriptor", "z1=1,z2=0,z3=4", "--output", "a.csv"], in: dir)
        #expect(unknown.status != 0 && unknown.stderr.contains("no descriptor 'z3'"), "\(unknown.stderr)")
        // By value and by file (columns in another order, other tasks' rows ignored): the same draws.
        let byValue = try runCLI(base + ["--descriptor", "z1=1,z2=0", "--output", "a.csv", "--summary", "s.csv"], in: dir)
        #expect(byValue.status == 0, "\(byValue.stderr)")
        let byFile = try runCLI(["adapt", "--prior", "prior.json", "--data", "new-task.csv", "--draws", "50",
                                 "--descriptors", "new-z.csv", "--output", "b.csv", "--summary", "t.csv"], in: dir)
        #expect(byFile.status == 0, "\(byFile.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("s.csv")) == Data(contentsOf: dir.appendingPathComponent("t.csv")))
        let average = try runCLI(base + ["--no-descriptor", "--output", "c.csv"], in: dir)
        #expect(average.status == 0 && average.stderr.contains("warning: --no-descriptor: the prior mean is taken at the average meta-train descriptor"), "\(average.stderr)")
        let predict = try runCLI(["predict", "--prior", "prior.json", "--support", "new.csv", "--query", "new.csv", "--output", "p.csv"], in: dir)
        #expect(predict.status != 0 && predict.stderr.contains("z1, z2"), "\(predict.stderr)")
    }

    @Test func evaluateUsesEachTasksDescriptor() throws {
        let dir = try Self.fitted()
        let base = ["evaluate", "--prior", "prior.json", "--data", "data.csv", "--shots", "2", "--query", "3",
                    "--episodes", "20", "--seed", "1", "--allow-training-tasks"]
        let without = try runCLI(base, in: dir)
        #expect(without.status != 0 && without.stderr.contains("the evaluation data have no z1, z2"), "\(without.stderr)")
        let with = try runCLI(base + ["--descriptors", "descriptors.csv"], in: dir)
        #expect(with.status == 0, "\(with.stderr)")
    }

    @Test func unsupportedUsesAreRefused() throws {
        let dir = try Self.fitted()
        let episodic = try runCLI(["fit", "--data", "data.csv", "--descriptors", "descriptors.csv", "--objective", "episodic",
                                   "--shots", "2", "--output", "e.json"], in: dir)
        #expect(episodic.status != 0 && episodic.stderr.contains("the episodic objective does not use task descriptors yet"), "\(episodic.stderr)")
        try ("task,z\n" + (0..<80).map { "\($0),3\n" }.joined()).write(to: dir.appendingPathComponent("flat.csv"), atomically: true, encoding: .utf8)
        let constant = try runCLI(["fit", "--data", "data.csv", "--descriptors", "flat.csv", "--output", "f.json"], in: dir)
        #expect(constant.status != 0 && constant.stderr.contains("constant across the tasks"), "\(constant.stderr)")
        let plain = try runCLI(["fit", "--data", "data.csv", "--output", "plain.json"], in: dir)
        #expect(plain.status == 0)
        let given = try runCLI(["adapt", "--prior", "plain.json", "--data", "new.csv", "--descriptor", "z1=1,z2=0", "--output", "a.csv"], in: dir)
        #expect(given.status != 0 && given.stderr.contains("fitted without task descriptors"), "\(given.stderr)")
    }
}
