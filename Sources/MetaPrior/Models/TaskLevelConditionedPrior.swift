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
    /// The task-level columns with their meta-train averages, or `nil` when the prior was
    /// fitted without any (or read from a file written before they were recorded).
    var taskLevel: TaskLevelColumns? { get }
}
