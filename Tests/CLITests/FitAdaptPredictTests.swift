// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import MetaPrior
import Testing

/// The main job through the command line, as a user runs it: fit → adapt → predict.
@Suite("CLI: fit, adapt, predict")
struct FitAdaptPredictTests {
    /// A directory holding sleepstudy.csv, subject 308's rows and a fitted prior.json.
    static func fitted() throws -> URL {
        let dir = try makeTemporaryDirectory()
        try (EmbeddedData.sleepStudyCSV + "\n").write(to: dir.appendingPathComponent("sleepstudy.csv"), atomically: true, encoding: .utf8)
        let rows = EmbeddedData.sleepStudyCSV.split(separator: "\n")
        let s308 = ([rows[0]] + rows.filter { $0.hasSuffix(",308") }).joined(separator: "\n") + "\n"
        try s308.write(to: dir.appendingPathComponent("s308.csv"), atomically: true, encoding: .utf8)
        let fit = try runCLI(["fit", "--data", "sleepstudy.csv", "--task", "Subject", "--target", "Reaction",
                              "--output", "prior.json", "--quiet"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        return dir
    }

    static func readCSV(_ url: URL) throws -> (comments: [String], header: [String], rows: [[Double]]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        let comments = lines.filter { $0.hasPrefix("#") }
        let body = lines.filter { !$0.hasPrefix("#") }
        let header = body[0].split(separator: ",").map(String.init)
        return (comments, header, body.dropFirst().map { $0.split(separator: ",").map { Double($0) ?? .nan } })
    }

    @Test func priorFileHasTheDocumentedKeysAndLme4sLikelihood() throws {
        let dir = try Self.fitted()
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("prior.json"))) as! [String: Any]
        for key in ["format_version", "model", "basis", "features", "mean", "covariance", "noise_variance",
                    "log_marginal_likelihood", "tasks", "observations", "iterations", "converged", "training"] {
            #expect(json[key] != nil, "missing key \(key)")
        }
        #expect(json["format_version"] as? Int == 1)
        #expect(json["features"] as? [String] == ["(Intercept)", "Days"])
        // lme4 1.1-31, lmer(Reaction ~ Days + (Days | Subject), REML = FALSE): logLik -875.969672244
        let ll = try #require(json["log_marginal_likelihood"] as? Double)
        #expect(ll >= -875.969672244 - 1e-7 * 875.97)
        let training = try #require(json["training"] as? [String: Any])
        #expect(training["objective"] as? String == "marginal")
        #expect((training["data_digest"] as? String)?.hasPrefix("sha256:") == true)
    }

    /// Posterior draws for subject 308: the sample mean is within 5 standard errors (sd/√n)
    /// of the exact posterior mean lme4 gives (coef(m)$Subject["308", ] = 254.2208, 19.5428).
    @Test func adaptWritesStanStyleDrawsAroundThePosteriorMean() throws {
        let dir = try Self.fitted()
        let result = try runCLI(["adapt", "--prior", "prior.json", "--data", "s308.csv", "--draws", "4000", "--seed", "7",
                                 "--output", "samples.csv", "--summary", "summary.csv"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let draws = try Self.readCSV(dir.appendingPathComponent("samples.csv"))
        #expect(draws.header == ["lp__", "phi.1", "phi.2"])
        #expect(draws.rows.count == 4000)
        #expect(draws.comments.contains { $0.hasPrefix("# seed: 7") })
        #expect(draws.comments.contains { $0.hasPrefix("# prior_digest: sha256:") })
        let summary = try Self.readCSV(dir.appendingPathComponent("summary.csv"))
        #expect(summary.header == ["parameter", "feature", "prior_mean", "prior_sd", "posterior_mean", "posterior_sd", "lower", "upper"])
        for (j, reference) in [254.2208, 19.5428].enumerated() {
            let column = draws.rows.map { $0[j + 1] }
            let mean = column.reduce(0, +) / Double(column.count)
            let sd = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count - 1)).squareRoot()
            #expect(abs(mean - reference) <= 5 * sd / Double(column.count).squareRoot())
        }
    }

    @Test func sameSeedGivesIdenticalBytesOnAnyNumberOfThreads() throws {
        let dir = try Self.fitted()
        let args = ["adapt", "--prior", "prior.json", "--data", "s308.csv", "--draws", "20000", "--seed", "3", "--quiet"]
        let one = try runCLI(args + ["--output", "a.csv"], in: dir, environment: ["METAPRIOR_THREADS": "1"])
        let many = try runCLI(args + ["--output", "b.csv"], in: dir)
        #expect(one.status == 0 && many.status == 0)
        // Everything but the "# command:" line, which names the output file.
        func body(_ name: String) throws -> String {
            try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("# command:") }.joined(separator: "\n")
        }
        let a = try body("a.csv")
        #expect(a == (try body("b.csv")))
        let other = try runCLI(["adapt", "--prior", "prior.json", "--data", "s308.csv", "--draws", "20000", "--seed", "4",
                                "--quiet", "--output", "c.csv"], in: dir)
        #expect(other.status == 0)
        #expect(try body("c.csv") != a)
    }

    /// A new task with no rows: the posterior is the prior.
    @Test func emptyTaskGivesThePrior() throws {
        let dir = try Self.fitted()
        try "Reaction,Days\n".write(to: dir.appendingPathComponent("empty.csv"), atomically: true, encoding: .utf8)
        let result = try runCLI(["adapt", "--prior", "prior.json", "--data", "empty.csv", "--draws", "10",
                                 "--output", "s.csv", "--summary", "sum.csv"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try String(contentsOf: dir.appendingPathComponent("sum.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        for line in summary {
            let f = line.split(separator: ",")
            #expect(f[2] == f[4] && f[3] == f[5], "posterior must equal prior: \(line)")
        }
    }

    @Test func predictGivesIntervalsAroundTheMean() throws {
        let dir = try Self.fitted()
        try "Days\n0\n4.5\n9\n".write(to: dir.appendingPathComponent("q.csv"), atomically: true, encoding: .utf8)
        let result = try runCLI(["predict", "--prior", "prior.json", "--support", "s308.csv", "--query", "q.csv",
                                 "--level", "0.9", "--output", "p.csv", "--draws-output", "pd.csv", "--draws", "5"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let p = try Self.readCSV(dir.appendingPathComponent("p.csv"))
        #expect(p.header == ["Days", "mean", "sd", "lower", "upper"])
        #expect(p.rows.count == 3)
        for row in p.rows {
            // Φ⁻¹(0.95) = 1.6448536269514722 (scipy.stats.norm.ppf(0.95))
            #expect(abs(row[3] - (row[1] - 1.6448536269514722 * row[2])) < 1e-9 * abs(row[1]))
            #expect(abs(row[4] - (row[1] + 1.6448536269514722 * row[2])) < 1e-9 * abs(row[1]))
            #expect(row[2] > 25.59)   // at least the noise sd √654.94
        }
        // Day 0: the posterior mean intercept, 254.2208 (lme4 coef for subject 308).
        #expect(abs(p.rows[0][1] - 254.2208) < 1e-3)
        let draws = try Self.readCSV(dir.appendingPathComponent("pd.csv"))
        #expect(draws.header == ["draw", "Days", "y"])
        #expect(draws.rows.count == 15)
    }
}
