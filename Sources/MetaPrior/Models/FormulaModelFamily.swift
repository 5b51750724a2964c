// SPDX-License-Identifier: GPL-3.0-or-later

/// A ``ModelFamily`` whose data can be given by a model formula (`fit --formula`): shared terms
/// (θ^sh, estimated once for all tasks) and task-specific terms (θ^i, with the prior over them),
/// read from the columns the formula names — numeric, or text coded as factors.
///
/// The formula is the other way into the same seam: `fit --formula` hands the family a
/// ``FormulaFrame`` instead of a ``MetaDataset``; the prior it returns adapts, predicts and
/// exports like any other (its ``TaskPrior/inputs`` are the formula's columns, and a text
/// input is listed in ``TaskPrior/inputLevels``).
public protocol FormulaModelFamily: ModelFamily {
    /// Meta-training on the formula's data.
    /// - Throws: ``InputError`` when the formula or the data do not suit the family (naming
    ///   the formula's part or the column), or a request option it cannot honour.
    static func fit(_ frame: FormulaFrame, request: FitRequest) throws -> FittedModel
}
