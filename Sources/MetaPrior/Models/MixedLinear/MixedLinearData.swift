// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// A formula's data made ready for ``MixedModelFit``: the shared and task-specific designs
/// (fixed from the meta-train data, so new tasks are coded alike) and every task's cross
/// products.
public struct MixedLinearData: Sendable {
    /// The shared (fixed-effect) design: columns of F.
    public let shared: FormulaDesign
    /// The task-specific (random-effect) design: columns of X.
    public let taskSpecific: FormulaDesign
    /// Whether Σ is diagonal (`||`).
    public let uncorrelated: Bool
    /// Task identifiers, in order of first appearance.
    public let taskIDs: [String]
    /// Per task, its statistics.
    public let tasks: [MixedTaskStatistics]

    /// Builds both designs on the whole frame and each task's statistics; a `basis(x)` term
    /// gets the features of `basis`, placed on the meta-train values of x.
    /// - Throws: ``InputError`` from the designs (a factor with one level where contrasts need
    ///   two, a power of a text column) or from the basis (a text column, too few values).
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
        let shared = try FormulaDesign(frame.formula.shared, columns: frame.columns, basis: map)
        let specific = try FormulaDesign(specificList, columns: frame.columns, basis: map)
        let p = shared.columnNames.count, q = specific.columnNames.count
        // Both designs once over every row, then each task's rows gathered from them: coding
        // the columns task by task built a dictionary and a dozen small arrays per task.
        let n = frame.response.count
        let f = try shared.rows(frame.columns, count: n), x = try specific.rows(frame.columns, count: n)
        tasks = frame.rowsOfTask.map { rows in
            var taskF = [Double](), taskX = [Double](), y = [Double]()
            taskF.reserveCapacity(rows.count * p); taskX.reserveCapacity(rows.count * q); y.reserveCapacity(rows.count)
            for row in rows {
                taskF += f[(row * p)..<((row + 1) * p)]
                taskX += x[(row * q)..<((row + 1) * q)]
                y.append(frame.response[row])
            }
            return MixedTaskStatistics(shared: taskF, p: p, specific: taskX, q: q, targets: y)
        }
        self.shared = shared
        taskSpecific = specific
        uncorrelated = frame.formula.uncorrelated
        taskIDs = frame.taskIDs
    }
}
