// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `metaprior simulate` and `fit` on bad options and bad tasks files.
@Suite("CLI: bad input table — simulate, fit")
struct BadInputSimulateFitTests {
    static let sim = ["simulate", "sinusoid", "--seed", "1", "--output", "out.csv"]
    static let lgSim = ["simulate", "linear-gaussian", "--tasks", "3", "--points", "3", "--seed", "1", "--output", "out.csv"]
    static let classSim = ["simulate", "gaussian-classes", "--tasks", "3", "--points", "3", "--seed", "1", "--output", "out.csv"]

    static let simulateCases: [BadCase] = [
        BadCase("tasks 1e12", sim + ["--tasks", "1000000000000", "--points", "5"], "--tasks must be from 1 to 10000000"),
        BadCase("tasks Int.max", sim + ["--tasks", "9223372036854775807", "--points", "5"], "--tasks must be from 1 to 10000000"),
        BadCase("tasks negative", sim + ["--tasks", "-3", "--points", "5"], "--tasks must be at least 1, not -3"),
        BadCase("tasks zero", sim + ["--tasks", "0", "--points", "5"], "--tasks must be at least 1, not 0"),
        BadCase("tasks word", sim + ["--tasks", "ten", "--points", "5"], "--tasks"),
        BadCase("points Int.max", sim + ["--tasks", "3", "--points", "9223372036854775807"], "--points must be from 1 to 10000000"),
        BadCase("points negative", sim + ["--tasks", "3", "--points", "-1"], "--points must be at least 1, not -1"),
        BadCase("tasks × points too many", sim + ["--tasks", "1000000", "--points", "1000"], "--tasks: 1000000 tasks × 1000 points is more than 200000000 input values"),
        BadCase("classes × dimension too many", ["simulate", "gaussian-classes", "--tasks", "100000", "--points", "100", "--classes", "100", "--dimension", "100", "--seed", "1", "--output", "out.csv"], "is more than 200000000 input values"),
        BadCase("classes one", classSim + ["--classes", "1"], "--classes must be at least 2, not 1"),
        BadCase("classes huge", classSim + ["--classes", "9223372036854775807"], "--classes must be from 2 to 100000"),
        BadCase("dimension zero", classSim + ["--dimension", "0"], "--dimension must be at least 1, not 0"),
        BadCase("dimension huge", classSim + ["--dimension", "4611686018427387904"], "--dimension must be from 1 to 10000"),
        BadCase("prior scale zero", classSim + ["--prior-scale", "0"], "--prior-scale: must be a positive number"),
        BadCase("prior scale negative", classSim + ["--prior-scale", "-2"], "--prior-scale: must be a positive number"),
        BadCase("noise negative", sim + ["--tasks", "3", "--points", "3", "--noise", "-1"], "--noise must be a finite number ≥ 0, not -1.0"),
        BadCase("noise infinite", sim + ["--tasks", "3", "--points", "3", "--noise", "inf"], "--noise must be a finite number ≥ 0"),
        BadCase("noise nan", sim + ["--tasks", "3", "--points", "3", "--noise", "nan"], "--noise must be a finite number ≥ 0"),
        BadCase("threads negative", sim + ["--tasks", "3", "--points", "3", "--threads", "-1"], "--threads must be 0 (all cores) or more, not -1"),
        BadCase("threads huge", sim + ["--tasks", "3", "--points", "3", "--threads", "99999999"], "--threads must be from 0 to 1024"),
        BadCase("seed negative", sim + ["--tasks", "3", "--points", "3", "--seed", "-1"], "--seed"),
        BadCase("unknown family", ["simulate", "circles", "--tasks", "3", "--points", "3", "--seed", "1", "--output", "out.csv"], "unknown family 'circles'"),
        BadCase("family with escape", ["simulate", "x\u{1b}[2J", "--tasks", "3", "--points", "3", "--seed", "1", "--output", "out.csv"], "unknown family 'x\\u{1b}[2J'"),
        BadCase("mean not numbers", lgSim + ["--mean", "1,b"], "--mean needs numbers separated by commas, not '1,b'"),
        BadCase("mean infinite", lgSim + ["--mean", "1,inf"], "--mean: need at least one finite number"),
        BadCase("covariance wrong size", lgSim + ["--mean", "1,2,3", "--covariance", "1,0;0,1"], "--covariance: is 2×2, but the mean has 3 entries"),
        BadCase("covariance not positive definite", lgSim + ["--covariance", "1,2;2,1"], "--covariance: must be symmetric positive definite"),
        BadCase("covariance not numbers", lgSim + ["--covariance", "1,a;0,1"], "--covariance needs rows of numbers"),
        BadCase("x-range reversed", lgSim + ["--inputs", "uniform", "--x-range", "2,1"], "--x-range needs low,high with low < high, not '2,1'"),
        BadCase("x-range one number", lgSim + ["--x-range", "2"], "--x-range needs low,high"),
        BadCase("x-range infinite", lgSim + ["--x-range", "-inf,inf"], "--x-range: need a finite range"),
        BadCase("unknown inputs", lgSim + ["--inputs", "cauchy"], "--inputs must be normal or uniform, not 'cauchy'"),
        BadCase("output in a missing directory", ["simulate", "sinusoid", "--tasks", "3", "--points", "3", "--seed", "1", "--output", "nodir/out.csv"], "nodir/out.csv"),
        BadCase("output is a directory", ["simulate", "sinusoid", "--tasks", "3", "--points", "3", "--seed", "1", "--output", "dir"], directories: ["dir"], "dir"),
    ]

