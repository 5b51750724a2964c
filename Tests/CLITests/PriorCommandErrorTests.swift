// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// Bad input to fit, adapt and predict: a clear one-line error, a non-zero exit, no output file.
@Suite("CLI: bad input to fit, adapt, predict")
struct PriorCommandErrorTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var expected: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unknown basis", arguments: ["fit", "--data", "sleepstudy.csv", "--task", "Subject", "--target", "Reaction", "--basis", "spline:3", "--output", "out.json"],
             expected: "unknown basis 'spline'"),
        Case(name: "bad basis argument", arguments: ["fit", "--data", "sleepstudy.csv", "--task", "Subject", "--target", "Reaction", "--basis", "rbf:0", "--output", "out.json"],
             expected: "the number of centres K must be a whole number"),
        Case(name: "unknown covariance", arguments: ["fit", "--data", "sleepstudy.csv", "--task", "Subject", "--target", "Reaction", "--covariance", "banded", "--output", "out.json"],
             expected: "--covariance must be full, diagonal or isotropic"),
        Case(name: "weights varying within a task", arguments: ["fit", "--data", "weighted.csv", "--weights", "w", "--output", "out.json"],
             expected: "column 'w': the weight of task 'a' varies between its rows"),
        Case(name: "negative draws", arguments: ["adapt", "--prior", "prior.json", "--data", "s308.csv", "--draws=-5", "--output", "out.csv"],
             expected: "--draws must be 0 or more"),
        Case(name: "level outside (0, 1)", arguments: ["adapt", "--prior", "prior.json", "--data", "s308.csv", "--level", "1.5", "--output", "out.csv"],
             expected: "--level must be between 0 and 1"),
        Case(name: "missing prior file", arguments: ["adapt", "--prior", "nope.json", "--data", "s308.csv", "--output", "out.csv"],
             expected: "nope.json: no such file"),
        Case(name: "corrupt prior", arguments: ["adapt", "--prior", "corrupt.json", "--data", "s308.csv", "--output", "out.csv"],
             expected: "corrupt.json: not a metaprior prior file"),
        Case(name: "prior missing a key", arguments: ["adapt", "--prior", "nomean.json", "--data", "s308.csv", "--output", "out.csv"],
             expected: "nomean.json: corrupt prior file: missing key 'mean'"),
        Case(name: "newer format version", arguments: ["adapt", "--prior", "future.json", "--data", "s308.csv", "--output", "out.csv"],
             expected: "future.json: column 'format_version': is 99; this metaprior"),
        Case(name: "prior/data mismatch", arguments: ["adapt", "--prior", "prior.json", "--data", "other.csv", "--output", "out.csv"],
             expected: "other.csv:1: column 'Days': missing column; the file has: Reaction, Hours"),
        Case(name: "several tasks without --task-id", arguments: ["adapt", "--prior", "prior.json", "--data", "sleepstudy.csv", "--output", "out.csv"],
             expected: "the file holds 18 tasks; choose one with --task-id"),
        Case(name: "unknown task id", arguments: ["adapt", "--prior", "prior.json", "--data", "sleepstudy.csv", "--task-id", "999", "--output", "out.csv"],
             expected: "column 'Subject': no task '999'"),
        Case(name: "query missing the input column", arguments: ["predict", "--prior", "prior.json", "--support", "s308.csv", "--query", "other.csv", "--output", "out.csv"],
             expected: "other.csv:1: column 'Days'"),
    ]

    @Test(arguments: cases)
    func reportsTheProblem(_ c: Case) throws {
        let dir = try FitAdaptPredictTests.fitted()
        let prior = try String(contentsOf: dir.appendingPathComponent("prior.json"), encoding: .utf8)
        try String(prior.prefix(prior.count / 2)).write(to: dir.appendingPathComponent("corrupt.json"), atomically: true, encoding: .utf8)
        try prior.replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 99")
            .write(to: dir.appendingPathComponent("future.json"), atomically: true, encoding: .utf8)
        var object = try JSONSerialization.jsonObject(with: Data(prior.utf8)) as! [String: Any]
        object["mean"] = nil
        try JSONSerialization.data(withJSONObject: object).write(to: dir.appendingPathComponent("nomean.json"))
        try "Reaction,Hours\n250,1\n".write(to: dir.appendingPathComponent("other.csv"), atomically: true, encoding: .utf8)
        try "task,x,w,y\na,1,1,2\na,2,2,3\nb,1,1,1\n".write(to: dir.appendingPathComponent("weighted.csv"), atomically: true, encoding: .utf8)

        let result = try runCLI(c.arguments, in: dir)
        #expect(result.status != 0)
        #expect(result.stderr.contains(c.expected), "stderr was: \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(c.arguments.contains("fit") ? "out.json" : "out.csv").path))
    }
}
