// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `metaprior statistics` and `fit --statistics` on bad options and bad statistics files:
/// one clear line naming the file, line and column.
@Suite("CLI: bad input table — statistics")
struct BadInputStatisticsTests {
    /// The first two lines of the statistics of the fixture's lg.csv (task, x, y) under
    /// `basis`, as `metaprior statistics` writes them.
    static func header(_ basis: String) -> String {
        let result = try! runCLI(["statistics", "--data", "lg.csv", "--basis", basis], in: BadInputFixture.directory)
        precondition(result.status == 0, "statistics fixture: \(result.stderr)")
        return result.stdout.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n"
    }
    static let linear = header("linear")
    static let poly = header("poly:2")
    /// Rows x = (0, 1, 2), y = (1, 3, 2): n = 3, c = 14, b = (6, 7), A = [3 3; 3 5].
    static let good = "a,3,14,6,7,3,3,5\n"
    static func file(_ rows: String, header: String = linear) -> [String: String] { ["s.csv": header + rows] }
    static let fit = ["fit", "--statistics", "s.csv", "--output", "out.json"]

    static let cases: [BadCase] = [
        BadCase("statistics: GLM family", ["statistics", "--data", "lg.csv", "--model", "binomial", "--output", "s.csv"],
                "sufficient statistics are not available for --model binomial"),
        BadCase("statistics: classification family", ["statistics", "--data", "classes.csv", "--model", "class_gaussian", "--output", "s.csv"],
                "sufficient statistics are not available for --model class_gaussian"),
        BadCase("statistics: formula", ["statistics", "--data", "lg.csv", "--formula", "y ~ x + (x | task)", "--output", "s.csv"],
                "--formula: statistics are not available for the formula"),
        BadCase("statistics: data-dependent basis", ["statistics", "--data", "lg.csv", "--basis", "rbf:5", "--output", "s.csv"],
                "--basis rbf:5: this basis places its centres, period or centring from the data"),
        BadCase("statistics: tuned basis", ["statistics", "--data", "lg.csv", "--basis", "auto", "--output", "s.csv"],
                "--basis auto: a basis chosen or tuned by evidence needs every row at once"),
        BadCase("statistics: class labels", ["statistics", "--data", "classes.csv", "--output", "s.csv"], "classes.csv: column 'label'"),
        BadCase("statistics: basis-from a CSV", ["statistics", "--data", "lg.csv", "--basis-from", "lg.csv", "--output", "s.csv"], "lg.csv"),
        BadCase("fit: neither data nor statistics", ["fit", "--output", "out.json"], "Missing expected argument '--data <file>' (or --statistics)"),
        BadCase("fit: data and statistics", fit + ["--data", "lg.csv"], files: file(good), "give --data or --statistics, not both"),
        BadCase("fit: statistics and episodic", fit + ["--objective", "episodic", "--shots", "2"], files: file(good), "--objective episodic cannot be used with --statistics"),
        BadCase("fit: statistics and another model", fit + ["--model", "binomial"], files: file(good), "--statistics fits linear_gaussian only"),
        BadCase("fit: statistics and another basis", fit + ["--basis", "poly:3"], files: file(good), "the statistics files fix the feature map ('linear')"),
        BadCase("fit: streaming a data-dependent basis", ["fit", "--data", "lg.csv", "--streaming", "--basis", "rbf:4", "--output", "out.json"],
                "--streaming needs a fixed basis (linear or poly:P); 'rbf:4'"),
        BadCase("fit: streaming and weights", ["fit", "--data", "lg.csv", "--streaming", "--weights", "x", "--output", "out.json"],
                "--weights cannot be used with --streaming"),
        BadCase("fit: streaming a bad number", ["fit", "--data", "bad.csv", "--streaming", "--output", "out.json"], files: ["bad.csv": "task,x,y\na,1,2\na,two,3\n"],
                "bad.csv:3: column 'x': not a finite number: 'two'"),
        // The streaming reader checks the header as the whole-file reader does, with its messages.
        BadCase("fit: streaming a duplicated column", ["fit", "--data", "dup.csv", "--streaming", "--output", "out.json"],
                files: ["dup.csv": "task,x,x,y\na,1,2,3\n"], "dup.csv:1: column 'x': appears twice in the header (fields 2 and 3)"),
        BadCase("statistics: a duplicated column", ["statistics", "--data", "dup.csv", "--output", "s.csv"],
                files: ["dup.csv": "task,y,x,y\na,1,2,3\n"], "dup.csv:1: column 'y': appears twice in the header (fields 2 and 4)"),
        BadCase("fit: streaming an empty column name", ["fit", "--data", "e.csv", "--streaming", "--output", "out.json"],
                files: ["e.csv": "task,,y\na,1,3\n"], "e.csv:1: column '#2': empty column name in the header"),
        BadCase("fit: streaming a missing feature", ["fit", "--data", "lg.csv", "--streaming", "--features", "z", "--output", "out.json"],
                "lg.csv:1: column 'z': no such feature column; the columns are: task, x, y"),
        BadCase("not a statistics file", ["fit", "--statistics", "lg.csv", "--output", "out.json"], "lg.csv:1: not a metaprior statistics file"),
        BadCase("missing file", ["fit", "--statistics", "none.csv", "--output", "out.json"], "none.csv: no such file"),
        BadCase("empty file", fit, files: ["s.csv": ""], "s.csv: the file is empty"),
        BadCase("newer format version", fit, files: file(good, header: linear.replacingOccurrences(of: "\"format_version\":1", with: "\"format_version\":2")),
                "s.csv:1: statistics format_version 2; this build of metaprior reads version 1 only"),
        BadCase("mixed format versions", ["fit", "--statistics", "s.csv", "t.csv", "--output", "out.json"],
                files: file(good).merging(["t.csv": linear.replacingOccurrences(of: "\"format_version\":1", with: "\"format_version\":2") + good]) { $1 },
                "t.csv:1: statistics format_version 2"),
        BadCase("header not JSON", fit, files: ["s.csv": "# metaprior-statistics {format\n" + good], "s.csv:1: the header is not a JSON object"),
        BadCase("altered digest", fit, files: file(good, header: linear.replacingOccurrences(of: "sha256:", with: "sha256:0")),
                "s.csv:1: feature_map_digest is sha256:0"),
        BadCase("different feature map", ["fit", "--statistics", "s.csv", "t.csv", "--output", "out.json"], files: file(good).merging(["t.csv": poly + "a,4,30,10,19,47,4,6,14,14,36,98\n"]) { $1 },
                "t.csv:1: differs from s.csv: another feature map ('poly:2'"),
        BadCase("wrong column names", fit, files: ["s.csv": String(linear.split(separator: "\n")[0]) + "\ntask,n,c\n" + good],
                "s.csv:2: the second line must name the columns task,n,c,b_1,… for 2 features"),
        BadCase("negative n", fit, files: file("a,-3,14,6,7,3,3,5\n"), "s.csv:3: column 'n': task 'a': n = -3.0 is negative"),
        BadCase("fractional n", fit, files: file("a,2.5,14,6,7,3,3,5\n"), "s.csv:3: column 'n': task 'a': n = 2.5 is not a whole number"),
        BadCase("zero n", fit, files: file("a,0,0,0,0,0,0,0\n"), "s.csv:3: column 'n': task 'a': n = 0"),
        BadCase("negative c", fit, files: file("a,3,-14,6,7,3,3,5\n"), "s.csv:3: column 'c': task 'a': c = -14.0 is negative"),
        BadCase("A not PSD", fit, files: file("a,3,14,6,7,3,9,5\n"), "s.csv:3: column 'A': task 'a': A is not positive semi-definite"),
        BadCase("c below the fit", fit, files: file("a,3,1,6,7,3,3,5\n"), "s.csv:3: column 'c': task 'a': [A b; bᵀ c] is not positive semi-definite"),
        BadCase("A_1_1 not n", fit, files: file("a,3,14,6,7,4,3,5\n"), "s.csv:3: column 'A_1_1': task 'a': A_1_1 = 4.0 but n = 3"),
        BadCase("NaN", fit, files: file("a,3,nan,6,7,3,3,5\n"), "s.csv:3: column 'c': 'nan' is not a finite number"),
        BadCase("infinity", fit, files: file("a,3,14,inf,7,3,3,5\n"), "s.csv:3: column 'b_1': 'inf' is not a finite number"),
        BadCase("word", fit, files: file("a,3,14,6,7,3,three,5\n"), "s.csv:3: column 'A_1_2': 'three' is not a finite number"),
        BadCase("short row", fit, files: file(good + "b,3,14\n"), "s.csv:4: 3 fields, expected 8"),
        BadCase("long row", fit, files: file("a,3,14,6,7,3,3,5,9\n"), "s.csv:3: 9 fields, expected 8"),
        BadCase("unclosed quote", fit, files: file("\"a,3,14,6,7,3,3,5\n"), "s.csv:3: column 'task': quoted field is never closed"),
    ]

    @Test(arguments: cases)
    func failsWithOneClearLine(_ bad: BadCase) throws { try checkBadInput(bad) }
}
