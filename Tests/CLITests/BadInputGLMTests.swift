// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// Bad data and options for the binomial and poisson models: each a clear one-line error
/// naming the file, line (or row of the new task) and column, a nonzero exit, and no output
/// file left behind (``checkBadInput(_:)``).
@Suite("CLI: bad input table — binomial and poisson")
struct BadInputGLMTests {
    static let binomial = ["fit", "--model", "binomial", "--data", "d.csv", "--output", "p.json"]
    static let poisson = ["fit", "--model", "poisson", "--data", "d.csv", "--output", "p.json"]
    static let trials = "cbind(s, n - s) ~ x + (1 | task)"

    /// A binomial prior (0/1 target y, input x) and a poisson one (count y, input x, exposure
    /// t), fitted once on simulated tasks, as prior files for the adapt cases.
    static let priors: (binomial: String, poisson: String) = {
        let dir = try! makeTemporaryDirectory()
        func run(_ arguments: [String]) {
            let result = try! runCLI(arguments + ["--quiet"], in: dir)
            precondition(result.status == 0, "fixture: \(arguments) failed: \(result.stderr)")
        }
        run(["simulate", "logistic-tasks", "--tasks", "40", "--points", "8", "--seed", "1", "--output", "b.csv"])
        run(["simulate", "poisson-tasks", "--tasks", "40", "--points", "8", "--seed", "1", "--output", "c.csv"])
        run(["fit", "--model", "binomial", "--data", "b.csv", "--formula", "y ~ x + (1 | task)", "--output", "b.json"])
        run(["fit", "--model", "poisson", "--data", "c.csv", "--formula", "y ~ x + (1 | task)", "--exposure", "exposure", "--output", "c.json"])
        return (try! String(contentsOf: dir.appendingPathComponent("b.json"), encoding: .utf8),
                try! String(contentsOf: dir.appendingPathComponent("c.json"), encoding: .utf8))
    }()

    static let fitCases: [BadCase] = [
        BadCase("Bernoulli target 2", binomial + ["--formula", "y ~ x + (1 | task)"], files: ["d.csv": "task,x,y\na,1,0\na,2,2\n"],
                "d.csv:3: column 'y': a binary response must be 0 or 1"),
        BadCase("Bernoulli target 0.5", binomial + ["--formula", "y ~ x + (1 | task)"], files: ["d.csv": "task,x,y\na,1,0.5\n"],
                "d.csv:2: column 'y': a binary response must be 0 or 1"),
        BadCase("negative count", poisson + ["--formula", "y ~ x + (1 | task)"], files: ["d.csv": "task,x,y\na,1,3\na,1,-1\n"],
                "d.csv:3: column 'y': a count must be a whole number ≥ 0, not -1.0"),
        BadCase("fractional count", poisson + ["--formula", "y ~ x + (1 | task)"], files: ["d.csv": "task,x,y\na,1,1.5\n"],
                "d.csv:2: column 'y': a count must be a whole number ≥ 0, not 1.5"),
        BadCase("zero exposure", poisson + ["--formula", "y ~ x + (1 | task)", "--exposure", "t"], files: ["d.csv": "task,x,y,t\na,1,1,2\na,1,1,0\n"],
                "d.csv:3: column 't': an exposure must be a positive number"),
        BadCase("negative exposure", poisson + ["--formula", "y ~ x + (1 | task)", "--exposure", "t"], files: ["d.csv": "task,x,y,t\na,1,1,-2\n"],
                "d.csv:2: column 't': an exposure must be a positive number"),
        BadCase("text exposure", poisson + ["--formula", "y ~ x + (1 | task)", "--exposure", "t"], files: ["d.csv": "task,x,y,t\na,1,1,long\n"],
                "d.csv:2: column 't': an exposure must be a number, not 'long'"),
        BadCase("trials fewer than successes", binomial + ["--formula", trials], files: ["d.csv": "task,x,s,n\na,1,1,3\na,1,5,3\n"],
                "d.csv:3: column 'n': the trials (3.0) are fewer than the successes (5.0)"),
        BadCase("fractional successes", binomial + ["--formula", trials], files: ["d.csv": "task,x,s,n\na,1,1.5,3\n"],
                "d.csv:2: column 's': successes must be a whole number ≥ 0, not 1.5"),
        BadCase("negative failures", binomial + ["--formula", "cbind(s, f) ~ x + (1 | task)"], files: ["d.csv": "task,x,s,f\na,1,1,-3\n"],
                "d.csv:2: column 'f': f must be a whole number ≥ 0"),
        BadCase("negative successes", binomial + ["--formula", trials], files: ["d.csv": "task,x,s,n\na,1,-1,3\n"],
                "d.csv:2: column 's': successes must be a whole number ≥ 0, not -1.0"),
        BadCase("quadrature with two task-specific terms", binomial + ["--formula", "cbind(s, n - s) ~ x + (x | task)", "--quadrature-points", "9"],
                files: ["d.csv": "task,x,s,n\na,1,1,3\nb,2,2,3\n"], "adaptive quadrature needs a single task-specific term"),
        BadCase("quadrature points 0", binomial + ["--formula", trials, "--quadrature-points", "0"], files: ["d.csv": "task,x,s,n\na,1,1,3\n"],
                "--quadrature-points must be 1 to 100, not 0"),
        BadCase("quadrature for a linear model", ["fit", "--data", "lg.csv", "--quadrature-points", "3", "--output", "p.json"],
                "--quadrature-points is for --model binomial or poisson"),
        BadCase("exposure for a binomial model", binomial + ["--formula", trials, "--exposure", "t"], files: ["d.csv": "task,x,s,n,t\na,1,1,3,1\n"],
                "--exposure is for --model poisson"),
        BadCase("exposure is the response", poisson + ["--formula", "y ~ x + (1 | task)", "--exposure", "y"], files: ["d.csv": "task,x,y\na,1,1\n"],
                "a column the formula already uses"),
        BadCase("time limit", binomial + ["--formula", trials, "--time-limit", "5"], files: ["d.csv": "task,x,s,n\na,1,1,3\n"],
                "a binomial fit has no time limit yet"),
        BadCase("column form, a basis of two inputs", binomial + ["--basis", "rbf:3"], files: ["d.csv": "task,x1,x2,y\na,1,2,1\n"],
                "the column form of this model takes a basis of one input column, not 2"),
        BadCase("column form from standard input", ["fit", "--model", "binomial", "--data", "-", "--output", "p.json"], stdin: "task,x,y\na,1,1\n",
                "cannot be standard input"),
        BadCase("column form with weights", binomial + ["--weights", "w"], files: ["d.csv": "task,x,y,w\na,1,1,1\n"], "--weights is not available for --model binomial"),
        BadCase("cbind for the linear mixed model", ["fit", "--data", "d.csv", "--formula", trials, "--output", "p.json"],
                files: ["d.csv": "task,x,s,n\na,1,1,3\n"], "fit it with --model binomial"),
        BadCase("diagonal Σ", binomial + ["--formula", "y ~ x + (x || task)"], files: ["d.csv": "task,x,y\na,1,1\nb,2,0\n"],
                "have a full Σ"),
    ]

