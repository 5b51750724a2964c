// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// From a CSV file and a formula to lme4's numbers: Orthodont read with its text column Sex
/// (treatment contrasts: SexMale), the same references as ``MixedModelFitTests``
/// (lme4 1.1, tight bobyqa; the calls are quoted there).
@Suite("Formula fits from CSV")
struct FormulaFitTests {
    @Test func orthodontFromItsCSV() throws {
        let formula = try ModelFormula(parsing: "distance ~ age + Sex + (age | Subject)")
        let frame = try FormulaFrame.parse(csv: Array(Orthodont.csv.utf8), name: "orthodont.csv", formula: formula)
        #expect(frame.taskIDs.count == 27 && frame.omittedRows == 0)
        let data = try MixedLinearData(frame)
        #expect(data.shared.columnNames == ["(Intercept)", "age", "SexMale"])
        #expect(data.taskSpecific.columnNames == ["(Intercept)", "age"])
        let ml = try MixedModelFit(tasks: data.tasks, reml: false, diagonal: data.uncorrelated)
        #expect(ml.logLikelihood >= -216.417580482 - 1e-9 * 216.4)
        for (b, r) in zip(ml.beta, [15.489710143913, 0.660185185185, 2.145489132146]) { #expect(MixedModelFitTests.close(b, r)) }
        let reml = try MixedModelFit(tasks: data.tasks, reml: true, diagonal: data.uncorrelated)
        #expect(reml.criterion <= 435.233857445 * (1 + 1e-9))
        for (s, r) in zip(reml.betaStandardErrors, [0.944286594, 0.071253269, 0.757453606]) { #expect(MixedModelFitTests.close(s, r)) }
        // The flat ML and REML likelihoods, where BFGS alone stops short: both fits meet the
        // stated criterion, and, checked without the gradient code, no step of ±1e-4 along any
        // entry of θ lowers the criterion (a minimum to within the step's second-order change).
        for fit in [ml, reml] {
            #expect(fit.converged && fit.stationarity <= 1e-7, "stationarity \(fit.stationarity)")
            let model = MixedDeviance(tasks: data.tasks, reml: fit.reml, diagonal: false)
            for j in fit.theta.indices {
                for h in [-1e-4, 1e-4] {
                    var moved = fit.theta
                    moved[j] += h
                    #expect(try #require(try model.profile(moved)).deviance >= fit.criterion - 1e-12 * fit.criterion)
                }
            }
        }
    }

    /// R's write.csv output with NA cells: the row names are ignored and the rows with NA in a
    /// used column dropped; NA in a column the formula does not use is harmless.
    @Test func rowNamesAndMissingValues() throws {
        let csv = "\"\",\"y\",\"x\",\"g\",\"unused\"\n\"1\",1,0,\"a\",NA\n\"2\",2,1,\"a\",1\n\"3\",NA,2,\"a\",1\n\"4\",3,0,\"b\",1\n\"5\",5,1,\"b\",1\n\"6\",4,NA,\"b\",1\n\"7\",6,2,\"c\",1\n\"8\",7,3,\"c\",1\n"
        let formula = try ModelFormula(parsing: "y ~ x + (1 | g)")
        let frame = try FormulaFrame.parse(csv: Array(csv.utf8), name: "r.csv", formula: formula)
        #expect(frame.omittedRows == 2)
        #expect(frame.rowsOfTask.map(\.count) == [2, 2, 2])
        #expect(frame.notes.count == 2 && frame.notes[1].contains("the first on line 4"), "\(frame.notes)")
        #expect(throws: InputError.self) {
            try FormulaFrame.parse(csv: Array(csv.utf8), name: "r.csv", formula: formula, missingValues: .fail)
        }
    }

    /// Columns are typed as R's read.csv types them: a column with one text cell is a factor
    /// whose levels keep their text ("01" is not 1); numbers are read straight from the bytes.
    @Test func columnsAreTypedAsReadCSVTypesThem() throws {
        let csv = "y,k,x,g\n1,01,0.5,t1\n2,2,1.5,t1\n3,a,2.5,\"t\"\"2\"\n4,2,NA,\"t\"\"2\"\n5,01,3.5,t3\n"
        let frame = try FormulaFrame.parse(csv: Array(csv.utf8), formula: try ModelFormula(parsing: "y ~ k + x + (1 | g)"))
        #expect(frame.columns["k"] == .text(["01", "2", "a", "01"]) && frame.columns["x"] == .numeric([0.5, 1.5, 2.5, 3.5]))
        #expect(frame.inputLevels == ["k": ["01", "2", "a"]] && frame.taskIDs == ["t1", "t\"2", "t3"] && frame.rowsOfTask == [[0, 1], [2], [3]])
        #expect(frame.response == [1, 2, 3, 5] && frame.omittedRows == 1)
        #expect { try FormulaFrame.parse(csv: Array(csv.utf8), formula: try ModelFormula(parsing: "y ~ k + x + (1 | g)"), missingValues: .fail) } throws: { error in
            (error as? InputError).map { $0.line == 5 && $0.column == "x" && $0.message.contains("'NA'") } ?? false
        }
    }

    @Test func badColumnsAreNamed() throws {
        let csv = "y,x,g\n1,a,t\n2,b,t\n"
        #expect(throws: InputError.self) { try FormulaFrame.parse(csv: Array(csv.utf8), formula: try ModelFormula(parsing: "y ~ z + (1 | g)")) }
        #expect(throws: InputError.self) { try FormulaFrame.parse(csv: Array(csv.utf8), formula: try ModelFormula(parsing: "x ~ 1 + (1 | g)")) }
        #expect(throws: InputError.self) { try FormulaFrame.parse(csv: Array(csv.utf8), formula: try ModelFormula(parsing: "y ~ x")) }
    }
}
