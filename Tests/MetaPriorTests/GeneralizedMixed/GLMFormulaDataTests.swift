// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// Formula data for the GLMM: `cbind(…)` responses read from CSV, and their refusals.
@Suite("GLMM data from a formula")
struct GLMFormulaDataTests {
    /// cbpp as `write.csv(lme4::cbpp, row.names = FALSE)` writes it, with the periods 1–4
    /// written as the text a–d: read back, R's read.csv (and this reader) would take "1"–"4" as
    /// numbers, where lme4's data frame has a factor.
    static var cbppCSV: String {
        "\"herd\",\"incidence\",\"size\",\"period\"\n" + LaplaceFitTests.rows.map {
            "\"\($0.herd)\",\(Int($0.incidence)),\(Int($0.size)),\"\(["a", "b", "c", "d"][$0.period - 1])\""
        }.joined(separator: "\n") + "\n"
    }

    /// The formula path (`cbind(incidence, size - incidence) ~ period + (1 | herd)` on the CSV,
    /// period read as a factor with treatment contrasts) gives the same fit as the tasks built
    /// by hand in ``LaplaceFitTests``, bit for bit.
    @Test func cbppThroughTheFormulaEqualsTheDirectFit() throws {
        let formula = try ModelFormula(parsing: "cbind(incidence, size - incidence) ~ period + (1 | herd)")
        let frame = try FormulaFrame.parse(csv: Array(Self.cbppCSV.utf8), name: "cbpp.csv", formula: formula)
        let data = try GeneralizedMixedData(frame, family: .binomial)
        #expect(data.designs.shared.columnNames == ["(Intercept)", "periodb", "periodc", "periodd"])
        let viaFormula = try GeneralizedMixedFit(tasks: data.tasks, family: .binomial)
        let direct = try GeneralizedMixedFit(tasks: LaplaceFitTests.cbppTasks(), family: .binomial)
        #expect(viaFormula.logLikelihood == direct.logLikelihood && viaFormula.beta == direct.beta && viaFormula.theta == direct.theta)
    }

    /// `cbind(s, f)` (failures) and `cbind(s, n - s)` (trials) give the same tasks.
    @Test func failuresAndTrialsAgree() throws {
        let csv = "g,s,f,n,x\na,1,2,3,0.5\na,0,4,4,1.5\nb,2,0,2,-1\n"
        func sizes(_ text: String) throws -> [[Double]] {
            let frame = try FormulaFrame.parse(csv: Array(csv.utf8), formula: try ModelFormula(parsing: text))
            return try GeneralizedMixedData(frame, family: .binomial).tasks.map(\.size)
        }
        #expect(try sizes("cbind(s, f) ~ x + (1 | g)") == [[3, 4], [2]])
        #expect(try sizes("cbind(s, n - s) ~ x + (1 | g)") == [[3, 4], [2]])
    }

    /// Each bad response is refused with the column (and, from the file, the line) named.
    @Test(arguments: [
        ("g,s,n,x\na,3,2,1\n", "cbind(s, n - s) ~ x + (1 | g)", ResponseFamily.binomial, "fewer than the successes"),
        ("g,s,n,x\na,-1,2,1\n", "cbind(s, n - s) ~ x + (1 | g)", .binomial, "whole number ≥ 0"),
        ("g,s,n,x\na,1.5,2,1\n", "cbind(s, n - s) ~ x + (1 | g)", .binomial, "whole number ≥ 0"),
        ("g,s,n,x\na,1,two,1\n", "cbind(s, n - s) ~ x + (1 | g)", .binomial, "must be a number"),
        ("g,y,x\na,2,1\n", "y ~ x + (1 | g)", .binomial, "must be 0 or 1"),
        ("g,y,x\na,-2,1\n", "y ~ x + (1 | g)", .poisson, "whole number ≥ 0"),
        ("g,y,x\na,0.5,1\n", "y ~ x + (1 | g)", .poisson, "whole number ≥ 0"),
        ("g,s,n,x\na,1,2,1\n", "cbind(s, n - s) ~ x + (1 | g)", .poisson, "binomial response"),
    ])
    func badResponsesAreRefused(csv: String, formula: String, family: ResponseFamily, fragment: String) throws {
        do {
            let frame = try FormulaFrame.parse(csv: Array(csv.utf8), name: "bad.csv", formula: try ModelFormula(parsing: formula))
            _ = try GeneralizedMixedData(frame, family: family)
            Issue.record("accepted: \(csv)")
        } catch let error as InputError {
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    /// The linear mixed family refuses a binomial response instead of fitting successes as numbers.
    @Test func linearMixedRefusesCbind() throws {
        let frame = try FormulaFrame.parse(csv: Array(Self.cbppCSV.utf8), formula: try ModelFormula(parsing: "cbind(incidence, size - incidence) ~ period + (1 | herd)"))
        #expect(throws: InputError.self) { _ = try LinearMixedFamily.fit(frame, request: FitRequest()) }
    }
}
