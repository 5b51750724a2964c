// SPDX-License-Identifier: GPL-3.0-or-later

extension MetaDataset {
    /// Input columns that are constant within every task but vary between tasks: task-level
    /// covariates (a subject's sex, a site's altitude). Tasks of a single row say nothing and
    /// are skipped; a column is listed only if at least one task has two rows or more.
    ///
    /// As a task-specific feature such a column is a random slope that no task can estimate:
    /// within a task it is a multiple of the intercept, so only its mean is identified, from
    /// the differences between tasks. It belongs in the shared part of a formula, or among the
    /// task descriptors.
    public var taskLevelInputColumns: [String] {
        var listed: [String] = []
        for (j, name) in inputNames.enumerated() {
            var informative = false
            var constantWithin = true
            var first: Double?
            var variesBetween = false
            for task in tasks where task.count > 0 {
                let value = task.inputs[0, j]
                if let first, first != value { variesBetween = true }
                if first == nil { first = value }
                guard task.count >= 2 else { continue }
                informative = true
                for i in 1..<task.count where task.inputs[i, j] != value {
                    constantWithin = false
                    break
                }
                if !constantWithin { break }
            }
            if informative && constantWithin && variesBetween { listed.append(name) }
        }
        return listed
    }
}
