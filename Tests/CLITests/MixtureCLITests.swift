// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import MetaPrior
import Testing

/// `fit --model gaussian_mixture` through the command line: fit, adapt (the `component`
/// column), predict and evaluate; `--components` checked.
@Suite("CLI: gaussian_mixture")
struct MixtureCLITests {
    @Test func fitsAdaptsPredictsAndEvaluates() throws {
        let dir = try makeTemporaryDirectory()
        for (name, tasks, seed) in [("train.csv", "60", "3"), ("test.csv", "20", "4")] {
            let run = try runCLI(["simulate", "sinusoid-line", "--tasks", tasks, "--points", "12", "--seed", seed, "--noise", "0.1", "--output", name], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let fit = try runCLI(["fit", "--data", "train.csv", "--model", "gaussian_mixture", "--components", "2", "--basis", "poly:3",
                              "--max-iterations", "100", "--output", "prior.json"], in: dir, timeout: 300)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("exact EM over tasks") && fit.stderr.contains("K = 2 components"), "\(fit.stderr)")
        let prior = try #require(try PriorFile.read(dir.appendingPathComponent("prior.json").path).prior as? GaussianMixturePrior)
        #expect(prior.mixture.componentCount == 2)
        try "x,y\n-1,0.5\n0.5,1.2\n2,-0.3\n".write(to: dir.appendingPathComponent("task.csv"), atomically: true, encoding: .utf8)
        try "x\n-2\n0\n3\n".write(to: dir.appendingPathComponent("query.csv"), atomically: true, encoding: .utf8)
        let adapt = try runCLI(["adapt", "--prior", "prior.json", "--data", "task.csv", "--draws", "300", "--output", "draws.csv"], in: dir)
        #expect(adapt.status == 0, "\(adapt.stderr)")
        let rows = try String(contentsOf: dir.appendingPathComponent("draws.csv"), encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rows.first == "lp__,phi.1,phi.2,phi.3,phi.4,component")
        let components = Set(rows.dropFirst().compactMap { $0.split(separator: ",").last.flatMap { Double($0) } })
        #expect(!components.isEmpty && components.isSubset(of: [1, 2]), "\(components)")
        let predict = try runCLI(["predict", "--prior", "prior.json", "--support", "task.csv", "--query", "query.csv", "--level", "0.9"], in: dir)
        #expect(predict.status == 0 && predict.stdout.hasPrefix("x,mean,sd,lower,upper\n"), "\(predict.stderr)")
        let evaluate = try runCLI(["evaluate", "--prior", "prior.json", "--data", "test.csv", "--shots", "5", "--query", "5", "--episodes", "50"], in: dir)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
    }

    @Test(arguments: [(["--components", "0"], "--components"), (["--components", "3-1"], "--components"),
                      (["--components", "101"], "--components")])
    func badComponentsAreRefused(extra: [String], mentions: String) throws {
        let dir = try makeTemporaryDirectory()
        try "task,x,y\na,1,2\na,2,3\nb,1,1\nb,2,2\n".write(to: dir.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
        let run = try runCLI(["fit", "--data", "d.csv", "--model", "gaussian_mixture"] + extra, in: dir)
        #expect(run.status != 0 && run.stderr.contains(mentions), "\(run.stderr)")
    }

    @Test func componentsNeedTheMixtureModel() throws {
        let dir = try makeTemporaryDirectory()
        try "task,x,y\na,1,2\na,2,3\nb,1,1\nb,2,2\n".write(to: dir.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
        let run = try runCLI(["fit", "--data", "d.csv", "--components", "2"], in: dir)
        #expect(run.status != 0 && run.stderr.contains("--components is for --model gaussian_mixture"), "\(run.stderr)")
        let tooMany = try runCLI(["fit", "--data", "d.csv", "--model", "gaussian_mixture", "--components", "3"], in: dir)
        #expect(tooMany.status != 0 && tooMany.stderr.contains("number of tasks (2)"), "\(tooMany.stderr)")
    }
}
