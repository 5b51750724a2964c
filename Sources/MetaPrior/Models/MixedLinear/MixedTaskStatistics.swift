// SPDX-License-Identifier: GPL-3.0-or-later

/// One task's sufficient statistics for the linear mixed model
///
///     y_i = F_i β + X_i b_i + ε_i,   b_i ~ N(0, Σ),   ε_i ~ N(0, σ² I),
///
/// with F_i the shared (fixed-effect) design, p columns, and X_i the task-specific
/// (random-effect) design, q columns. The likelihood needs the data only through these cross
/// products (row-major), so they are accumulated once and every evaluation of the deviance
/// costs O(q³ + p q²) per task, whatever the task's size.
public struct MixedTaskStatistics: Sendable, Equatable {
    /// Shared columns p and task-specific columns q.
    public let p: Int, q: Int
    /// Observations n_i.
    public var count: Int
    /// FᵀF (p×p), FᵀX (p×q), XᵀX (q×q), Fᵀy (p), Xᵀy (q), yᵀy.
    public var ftf: [Double], ftx: [Double], xtx: [Double], fty: [Double], xty: [Double], yty: Double

    /// The statistics of a task's rows: `shared` is n×p and `specific` n×q, both row-major.
    public init(shared: [Double], p: Int, specific: [Double], q: Int, targets y: [Double]) {
        self.p = p
        self.q = q
        let n = y.count
        count = n
        ftf = [Double](repeating: 0, count: p * p)
        ftx = [Double](repeating: 0, count: p * q)
        xtx = [Double](repeating: 0, count: q * q)
        fty = [Double](repeating: 0, count: p)
        xty = [Double](repeating: 0, count: q)
        var yy = 0.0
        for i in 0..<n {
            let f = i * p, x = i * q
            for a in 0..<p {
                let fa = shared[f + a]
                for b in 0..<p { ftf[a * p + b] += fa * shared[f + b] }
                for b in 0..<q { ftx[a * q + b] += fa * specific[x + b] }
                fty[a] += fa * y[i]
            }
            for a in 0..<q {
                let xa = specific[x + a]
                for b in 0..<q { xtx[a * q + b] += xa * specific[x + b] }
                xty[a] += xa * y[i]
            }
            yy += y[i] * y[i]
        }
        yty = yy
    }
}
