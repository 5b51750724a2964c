// SPDX-License-Identifier: GPL-3.0-or-later

/// The feature rows Φ_i (n_i×d) and targets y_i of the tasks with fewer points than features
/// (0 < n_i < d), kept next to their statistics for the thin (Woodbury) form of the profiled
/// likelihood: there an n_i×n_i factorisation replaces the r×r one (``ProfiledLikelihood``).
///
/// Only those tasks are kept, so a fit whose tasks all have at least d points stores nothing;
/// for the others Φ_i takes n_i·d numbers against the d² of A_i.
struct TaskRows: Sendable {
    /// For each task, the index of its first row in ``design`` (rows of d), or −1 if not kept.
    var offsets: [Int]
    /// The kept Φ_i, row-major, task after task (rows·d).
    var design: [Double]
    /// The kept y_i, task after task (rows).
    var targets: [Double]

    /// Empty storage for tasks of sizes `counts` and slots for every task with 0 < n < d.
    init(counts: [Int], dimension d: Int) {
        var offsets = [Int](repeating: -1, count: counts.count)
        var rows = 0
        for (t, n) in counts.enumerated() where n > 0 && n < d {
            offsets[t] = rows
            rows += n
        }
        self.offsets = offsets
        design = [Double](repeating: 0, count: rows * d)
        targets = [Double](repeating: 0, count: rows)
    }

    /// Whether task `t`'s rows are kept.
    func isKept(_ t: Int) -> Bool { offsets[t] >= 0 }
}
