// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// Files as R and pandas write them: row names, NA cells.
@Suite("CLI: data frames from R and pandas")
struct DataFrameInputTests {
    /// The sleep study as `write.csv(sleepstudy, "s.csv")` writes it (row names first), with
    /// two Reaction values set to NA.
    static func rStyleFile(in dir: URL) throws {
        var lines = ["\"\",\"Reaction\",\"Days\",\"Subject\""]
        var row = 0
        for subject in 0..<6 {
            for day in 0..<10 {
                row += 1
                let reaction = (row == 7 || row == 33) ? "NA" : String(250 + 10 * Double(day) + Double(subject * 3 + day % 4))
                lines.append("\"\(row)\",\(reaction),\(day),\"\(300 + subject)\"")
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("s.csv"), atomically: true, encoding: .utf8)
    }

    @Test func fitDropsNARowsSaysSoAndRecordsIt() throws {
        let dir = try makeTemporaryDirectory()
        try Self.rStyleFile(in: dir)
        let fit = try runCLI(["fit", "--data", "s.csv", "--task", "Subject", "--target", "Reaction", "--output", "p.json"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("read as a row index and ignored"), "\(fit.stderr)")
        #expect(fit.stderr.contains("note: 2 rows of s.csv with a missing value (empty or NA) in a used column were left out, the first on line 8"), "\(fit.stderr)")
        let prior = try String(contentsOf: dir.appendingPathComponent("p.json"), encoding: .utf8)
        #expect(prior.contains("\"rows_omitted\" : 2"))
        #expect(prior.contains("\"observations\" : 58"))
        #expect(prior.contains("\"Days\""))
    }

    @Test func naActionFailRefusesTheFirst() throws {
        let dir = try makeTemporaryDirectory()
        try Self.rStyleFile(in: dir)
        let fit = try runCLI(["fit", "--data", "s.csv", "--task", "Subject", "--target", "Reaction", "--na-action", "fail", "--output", "p.json"], in: dir)
        #expect(fit.status != 0)
        #expect(fit.stderr.contains("s.csv:8: column 'Reaction': 'NA' is not a number"), "\(fit.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("p.json").path))
        let bad = try runCLI(["fit", "--data", "s.csv", "--na-action", "drop"], in: dir)
        #expect(bad.status != 0 && bad.stderr.contains("--na-action must be omit or fail"), "\(bad.stderr)")
    }
}
