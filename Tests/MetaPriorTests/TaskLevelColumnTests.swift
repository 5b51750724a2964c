// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import MetaPrior

/// A column constant within every task (a task-level covariate) picked up by the default
/// features is named in a warning; within-task covariates are not.
@Suite("Task-level columns")
struct TaskLevelColumnTests {
    /// The sleep study with a task-level column `cohort` (1 for subjects 308–335, 2 after).
    static func data(withCohort: Bool) throws -> MetaDataset {
        var lines = EmbeddedData.sleepStudyCSV.split(separator: "\n").map(String.init)
        if withCohort {
            lines[0] += ",cohort"
            for i in 1..<lines.count {
                let subject = Int(lines[i].split(separator: ",")[2])!
                lines[i] += subject <= 335 ? ",1" : ",2"
            }
        }
        return try MetaDataset.parse(csv: Array(lines.joined(separator: "\n").utf8), name: "sleep.csv",
                                     options: CSVReadOptions(taskColumn: "Subject", targetColumn: "Reaction"))
    }

    @Test func taskLevelColumnIsWarnedAbout() throws {
        let data = try Self.data(withCohort: true)
        #expect(data.taskLevelInputColumns == ["cohort"])
        let outcome = try PriorTraining.train(data, request: FitRequest(), source: .init(file: "sleep.csv", digest: nil))
        #expect(outcome.fit.notes.contains { $0.contains("'cohort' is constant within every task") }, "\(outcome.fit.notes)")
    }

    @Test func withinTaskColumnsAreNot() throws {
        let data = try Self.data(withCohort: false)
        #expect(data.taskLevelInputColumns.isEmpty)
        let outcome = try PriorTraining.train(data, request: FitRequest(), source: .init(file: "sleep.csv", digest: nil))
        #expect(!outcome.fit.notes.contains { $0.contains("constant within every task") })
    }
}
