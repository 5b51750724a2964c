// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import MetaPrior

/// Design columns against R's `model.matrix`. Reference: R 4.x,
///
///     d <- data.frame(age = c(8, 10, 12, 14, 9), Sex = c("Male", "Female", "Male", "Female", "Female"),
///                     arm = c("b", "a", "c", "a", "b"), stringsAsFactors = TRUE)
///     m <- model.matrix(as.formula(f), d); colnames(m); t(m)
///
/// for each formula f below; names and rows copied from its output.
@Suite("Formula design")
struct FormulaDesignTests {
    /// Computed, not a stored static: an enum with array payloads kept until exit looks leaked
    /// to LeakSanitizer (the enum packs its tag into the storage pointer's spare bits).
    static var columns: [String: FormulaColumn] {
        ["age": .numeric([8, 10, 12, 14, 9]),
         "Sex": .text(["Male", "Female", "Male", "Female", "Female"]),
         "arm": .text(["b", "a", "c", "a", "b"])]
    }

    @Test(arguments: [
        ("~ age + Sex", "(Intercept)|age|SexMale", [1, 8, 1, 1, 10, 0, 1, 12, 1, 1, 14, 0, 1, 9, 0]),
        ("~ 0 + Sex", "SexFemale|SexMale", [0, 1, 1, 0, 0, 1, 1, 0, 1, 0]),
        ("~ age*Sex", "(Intercept)|age|SexMale|age:SexMale", [1, 8, 1, 8, 1, 10, 0, 0, 1, 12, 1, 12, 1, 14, 0, 0, 1, 9, 0, 0]),
        ("~ age:Sex", "(Intercept)|age:SexFemale|age:SexMale", [1, 0, 8, 1, 10, 0, 1, 0, 12, 1, 14, 0, 1, 9, 0]),
        ("~ Sex:arm", "(Intercept)|SexFemale:arma|SexMale:arma|SexFemale:armb|SexMale:armb|SexFemale:armc|SexMale:armc",
         [1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]),
        ("~ Sex*arm", "(Intercept)|SexMale|armb|armc|SexMale:armb|SexMale:armc",
         [1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0]),
        ("~ 0 + age + I(age^2)", "age|I(age^2)", [8, 64, 10, 100, 12, 144, 14, 196, 9, 81]),
        ("~ arm + age:arm", "(Intercept)|armb|armc|arma:age|armb:age|armc:age",
         [1, 1, 0, 0, 8, 0, 1, 0, 0, 10, 0, 0, 1, 0, 1, 0, 0, 12, 1, 0, 0, 14, 0, 0, 1, 1, 0, 0, 9, 0]),
    ] as [(String, String, [Double])])
    func matchesModelMatrix(rhs: String, names: String, rows: [Double]) throws {
        let formula = try ModelFormula(parsing: "y " + rhs)
        let design = try FormulaDesign(formula.shared, columns: Self.columns)
        #expect(design.columnNames.joined(separator: "|") == names)
        #expect(try design.rows(Self.columns, count: 5) == rows)
    }

    @Test func unseenLevelOfANewTaskIsAnError() throws {
        let design = try FormulaDesign(try ModelFormula(parsing: "y ~ age + Sex").shared, columns: Self.columns)
        #expect(throws: InputError.self) { try design.rows(["age": .numeric([1]), "Sex": .text(["Other"])], count: 1) }
        #expect(throws: InputError.self) { try design.rows(["age": .numeric([1]), "Sex": .numeric([1])], count: 1) }
        #expect(throws: InputError.self) { try design.rows(["age": .numeric([1])], count: 1) }
    }

    @Test func unusableColumnsAreRefused() throws {
        #expect(throws: InputError.self) { try FormulaDesign(try ModelFormula(parsing: "y ~ weight").shared, columns: Self.columns) }
        #expect(throws: InputError.self) { try FormulaDesign(try ModelFormula(parsing: "y ~ I(Sex^2)").shared, columns: Self.columns) }
        let one: [String: FormulaColumn] = ["Sex": .text(["M", "M"])]
        #expect(throws: InputError.self) { try FormulaDesign(try ModelFormula(parsing: "y ~ Sex").shared, columns: one) }
        // Without an intercept a one-level factor is its indicator: allowed, as in R.
        #expect(try FormulaDesign(try ModelFormula(parsing: "y ~ 0 + Sex").shared, columns: one).columnNames == ["SexM"])
    }
}