    static let adaptCases: [BadCase] = [
        BadCase("adapt: Bernoulli target 3", ["adapt", "--prior", "b.json", "--data", "new.csv", "--output", "draws.csv"],
                files: ["b.json": priors.binomial, "new.csv": "x,y\n0.5,1\n1,3\n"], "new.csv: column 'y': row 2 of the task: a binary response must be 0 or 1"),
        BadCase("adapt: negative count", ["adapt", "--prior", "c.json", "--data", "new.csv", "--output", "draws.csv"],
                files: ["c.json": priors.poisson, "new.csv": "x,exposure,y\n0.5,1,-2\n"], "new.csv: column 'y': row 1 of the task: a count must be a whole number ≥ 0"),
        BadCase("adapt: fractional count", ["adapt", "--prior", "c.json", "--data", "new.csv", "--output", "draws.csv"],
                files: ["c.json": priors.poisson, "new.csv": "x,exposure,y\n0.5,1,2.5\n"], "new.csv: column 'y': row 1 of the task: a count must be a whole number ≥ 0"),
        BadCase("adapt: zero exposure", ["adapt", "--prior", "c.json", "--data", "new.csv", "--output", "draws.csv"],
                files: ["c.json": priors.poisson, "new.csv": "x,exposure,y\n0.5,1,2\n0.1,0,1\n"], "new.csv: column 'exposure': row 2: an exposure must be a positive number"),
        BadCase("adapt: missing exposure column", ["adapt", "--prior", "c.json", "--data", "new.csv", "--output", "draws.csv"],
                files: ["c.json": priors.poisson, "new.csv": "x,y\n0.5,2\n"], "column 'exposure': missing column"),
        BadCase("predict: zero exposure in the query", ["predict", "--prior", "c.json", "--support", "new.csv", "--query", "q.csv", "--output", "out.csv"],
                files: ["c.json": priors.poisson, "new.csv": "x,exposure,y\n0.5,1,2\n", "q.csv": "x,exposure\n1,0\n"], "q.csv: column 'exposure': row 1"),
        BadCase("adapt: too few draws per chain", ["adapt", "--prior", "b.json", "--data", "new.csv", "--draws", "2", "--output", "draws.csv"],
                files: ["b.json": priors.binomial, "new.csv": "x,y\n0.5,1\n"], "--draws must be at least 4 per chain"),
        BadCase("adapt: no chains", ["adapt", "--prior", "b.json", "--data", "new.csv", "--chains", "0", "--output", "draws.csv"],
                files: ["b.json": priors.binomial, "new.csv": "x,y\n0.5,1\n"], "--chains must be at least 1, not 0"),
        BadCase("adapt: unknown posterior", ["adapt", "--prior", "b.json", "--data", "new.csv", "--posterior", "nuts", "--output", "draws.csv"],
                files: ["b.json": priors.binomial, "new.csv": "x,y\n0.5,1\n"], "--posterior"),
    ]

    @Test(arguments: fitCases + adaptCases)
    func failsWithOneClearLine(_ bad: BadCase) throws {
        try checkBadInput(bad)
    }
}