    static let fit = ["fit", "--output", "out.json"]
    static let fitLG = ["fit", "--data", "lg.csv", "--output", "out.json"]
    static let episodic = fitLG + ["--objective", "episodic", "--shots", "2"]

    static let fitCSVCases: [BadCase] = badTaskCSVs.map { bad in
        BadCase("fit: " + bad.name, fit + ["--data", "data.csv"], raw: ["data.csv": bad.bytes], bad.expected)
    }

    static let fitCases: [BadCase] = [
        BadCase("max-iterations zero", fitLG + ["--max-iterations", "0"], "--max-iterations must be at least 1"),
        BadCase("max-iterations negative", fitLG + ["--max-iterations", "-1"], "--max-iterations must be at least 1"),
        BadCase("max-iterations huge", fitLG + ["--max-iterations", "9223372036854775807"], "--max-iterations must be from 1 to 10000000"),
        BadCase("tolerance zero", fitLG + ["--tolerance", "0"], "--tolerance must be a positive number"),
        BadCase("tolerance negative", fitLG + ["--tolerance", "-1e-8"], "--tolerance must be a positive number"),
        BadCase("tolerance nan", fitLG + ["--tolerance", "nan"], "--tolerance must be a positive number"),
        BadCase("unknown model", fitLG + ["--model", "gp"], "--model must be one of"),
        BadCase("unknown basis", fitLG + ["--basis", "spline:3"], "unknown basis 'spline'"),
        BadCase("basis rbf zero", fitLG + ["--basis", "rbf:0"], "the number of centres K must be a whole number"),
        BadCase("basis poly huge", fitLG + ["--basis", "poly:9223372036854775807"], "--basis"),
        BadCase("unknown covariance", fitLG + ["--covariance", "banded"], "--covariance must be full, diagonal or isotropic, not 'banded'"),
        BadCase("unknown objective", fitLG + ["--objective", "maml"], "--objective must be"),
        // Settings a family cannot honour are refused through the seam, not ignored.
        BadCase("class_gaussian with weights", fit + ["--data", "c.csv", "--target", "label", "--model", "class_gaussian", "--weights", "w"],
                files: ["c.csv": "task,x,label,w\na,1,u,2\na,2,v,2\nb,1,u,1\nb,3,v,1\n"],
                "--weights is not available for the class_gaussian model: every class enters the marginal likelihood once"),
        BadCase("beta_binomial with a time limit", fit + ["--data", "b.csv", "--target", "s", "--features", "n", "--model", "beta_binomial", "--time-limit", "5"],
                files: ["b.csv": "task,s,n\na,1,4\nb,2,5\n"], "--time-limit is not available for the beta_binomial model"),
        BadCase("psi for the linear-Gaussian model", fitLG + ["--psi", "diagonal"], "--psi is for --model class_gaussian"),
        BadCase("episodic without shots", fitLG + ["--objective", "episodic"], "--objective episodic needs --shots K"),
        BadCase("shots without episodic", fitLG + ["--shots", "3"], "--shots and --batch-episodes need --objective episodic"),
        BadCase("episodic shots huge", fitLG + ["--objective", "episodic", "--shots", "9223372036854775807"], "--shots must be from 0 to 100000000"),
        BadCase("episodic shots range reversed", fitLG + ["--objective", "episodic", "--shots", "5-2"], "needs 0 ≤ K_min ≤ K_max"),
        BadCase("episodic shots word", fitLG + ["--objective", "episodic", "--shots", "few"], "expected a number of support points K"),
        BadCase("episodic query zero", episodic + ["--query", "0"], "--query must be at least 1, not 0"),
        BadCase("episodic query huge", episodic + ["--query", "9223372036854775807"], "--query must be from 1 to 100000000"),
        BadCase("episodic episodes 1e12", episodic + ["--episodes", "1000000000000"], "--episodes must be from 1 to 10000000"),
        BadCase("episodic episodes negative", episodic + ["--episodes", "-1"], "--episodes must be at least 1, not -1"),
        BadCase("episodic batch zero", episodic + ["--batch-episodes", "0"], "--batch-episodes must be at least 1"),
        BadCase("episodic batch huge", episodic + ["--batch-episodes", "9223372036854775807"], "--batch-episodes must be from 1 to 10000000"),
        BadCase("episodic K + Q too large", episodic.dropLast() + ["50", "--query", "50"], "lg.csv: column 'task': no task is large enough for K + Q = 100 rows (20 skipped; the largest, '0', has 10 rows)"),
        BadCase("weights column missing", fitLG + ["--weights", "w"], "lg.csv:1: column 'w'"),
        BadCase("weights is the target", fitLG + ["--weights", "y", "--target", "y"], "--weights 'y' cannot be the task or target column"),
        BadCase("weights varying", fit + ["--data", "w.csv", "--weights", "w"], files: ["w.csv": "task,x,w,y\na,1,1,2\na,2,2,3\nb,1,1,1\n"], "w.csv:3: column 'w': the weight of task 'a' varies between its rows"),
        BadCase("weights negative", fit + ["--data", "w.csv", "--weights", "w"], files: ["w.csv": "task,x,w,y\na,1,1,2\nb,1,-1,1\nb,2,-1,1\n"], "w.csv:3: column 'w': the weight of task 'b' is -1.0; weights must be non-negative"),
        BadCase("weights NaN", fit + ["--data", "w.csv", "--weights", "w"], files: ["w.csv": "task,x,w,y\na,1,NaN,2\n"], "w.csv:2: column 'w': 'NaN' is not a number"),
        BadCase("weights also a feature", fitLG + ["--weights", "x", "--features", "x"], "column 'x': is both a feature and the weight column"),
        BadCase("descriptor weight zero", fitLG + ["--descriptors", "d.csv", "--weight-column", "w"], files: ["d.csv": "task,z,w\n" + (0..<20).map { "\($0),1,\($0 == 4 ? 0 : 1)\n" }.joined()], "d.csv:6: column 'w': a task weight must be positive, not 0.0"),
        BadCase("descriptor weight word", fitLG + ["--descriptors", "d.csv", "--weight-column", "w"], files: ["d.csv": "task,z,w\n0,1,heavy\n"], "d.csv:2: column 'w': not a number: 'heavy'"),
        BadCase("descriptor unknown task", fitLG + ["--descriptors", "d.csv"], files: ["d.csv": "task,z\n" + (0..<21).map { "\($0),1\n" }.joined()], "d.csv:22: column 'task': descriptor row for unknown task '20'"),
        BadCase("descriptor twice", fitLG + ["--descriptors", "d.csv"], files: ["d.csv": "task,z\n0,1\n0,2\n"], "d.csv:3: column 'task': second descriptor row for task '0'"),
        BadCase("descriptor column missing", fitLG + ["--descriptors", "d.csv", "--descriptor-columns", "q"], files: ["d.csv": "task,z\n0,1\n"], "d.csv:1: column 'q'"),
        BadCase("descriptors file missing", fitLG + ["--descriptors", "nope.csv"], "nope.csv: no such file"),
        BadCase("descriptors empty", fitLG + ["--descriptors", "d.csv"], files: ["d.csv": ""], "d.csv:1: file is empty"),
        BadCase("descriptors ragged", fitLG + ["--descriptors", "d.csv"], files: ["d.csv": "task,z\n0,1,2\n"], "d.csv:2: column '#3': extra field"),
        BadCase("descriptors a directory", fitLG + ["--descriptors", "dir"], directories: ["dir"], "dir: is a directory"),
        BadCase("split fractions negative", fitLG + ["--split", "-0.1,0.6,0.5"], "--split needs three non-negative fractions"),
        BadCase("split-output without split", fitLG + ["--split-output", "split.csv"], "--partition and --split-output need --split or task lists"),
        BadCase("task in two lists", fitLG + ["--train-tasks", "0,1", "--test-tasks", "1"], "task '1' is already in the"),
        BadCase("data is a directory", fit + ["--data", "dir"], directories: ["dir"], "dir: is a directory"),
        BadCase("data missing", fit + ["--data", "nope.csv"], "nope.csv: no such file"),
        BadCase("target is the task column", fitLG + ["--target", "task"], "the task column cannot also be the target"),
    ]

    @Test(arguments: simulateCases + fitCSVCases + fitCases)
    func failsWithOneClearLine(_ bad: BadCase) throws { try checkBadInput(bad) }
}
