// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import MetaPrior
import Testing

/// `evaluate --ways --output` (JSON and CSV), its independence of the thread count, and
/// `adapt --summary` on a softmax prior.
@Suite("CLI: classification reports")
struct ClassificationOutputTests {
    static let evaluate = ["evaluate", "--prior", "prior.json", "--data", "test.csv", "--ways", "5", "--shots", "2", "--query", "3",
                           "--episodes", "200", "--seed", "2"]

    /// The JSON and CSV reports hold the table's figures (the table rounds them to 4
    /// decimals, so they agree to 5e-5), every method with its four figures.
    @Test func writesJSONAndCSV() throws {
        let dir = try ClassificationEvaluateTests.directory()
        let json = try runCLI(Self.evaluate + ["--output", "report.json"], in: dir, timeout: 300)
        #expect(json.status == 0 && json.stderr.contains("report written to report.json"), "\(json.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any])
        #expect(report["ways"] as? Int == 5 && report["shots"] as? Int == 2 && report["query"] as? Int == 3 && report["episodes"] as? Int == 200)
        #expect(report["priors"] as? [String] == ["prior.json"] && report["kind"] as? String == "classification")
        let methods = try #require(report["methods"] as? [[String: Any]])
        #expect(methods.compactMap { $0["method"] as? String } == ["class_gaussian", "nearest_mean", "logistic"])
        let line = try #require(json.stdout.split(separator: "\n").first { $0.hasPrefix("class_gaussian ") })
        let table = line.split(separator: " ").compactMap { Double($0) }
        let first = try #require(methods.first)
        var fromJSON: [Double] = []
        for metric in ["accuracy", "nll", "brier", "ece"] {
            let figure = try #require(first[metric] as? [String: Any])
            fromJSON += [try #require(figure["estimate"] as? Double), try #require(figure["standard_error"] as? Double)]
        }
        #expect(table.count == 8 && zip(table, fromJSON).allSatisfy { abs($0 - $1) <= 5e-5 }, "\(table) vs \(fromJSON)")

        let csv = try runCLI(Self.evaluate + ["--output", "report.csv"], in: dir, timeout: 300)
        #expect(csv.status == 0, "\(csv.stderr)")
        let rows = try String(contentsOf: dir.appendingPathComponent("report.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "method,metric,estimate,standard_error" && rows.count == 1 + 3 * 4)
        let nll = try #require(rows.first { $0.hasPrefix("class_gaussian,nll,") }).split(separator: ",").compactMap { Double($0) }
        // The CSV holds the shortest round-trip text; Foundation's JSON reader on Linux may
        // land one ulp away from the written number, hence 1e-15 relative, not equality.
        #expect(nll.count == 2 && zip(nll, fromJSON[2...3]).allSatisfy { abs($0 - $1) <= 1e-15 * abs($1) }, "\(nll)")

        let stdout = try runCLI(Self.evaluate + ["--output", "-"], in: dir, timeout: 300)
        #expect(stdout.status == 0 && stdout.stdout.hasPrefix("{"), "\(stdout.stdout.prefix(200))")
    }

    /// Episodes are scored in parallel chunks summed in a fixed order: one thread and two give
    /// the same bytes, table and JSON.
    @Test func sameBytesOnOneAndTwoThreads() throws {
        let dir = try ClassificationEvaluateTests.directory()
        var outputs: [(String, Data)] = []
        for threads in ["1", "2"] {
            let run = try runCLI(Self.evaluate + ["--output", "r\(threads).json"], in: dir, environment: ["METAPRIOR_THREADS": threads], timeout: 300)
            #expect(run.status == 0, "\(run.stderr)")
            outputs.append((run.stdout, try Data(contentsOf: dir.appendingPathComponent("r\(threads).json"))))
        }
        #expect(outputs[0].0 == outputs[1].0 && !outputs[0].0.isEmpty)
        #expect(outputs[0].1 == outputs[1].1)
    }

    /// `adapt --summary` on a softmax prior: the prior of each of the episode's N classes'
    /// weights, N(0, V), beside the posterior, one row per weight of every class (it used to
    /// fail with "the support set holds 0 class").
    @Test func softmaxAdaptSummary() throws {
        let dir = try makeTemporaryDirectory()
        _ = try runCLI(["simulate", "gaussian-classes", "--tasks", "30", "--points", "6", "--seed", "2", "--output", "c.csv"], in: dir)
        _ = try runCLI(["simulate", "gaussian-classes", "--tasks", "1", "--points", "4", "--seed", "9", "--output", "new.csv"], in: dir)
        let fit = try runCLI(["fit", "--data", "c.csv", "--task", "task", "--target", "label", "--model", "softmax", "--covariance", "diagonal",
                              "--output", "s.json"], in: dir, timeout: 300)
        #expect(fit.status == 0, "\(fit.stderr)")
        let adapt = try runCLI(["adapt", "--prior", "s.json", "--data", "new.csv", "--target", "label", "--posterior", "laplace",
                                "--draws", "10", "--output", "draws.csv", "--summary", "summary.csv"], in: dir, timeout: 300)
        #expect(adapt.status == 0, "\(adapt.stderr)")
        let rows = try String(contentsOf: dir.appendingPathComponent("summary.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",") }
        // 5 classes × (bias, x1, x2).
        #expect(rows.count == 1 + 15, "\(rows.count)")
        let prior = try PriorFile.read(dir.appendingPathComponent("s.json").path).prior as? SoftmaxPrior
        let v = try #require(prior).covariance
        for (j, row) in rows.dropFirst().enumerated() {
            #expect(row[1] == "w.\(j / 3).\(["bias", "x1", "x2"][j % 3])")
            // prior_mean 0 and prior_sd √V_jj, to the shortest round-trip text of the square root.
            #expect(Double(row[2]) == 0 && abs((Double(row[3]) ?? 0) - v[j % 3, j % 3].squareRoot()) <= 1e-12 * v[j % 3, j % 3].squareRoot())
        }
    }
}
