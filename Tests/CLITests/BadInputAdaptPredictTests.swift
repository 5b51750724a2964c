// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `metaprior adapt` and `predict` on bad new-task files, query files, options and inputs
/// from standard input.
@Suite("CLI: bad input table — adapt, predict")
struct BadInputAdaptPredictTests {
    static let adapt = ["adapt", "--prior", "prior.json", "--output", "out.csv"]
    static let adaptTask = adapt + ["--data", "task.csv"]
    static let predict = ["predict", "--prior", "prior.json", "--output", "out.csv"]
    static let predictTask = predict + ["--support", "task.csv"]

    /// Bad new-task files (columns x, y), for adapt --data and predict --support.
    static let badTaskFiles: [(name: String, text: String, expected: String)] = [
        ("empty file", "", "new.csv:1: file is empty"),
        ("missing input column", "y\n1\n", "new.csv:1: column 'x': missing column; the file has: y"),
        ("missing target column", "x\n1\n", "new.csv:1: column 'y': missing column; the file has: x"),
        ("ragged row", "x,y\n1,2\n3\n", "new.csv:3: column 'y': missing field"),
        ("extra field", "x,y\n1,2,3\n", "new.csv:2: column '#3': extra field"),
        ("NaN target", "x,y\n1,nan\n", "new.csv:2: column 'y': 'nan' is not a number"),
        ("infinite input", "x,y\n-Infinity,1\n", "new.csv:2: column 'x': infinite value '-Infinity'"),
        ("word", "x,y\n1,high\n", "new.csv:2: column 'y': not a number: 'high'"),
        ("empty value", "x,y\n,1\n", "new.csv:2: column 'x': missing value (empty field)"),
        ("unclosed quote", "x,y\n\"1,2\n", "new.csv:2: column 'x': quoted field is never closed"),
        ("duplicate column", "x,y,x\n1,2,3\n", "new.csv:1: column 'x': appears twice in the header"),
        ("CRLF word", "x,y\r\n1,2\r\n3,abc\r\n", "new.csv:3: column 'y': not a number: 'abc'"),
        ("several tasks", "task,x,y\na,1,2\nb,1,2\n", "new.csv: column 'task': the file holds 2 tasks; choose one with --task-id (e.g. a)"),
        ("control characters in a value", "x,y\n1,\u{7}\u{1b}[0m\n", "new.csv:2: column 'y': not a number: '\\u{7}\\u{1b}[0m'"),
    ]

    static let taskFileCases: [BadCase] = badTaskFiles.flatMap { bad in
        [BadCase("adapt: " + bad.name, adapt + ["--data", "new.csv"], files: ["new.csv": bad.text], bad.expected),
         BadCase("predict support: " + bad.name, predict + ["--support", "new.csv", "--query", "query.csv"], files: ["new.csv": bad.text], bad.expected),
         BadCase("adapt stdin: " + bad.name, adapt + ["--data", "-"], stdin: bad.text, bad.expected.replacingOccurrences(of: "new.csv", with: "-"))]
    }

