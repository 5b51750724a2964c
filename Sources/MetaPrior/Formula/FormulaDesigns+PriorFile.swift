// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension FormulaDesigns {
    /// The shared and task-specific designs of a formula model, rebuilt from what its prior file
    /// stores, and checked against it: every family fitted from a formula writes the canonical
    /// formula, each text input's levels, the basis of a `basis(x)` term and the coded term
    /// names, and reads them back through here, so a hand-edited file is refused the same way
    /// whatever the family.
    ///
    /// - Parameters:
    ///   - formula: the file's `formula`, parsed.
    ///   - levels: `input_levels`: each text column's levels, distinct and sorted as the fit
    ///     wrote them.
    ///   - basis: `basis`: present exactly when the formula has a `basis(…)` term, with that
    ///     term's column as its one input.
    ///   - sharedTerms: `shared_terms`, which must be the shared design's column names.
    ///   - features: `features`, which must be the task-specific design's column names.
    /// - Throws: ``InputError`` naming the key that does not fit.
    static func fromPriorFile(formula: ModelFormula, levels: [String: [String]], basis: FeatureMap?,
                              sharedTerms: [String], features: [String]) throws -> (shared: FormulaDesign, specific: FormulaDesign) {
        let inputs = formula.inputColumns
        for (name, values) in levels {
            guard inputs.contains(name) else {
                throw InputError(column: "input_levels", kind: .inconsistent, "names \(InputError.quoted(name)), which the formula does not use")
            }
            guard !values.isEmpty, values == Array(Set(values)).sorted(by: { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }) else {
                throw InputError(column: "input_levels", kind: .invalidValue, "the levels of \(InputError.quoted(name)) must be distinct and sorted, as the fit wrote them")
            }
        }
        var columns: [String: FormulaColumn] = [:]
        for name in inputs { columns[name] = levels[name].map(FormulaColumn.text) ?? .numeric([]) }
        guard (basis == nil) == (formula.basisColumn == nil), basis.map({ $0.inputNames == [formula.basisColumn ?? ""] }) ?? true else {
            throw InputError(column: "basis", kind: .inconsistent, "must be present, with the column of basis(…) as its one input, exactly when the formula has a basis(…) term")
        }
        let shared: FormulaDesign, specific: FormulaDesign
        do {
            shared = try FormulaDesign(formula.shared, columns: columns, basis: basis)
            specific = try FormulaDesign(formula.taskSpecific ?? TermList(intercept: true, terms: []), columns: columns, basis: basis)
        } catch var error as InputError {
            error.column = "formula"
            throw error
        }
        guard sharedTerms == shared.columnNames, features == specific.columnNames else {
            throw InputError(column: "formula", kind: .inconsistent, "codes to shared terms \(shared.columnNames) and task-specific terms \(specific.columnNames), but the file lists \(sharedTerms) and \(features); the file is inconsistent")
        }
        return (shared, specific)
    }

    /// A matrix stored as nested rows under `key` in a prior file, refusing ragged rows with the
    /// key named. An empty list is the 0 × 0 matrix (a formula with no shared term).
    /// - Throws: ``InputError`` naming `key`.
    static func matrix(_ rows: [[Double]], key: String) throws -> Matrix {
        guard !rows.isEmpty else { return Matrix(rows: 0, columns: 0) }
        do {
            return try Matrix(rows)
        } catch {
            throw InputError(column: key, kind: .invalidValue, "must be a square array of numbers (\(error))")
        }
    }
}
