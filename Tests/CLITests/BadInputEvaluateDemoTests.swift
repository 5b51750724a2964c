// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `metaprior evaluate` and `demo` on bad options, priors and tasks files.
@Suite("CLI: bad input table — evaluate, demo")
struct BadInputEvaluateDemoTests {
    static let evaluateK = ["evaluate", "--prior", "prior.json", "--data", "lg.csv", "--shots", "2", "--allow-training-tasks", "--output", "out.json"]
    static let evaluate = evaluateK + ["--query", "2"]

    static let csvCases: [BadCase] = badTaskCSVs.map { bad in
        BadCase("evaluate: " + bad.name, ["evaluate", "--prior", "prior.json", "--data", "data.csv", "--shots", "2", "--output", "out.json"],
                raw: ["data.csv": bad.bytes], bad.expected)
    }

    static let cases: [BadCase] = [
        // evaluate reads its tasks itself, not through DataOptions.load: --one-hot was once ignored there without a word.
        BadCase("one-hot", evaluate + ["--one-hot"], "--one-hot is not available for evaluate: a one-hot task index sums to the intercept"),
        BadCase("one-hot, classification", evaluate + ["--one-hot", "--ways", "2"], "--one-hot is not available for evaluate"),
        BadCase("no prior", ["evaluate", "--data", "lg.csv", "--shots", "2", "--output", "out.json"], "give at least one --prior file"),
        BadCase("episodes 1e12", evaluate + ["--episodes", "1000000000000"], "--episodes must be from 1 to 10000000"),
        BadCase("episodes negative", evaluate + ["--episodes", "-4"], "--episodes must be at least 1, not -4"),
        BadCase("episodes zero", evaluate + ["--episodes", "0"], "--episodes must be at least 1, not 0"),
        BadCase("shots negative", evaluate + ["--shots", "-1"], "--shots must be 0 or more, not -1"),
        BadCase("shots Int.max", evaluate + ["--shots", "9223372036854775807"], "--shots must be from 0 to 100000000"),
        BadCase("query zero", evaluateK + ["--query", "0"], "--query must be at least 1, not 0"),
        BadCase("query Int.max", evaluateK + ["--query", "9223372036854775807"], "--query must be from 1 to 100000000"),
        BadCase("shots + query at the bound", ["evaluate", "--prior", "prior.json", "--data", "lg.csv", "--allow-training-tasks", "--output", "out.json", "--shots", "100000000", "--query", "100000000"], "lg.csv: column 'task': no task is large enough for K + Q = 200000000 rows"),
        BadCase("independent variance zero", evaluate + ["--independent-variance", "0"], "--independent-variance must be a positive number"),
        BadCase("independent variance negative", evaluate + ["--independent-variance", "-1"], "--independent-variance must be a positive number"),
        BadCase("independent variance inf", evaluate + ["--independent-variance", "inf"], "--independent-variance must be a positive number"),
        BadCase("seed negative", evaluate + ["--seed", "-1"], "--seed"),
        BadCase("missing prior file", ["evaluate", "--prior", "nope.json", "--data", "lg.csv", "--shots", "2", "--output", "out.json"], "nope.json: no such file"),
        BadCase("prior is the data", ["evaluate", "--prior", "lg.csv", "--data", "lg.csv", "--shots", "2", "--output", "out.json"], "lg.csv: not a metaprior prior file"),
        BadCase("prior truncated", ["evaluate", "--prior", "p.json", "--data", "lg.csv", "--shots", "2", "--output", "out.json"], files: ["p.json": "{\"format_version\": 1, \"mean\": [1, 2"], "p.json: not a metaprior prior file (invalid JSON at line 1, column 36: the text ends where ',' or ']' in the array was expected)"),
        BadCase("prior a directory", ["evaluate", "--prior", "dir", "--data", "lg.csv", "--shots", "2", "--output", "out.json"], directories: ["dir"], "dir: is a directory, not a prior file"),
        BadCase("data missing", ["evaluate", "--prior", "prior.json", "--data", "nope.csv", "--shots", "2", "--output", "out.json"], "nope.csv: no such file"),
        BadCase("data lacks the prior's input", ["evaluate", "--prior", "prior.json", "--data", "z.csv", "--shots", "2", "--output", "out.json"], files: ["z.csv": "task,z,y\na,1,2\n"], "z.csv:1: column 'x'"),
        BadCase("K + Q larger than every task", evaluateK + ["--query", "9"], "lg.csv: column 'task': no task is large enough for K + Q = 11 rows"),
        BadCase("training tasks without --allow", ["evaluate", "--prior", "prior.json", "--data", "lg.csv", "--shots", "2", "--query", "2", "--output", "out.json"], "were used to fit prior.json"),
        BadCase("split not adding up", evaluate + ["--split", "0.2,0.2,0.2"], "--split fractions must add up to 1"),
        BadCase("unknown partition", evaluate + ["--split", "0.5,0.25,0.25", "--partition", "holdout"], "--partition must be train, validation or test, not 'holdout'"),
        BadCase("unknown test task", evaluate + ["--test-tasks", "ghost"], "no task 'ghost' in the data"),
        BadCase("features not in data", evaluate + ["--features", "q"], "column 'q'"),
        BadCase("demo: output dir is a file", ["demo", "--output-dir", "lg.csv"], "--output-dir 'lg.csv' is a file, not a directory"),
        BadCase("demo: output dir under a file", ["demo", "--output-dir", "lg.csv/sub", "--quiet"], "lg.csv/sub: cannot create the directory"),
        BadCase("demo: empty output dir", ["demo", "--output-dir", ""], "--output-dir: give a directory name"),
        BadCase("demo: seed negative", ["demo", "--seed", "-1"], "--seed"),
        BadCase("demo: seed word", ["demo", "--seed", "abc"], "--seed"),
        BadCase("demo: unknown option", ["demo", "--outputdir", "x"], "--outputdir"),
        BadCase("unknown subcommand", ["train"], "Unexpected argument 'train'"),
        BadCase("missing option value at the end", ["adapt", "--prior", "prior.json", "--data"], "--data"),
    ]

    @Test(arguments: csvCases + cases)
    func failsWithOneClearLine(_ bad: BadCase) throws { try checkBadInput(bad) }

    /// A second output in a missing directory: every output path is checked before any work,
    /// so the first output is not written either.
    static let needsOutputChecks: [BadCase] = [
        BadCase("episodes output in a missing directory", evaluate + ["--episodes", "5", "--episodes-output", "nodir/e.csv"], "nodir/e.csv"),
    ]

    @Test(arguments: needsOutputChecks)
    func failsWithoutWritingAnyOutput(_ bad: BadCase) throws { try checkBadInput(bad) }
}
