// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import MetaPrior
import Testing

/// `fit`'s report, progress lines and time limit, through the command line.
@Suite("CLI: fit report, progress, time limit")
struct FitReportTests {
    /// A directory with sinusoid tasks (200 × 40 points) and the sleep study.
    static func directory() throws -> URL {
        let dir = try makeTemporaryDirectory()
        let simulate = try runCLI(["simulate", "sinusoid", "--tasks", "200", "--points", "40", "--seed", "1",
                                   "--output", "tasks.csv", "--quiet"], in: dir, timeout: 120)
        #expect(simulate.status == 0, "\(simulate.stderr)")
        try (EmbeddedData.sleepStudyCSV + "\n").write(to: dir.appendingPathComponent("sleepstudy.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    /// An episodic fit that takes far longer than a second (poly:3, 2000 episodes, up to 500
    /// iterations: seconds per iteration of the Newton stage in a debug build).
    static let longFit = ["fit", "--data", "tasks.csv", "--basis", "poly:3", "--objective", "episodic", "--shots", "5",
                          "--query", "10", "--episodes", "2000", "--seed", "1"]

    /// The report names each stage, how it ended, and ends on whether the fit asked for
    /// converged; the prior file records the same stages.
    @Test func reportHasOneLinePerStageAndAResult() throws {
        let dir = try Self.directory()
        let run = try runCLI(["fit", "--data", "sleepstudy.csv", "--task", "Subject", "--target", "Reaction", "--output", "prior.json"],
                             in: dir, timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("stage 1, log marginal likelihood, "))
        #expect(run.stderr.contains(": converged after "))
        #expect(run.stderr.contains("rank of Σ 2 of 2"))
        #expect(run.stderr.contains("result: converged (the marginal fit); log marginal likelihood -875.96967"))
        #expect(!run.stderr.contains("stage 2"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("prior.json"))) as! [String: Any]
        let training = try #require(json["training"] as? [String: Any])
        let stages = try #require(training["stages"] as? [[String: Any]])
        #expect(stages.count == 1)
        #expect(stages.first?["ending"] as? String == "converged")
        #expect(stages.first?["rank"] as? Int == 2)
        #expect(json["converged"] as? Bool == true)
        #expect(training["stopped_at_time_limit"] == nil)
    }

    /// `--time-limit 1` on a fit that runs much longer: back within a few seconds (the limit,
    /// plus building the episodes and one interrupted Hessian column in a debug build on a
    /// shared machine: 20 s is the bound), exit 0, a prior file marked not converged and
    /// stopped at the time limit, which `adapt` reads.
    @Test func timeLimitStopsAndWritesTheBestPoint() throws {
        let dir = try Self.directory()
        let start = Date()
        let run = try runCLI(Self.longFit + ["--time-limit", "1", "--output", "prior.json"], in: dir, timeout: 120)
        let elapsed = Date().timeIntervalSince(start)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(elapsed < 20, "took \(elapsed) s")
        #expect(run.stderr.contains("NOT converged: stopped at the time limit"))
        #expect(run.stderr.contains("warning: the fit stopped at the time limit"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("prior.json"))) as! [String: Any]
        #expect(json["converged"] as? Bool == false)
        let training = try #require(json["training"] as? [String: Any])
        #expect(training["stopped_at_time_limit"] as? Bool == true)
        #expect(training["time_limit"] as? Double == 1)
        let stages = try #require(training["stages"] as? [[String: Any]])
        #expect(stages.last?["ending"] as? String == "time_limit")
        try "x,y\n0.5,0.2\n1.5,0.9\n".write(to: dir.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        let adapt = try runCLI(["adapt", "--prior", "prior.json", "--data", "new.csv", "--draws", "10", "--output", "draws.csv", "--quiet"],
                               in: dir, timeout: 60)
        #expect(adapt.status == 0, "\(adapt.stderr)")
    }

    /// Progress lines reach standard error even when it is a pipe (as here), at the interval
    /// METAPRIOR_PROGRESS_INTERVAL sets for tests (0.2 s; the default is 1 s, then every 5 s);
    /// --quiet prints none.
    @Test func progressLinesWhenNotATerminal() throws {
        let dir = try Self.directory()
        let environment = ["METAPRIOR_PROGRESS_INTERVAL": "0.2"]
        let run = try runCLI(Self.longFit + ["--time-limit", "3", "--output", "prior.json"], in: dir, environment: environment, timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("[") && $0.contains(" s] ") && $0.contains("iteration") }
        #expect(lines.count >= 2, "\(run.stderr)")
        // Far fewer lines than iterations: one per 0.2 s at most (plus the first).
        #expect(lines.count <= 3 * 5 + 5, "\(lines.count) lines")
        let quiet = try runCLI(Self.longFit + ["--time-limit", "2", "--output", "quiet.json", "--quiet"], in: dir, environment: environment, timeout: 120)
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
    }

    /// Bad time limits are refused before any work, naming the option.
    @Test(arguments: ["0", "-1", "nan", "inf", "2e7"])
    func badTimeLimitIsRefused(value: String) throws {
        let dir = try Self.directory()
        let run = try runCLI(["fit", "--data", "sleepstudy.csv", "--task", "Subject", "--target", "Reaction", "--time-limit", value], in: dir, timeout: 60)
        #expect(run.status != 0)
        #expect(run.stderr.contains("--time-limit"), "\(run.stderr)")
        #expect(!run.signalled)
    }
}
