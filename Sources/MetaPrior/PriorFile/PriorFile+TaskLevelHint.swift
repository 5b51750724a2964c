// SPDX-License-Identifier: GPL-3.0-or-later

extension PriorFile {
    /// `error` with a hint added when it is one of the prior's input columns missing from a
    /// task's rows and the prior is a formula prior whose file was written before the fit
    /// recorded its task-level columns (``TaskLevelConditionedPrior/predatesTaskLevelRecord``):
    /// such a prior cannot take a column from `--descriptor`, `--descriptors` or
    /// `--no-descriptor`, however constant it was within the meta-train tasks, until it is
    /// refitted. Any other error is returned as it is: a prior that records its task-level
    /// columns, even as none, already said which columns a task may leave out.
    /// - Parameters:
    ///   - error: an error from reading a task's rows (or query rows) in the prior's columns.
    ///   - priorPath: the prior file as the user named it.
    public func explainingMissingColumn(_ error: InputError, priorPath: String) -> InputError {
        guard error.kind == .missingColumn, let column = error.column, inputs.contains(column),
              let formula = prior as? any TaskLevelConditionedPrior, formula.predatesTaskLevelRecord else { return error }
        var hinted = error
        hinted.message += ". \(priorPath) was written before metaprior recorded which of a formula's columns are task-level "
            + "(constant within every meta-train task), so every column of its formula must be on the rows: add \(InputError.quoted(column)), "
            + "or refit the prior with this metaprior, after which a task-level column may be given by --descriptor, "
            + "--descriptors or --no-descriptor instead"
        return hinted
    }
}
