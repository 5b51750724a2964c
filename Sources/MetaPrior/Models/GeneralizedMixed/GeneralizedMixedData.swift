// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// A formula's data made ready for ``GeneralizedMixedFit``: the two designs and each task's rows
/// as a ``GeneralizedTask``.
public struct GeneralizedMixedData: Sendable {
    /// The shared and task-specific designs.
    public let designs: FormulaDesigns
    /// Task identifiers, in order of first appearance.
    public let taskIDs: [String]
    /// Per task, its data.
    public let tasks: [GeneralizedTask]

    /// The tasks of `frame` for `family`. A binomial family takes a `cbind(…)` response, or a
    /// 0/1 response (Bernoulli: one trial per row); a Poisson family a whole-number count, with
    /// the log of the frame's exposure (when it has one) as each row's offset.
    /// - Throws: ``InputError`` naming the response when it does not suit the family (a `cbind`
    ///   response for a Poisson family, a value that is not 0 or 1 for a Bernoulli one, a
    ///   negative or fractional count), or from the designs.
    public init(_ frame: FormulaFrame, family: ResponseFamily, basis spec: BasisSpec = .linear) throws {
        let formula = frame.formula
        if family == .binomial, frame.exposure != nil {
            throw InputError(column: "--exposure", kind: .invalidValue, "an exposure is the offset of a Poisson model; a binomial response counts its trials with cbind(successes, trials - successes)")
        }
        if family == .poisson, formula.binomialTrials != nil {
            throw InputError(column: "--formula", kind: .invalidValue, "\(formula.responseDescription) is a binomial response; a Poisson model takes one column of counts")
        }
        for (row, y) in frame.response.enumerated() {
            let bad: String?
            switch (family, frame.trials) {
            case (.binomial, nil): bad = y == 0 || y == 1 ? nil : "a binary response must be 0 or 1 (for successes out of trials write cbind(successes, trials - successes)), not \(y)"
            case (.binomial, _): bad = nil  // checked with its trials by the frame
            case (.poisson, _): bad = y >= 0 && y == y.rounded() ? nil : "a count must be a whole number ≥ 0, not \(y)"
            }
            if let bad {
                throw InputError(line: frame.lines[row], column: formula.response, kind: .invalidValue, bad)
            }
        }
        let designs = try FormulaDesigns(frame, basis: spec)
        let p = designs.shared.columnNames.count, q = designs.taskSpecific.columnNames.count
        self.designs = designs
        tasks = try frame.rowsOfTask.map { rows in
            let (f, x) = designs.gather(rows)
            return try GeneralizedTask(family: family, shared: f, p: p, specific: x, q: q, response: rows.map { frame.response[$0] },
                                       size: frame.trials.map { trials in rows.map { trials[$0] } },
                                       offset: frame.exposure.map { exposure in rows.map { log(exposure[$0]) } })
        }
        taskIDs = frame.taskIDs
    }
}
