// SPDX-License-Identifier: GPL-3.0-or-later

/// A formula prior whose shared terms may read task-level columns (constant within every
/// meta-train task): the formula analogue of ``DescriptorConditionedPrior``. In
/// `y ~ x * z + (x | task)` with z task-level, the shared terms z and x:z make the prior mean of
/// a task's coefficients depend on its z, as μ_i = B z̃_i does for `fit --descriptors`.
///
/// Such a prior is still adapted through its rows, with z on every row; what the protocol adds
/// is the record of which columns are task-level, so that `adapt`, `predict` (and the library's
/// ``Adaptation``) can take a new task's z from `--descriptor name=value,…`, a descriptors file,
/// or its rows (where it must then be constant), and under `--no-descriptor` stand the
/// meta-train average of a missing z in for it.
public protocol TaskLevelConditionedPrior: TaskPrior {
    /// What the fit recorded: the task-level columns with their meta-train averages
    /// (``TaskLevelColumns/empty`` when no column was task-level), or `nil` for a prior read
    /// from a file written before the fit recorded them.
    var taskLevelRecord: TaskLevelColumns? { get }
}

extension TaskLevelConditionedPrior {
    /// The task-level columns with their meta-train averages, or `nil` when the prior has none
    /// (or its file was written before they were recorded).
    public var taskLevel: TaskLevelColumns? {
        guard let taskLevelRecord, !taskLevelRecord.isEmpty else { return nil }
        return taskLevelRecord
    }

    /// Whether the prior's file was written before the fit recorded its task-level columns: a
    /// new task must then carry every column of the formula on its rows, and a refit would
    /// let it give a task-level one by `--descriptor` instead.
    public var predatesTaskLevelRecord: Bool { taskLevelRecord == nil }
}
