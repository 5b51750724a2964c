// SPDX-License-Identifier: GPL-3.0-or-later

extension ModelFormula {
    /// The formula of the column form (`--target`, `--task`, `--features`, `--basis`) for a
    /// family that reads formulas: every feature both shared and task-specific, φ ~ N(μ, Σ)
    /// with μ the shared estimates — `y ~ x1 + x2 + (x1 + x2 | task)` for the linear basis, and
    /// `y ~ basis(x) + (basis(x) | task)` for another basis of one input (a formula's basis(x)
    /// takes one column).
    /// - Throws: ``InputError`` naming `--basis` for a non-linear basis of several inputs, or
    ///   `--features` for column names a formula cannot spell.
    public static func columnForm(target: String, task: String, inputs: [String], basis: BasisSpec) throws -> ModelFormula {
        let terms: String
        if basis == .linear {
            terms = inputs.isEmpty ? "1" : inputs.joined(separator: " + ")
        } else {
            guard inputs.count == 1 else {
                throw InputError(column: "--basis", kind: .invalidValue, "the column form of this model takes a basis of one input column, not \(inputs.count) (\(inputs.joined(separator: ", "))); choose one with --features, or write --formula")
            }
            terms = "basis(\(inputs[0]))"
        }
        let text = "\(target) ~ \(terms) + (\(terms) | \(task))"
        do {
            return try ModelFormula(parsing: text)
        } catch let error as InputError {
            throw InputError(column: "--features", kind: .invalidValue, "the columns cannot be written as the formula \(InputError.quoted(text)) (\(error.message)); write --formula with names it can read")
        }
    }
}
