// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import MetaPrior

/// Reports read as English: "1 task parameter", "an isotropic prior".
@Suite("Report grammar")
struct ReportGrammarTests {
    @Test func countsAndArticles() {
        #expect(counted(1, "task parameter") == "1 task parameter")
        #expect(counted(2, "task parameter") == "2 task parameters")
        #expect(counted(0, "task") == "0 tasks")
        #expect(counted(1, "observation") == "1 observation")
        #expect(withArticle("isotropic") == "an isotropic")
        #expect(withArticle("full") == "a full")
        #expect(withArticle("diagonal") == "a diagonal")
    }

    /// An intercept-only isotropic fit on the sleep study (Reaction by Subject, no features):
    /// the headline names one task parameter and "an isotropic" prior.
    @Test func interceptOnlyIsotropicHeadline() throws {
        let data = try MetaDataset.parse(csv: Array(EmbeddedData.sleepStudyCSV.utf8), name: "sleepstudy.csv",
                                         options: CSVReadOptions(taskColumn: "Subject", targetColumn: "Reaction", featureColumns: []))
        var options = PriorFitOptions()
        options.structure = .isotropic
        let trained = try PriorTraining.train(data, request: FitRequest(basis: .linear, options: options),
                                              source: .init(file: "sleepstudy.csv", digest: nil))
        let lines = trained.report.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("fitted an isotropic Gaussian prior over 1 task parameter (basis linear)") }, "\(lines)")
        #expect(lines.contains("  from 18 tasks, 180 observations"), "\(lines)")
    }
}
