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
        let designs = try FormulaDesigns(frame, basis: spec)
        let p = designs.shared.columnNames.count, q = designs.taskSpecific.columnNames.count
        tasks = frame.rowsOfTask.map { rows in
            let (taskF, taskX) = designs.gather(rows)
            return MixedTaskStatistics(shared: taskF, p: p, specific: taskX, q: q, targets: rows.map { frame.response[$0] })
        }
        shared = designs.shared
        taskSpecific = designs.taskSpecific
        uncorrelated = frame.formula.uncorrelated
        taskIDs = frame.taskIDs
    }
}