    static let cases: [BadCase] = [
        BadCase("draws -1", adaptTask + ["--draws", "-1"], "--draws must be 0 or more, not -1"),
        BadCase("draws Int.max", adaptTask + ["--draws", "9223372036854775807"], "--draws must be from 0 to 100000000"),
        BadCase("draws 1e12", adaptTask + ["--draws", "1000000000000"], "--draws must be from 0 to 100000000"),
        BadCase("draws word", adaptTask + ["--draws", "lots"], "--draws"),
        BadCase("draws fraction", adaptTask + ["--draws", "2.5"], "--draws"),
        BadCase("level one", adaptTask + ["--level", "1"], "--level must be between 0 and 1 (exclusive), not 1.0"),
        BadCase("level negative", adaptTask + ["--level", "-0.5"], "--level must be between 0 and 1 (exclusive), not -0.5"),
        BadCase("level nan", adaptTask + ["--level", "nan"], "--level must be between 0 and 1"),
        BadCase("seed negative", adaptTask + ["--seed", "-3"], "--seed"),
        BadCase("missing prior", ["adapt", "--prior", "nope.json", "--data", "task.csv", "--output", "out.csv"], "nope.json: no such file"),
        BadCase("prior is a directory", ["adapt", "--prior", "dir", "--data", "task.csv", "--output", "out.csv"], directories: ["dir"], "dir: is a directory, not a prior file"),
        BadCase("prior is a CSV", ["adapt", "--prior", "lg.csv", "--data", "task.csv", "--output", "out.csv"], "lg.csv: not a metaprior prior file (invalid JSON at line 1, column 1"),
        BadCase("prior truncated", ["adapt", "--prior", "p.json", "--data", "task.csv", "--output", "out.csv"], files: ["p.json": "{\n  \"format_version\": 1,\n  \"mean\": [1,"], "p.json: not a metaprior prior file (invalid JSON at line 3, column 14"),
        BadCase("prior with a stray comma", ["adapt", "--prior", "p.json", "--data", "task.csv", "--output", "out.csv"], files: ["p.json": "{\"format_version\": 1,,}"], "p.json: not a metaprior prior file (invalid JSON at line 1, column 22"),
        BadCase("prior empty", ["adapt", "--prior", "p.json", "--data", "task.csv", "--output", "out.csv"], files: ["p.json": ""], "p.json: not a metaprior prior file"),
        BadCase("prior newer version", ["adapt", "--prior", "p.json", "--data", "task.csv", "--output", "out.csv"], files: ["p.json": "{\"format_version\": 99}"], "p.json: column 'format_version': is 99"),
        BadCase("missing data", adapt + ["--data", "nope.csv"], "nope.csv: no such file"),
        BadCase("data is a directory", adapt + ["--data", "dir"], directories: ["dir"], "dir: is a directory"),
        BadCase("task id without task column", adaptTask + ["--task-id", "3"], "task.csv: column 'task': --task-id needs the task column"),
        BadCase("unknown task id", adapt + ["--data", "lg.csv", "--task-id", "999"], "lg.csv: column 'task': no task '999'"),
        BadCase("several tasks", adapt + ["--data", "lg.csv"], "lg.csv: column 'task': the file holds 20 tasks; choose one with --task-id"),
        BadCase("unknown target", adaptTask + ["--target", "z"], "task.csv:1: column 'z': missing column"),
        BadCase("predict: both from stdin", predict + ["--support", "-", "--query", "-"], stdin: "x,y\n1,2\n", "--support and --query cannot both read standard input"),
        BadCase("predict: query missing input", predictTask + ["--query", "q.csv"], files: ["q.csv": "z\n1\n"], "q.csv:1: column 'x'"),
        BadCase("predict: query empty", predictTask + ["--query", "q.csv"], files: ["q.csv": ""], "q.csv:1: file is empty"),
        BadCase("predict: query NaN", predictTask + ["--query", "q.csv"], files: ["q.csv": "x\n1\nNaN\n"], "q.csv:3: column 'x': 'NaN' is not a number"),
        BadCase("predict: query ragged", predictTask + ["--query", "q.csv"], files: ["q.csv": "x,w\n1,2\n3\n"], "q.csv:3: column 'w': missing field"),
        BadCase("predict: query word", predictTask + ["--query", "q.csv"], files: ["q.csv": "x\nleft\n"], "q.csv:2: column 'x': not a number: 'left'"),
        BadCase("predict: query huge number", predictTask + ["--query", "q.csv"], files: ["q.csv": "x\n1e400\n"], "q.csv:2: column 'x'"),
        BadCase("predict: query from stdin, bad", predictTask + ["--query", "-"], stdin: "x\n1\noops\n", "-:3: column 'x': not a number: 'oops'"),
        BadCase("predict: query a directory", predictTask + ["--query", "dir"], directories: ["dir"], "dir: is a directory"),
        BadCase("predict: query missing", predictTask + ["--query", "nope.csv"], "nope.csv: no such file"),
        BadCase("predict: draws × queries too many", predictTask + ["--query", "q.csv", "--draws", "100000000", "--draws-output", "d.csv"], files: ["q.csv": "x\n1\n2\n"], "column 'draws': 100000000 draws × 2 query points is more than 100000000 predictive draws"),
        BadCase("predict: draws -5", predictTask + ["--query", "query.csv", "--draws", "-5"], "--draws must be 0 or more, not -5"),
        BadCase("predict: level zero", predictTask + ["--query", "query.csv", "--level", "0"], "--level must be between 0 and 1"),
    ]

    @Test(arguments: taskFileCases + cases)
    func failsWithOneClearLine(_ bad: BadCase) throws { try checkBadInput(bad) }

    /// A second output in a missing directory: every output path is checked before any work,
    /// so the first output is not written either.
    static let needsOutputChecks: [BadCase] = [
        BadCase("summary in a missing directory", adaptTask + ["--summary", "nodir/s.csv"], "nodir/s.csv"),
    ]

    @Test(arguments: needsOutputChecks)
    func failsWithoutWritingAnyOutput(_ bad: BadCase) throws { try checkBadInput(bad) }
}
