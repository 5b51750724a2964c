// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// A formula's two designs on its frame — shared (fixed-effect) columns F and task-specific
/// (random-effect) columns X — fixed from the meta-train data so that new tasks are coded alike,
/// with their values on every kept row. Every formula family builds its per-task data from these.
public struct FormulaDesigns: Sendable {
    /// The shared design: columns of F.
    public let shared: FormulaDesign
    /// The task-specific design: columns of X.
    public let taskSpecific: FormulaDesign
    /// F on every kept row, row-major (rows × p).
    public let sharedRows: [Double]
    /// X on every kept row, row-major (rows × q).
    public let specificRows: [Double]

    /// Builds both designs on the whole frame; a `basis(x)` term gets the features of `basis`,
    /// placed on the meta-train values of x.
    /// - Throws: ``InputError`` for a formula with no task-specific part, from the designs (a
    ///   factor with one level where contrasts need two, a power of a text column) or from the
    ///   basis (a text column, too few values).
    public init(_ frame: FormulaFrame, basis spec: BasisSpec = .linear) throws {
        guard let specificList = frame.formula.taskSpecific else {
            throw InputError(column: "--formula", kind: .invalidValue, "the formula has no task-specific part; add one, such as (1 | task)")
        }
        var map: FeatureMap?
        if let column = frame.formula.basisColumn {
            guard case .numeric(let values)? = frame.columns[column] else {
                throw InputError(column: column, kind: .invalidValue, "basis(\(column)) needs a numeric column, but \(InputError.quoted(column)) holds text")
            }
            map = try FeatureMap(spec: spec, inputNames: [column], trainingInputs: [try Matrix(rows: values.count, columns: 1, elements: values)])
        }
        shared = try FormulaDesign(frame.formula.shared, columns: frame.columns, basis: map)
        taskSpecific = try FormulaDesign(specificList, columns: frame.columns, basis: map)
        // Both designs once over every row; families gather each task's rows from them (coding
        // the columns task by task built a dictionary and a dozen small arrays per task).
        let n = frame.response.count
        sharedRows = try shared.rows(frame.columns, count: n)
        specificRows = try taskSpecific.rows(frame.columns, count: n)
    }

    /// The rows `rows` of F and of X, each row-major.
    public func gather(_ rows: [Int]) -> (shared: [Double], specific: [Double]) {
        let p = shared.columnNames.count, q = taskSpecific.columnNames.count
        var f = [Double](), x = [Double]()
        f.reserveCapacity(rows.count * p)
        x.reserveCapacity(rows.count * q)
        for row in rows {
            f += sharedRows[(row * p)..<((row + 1) * p)]
            x += specificRows[(row * q)..<((row + 1) * q)]
        }
        return (f, x)
    }
}
