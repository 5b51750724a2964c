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

/// Every task's ``MixedTaskStatistics`` in one flat array (FᵀF, FᵀX, XᵀX, Fᵀy, Xᵀy, yᵀy per
/// task, back to back), read through pointers by the deviance's loops: iterating the structs
/// retained and released their five arrays per task per evaluation, a quarter of a
/// 20,000-task fit's time.
struct MixedStatisticsTable: Sendable {
    let p: Int, q: Int
    /// Numbers per task.
    let stride: Int
    let count: Int
    private let values: [Double]

    init(_ tasks: [MixedTaskStatistics], p: Int, q: Int) {
        self.p = p
        self.q = q
        stride = p * p + p * q + q * q + p + q + 1
        count = tasks.count
        var values: [Double] = []
        values.reserveCapacity(tasks.count * stride)
        for t in tasks { values += t.ftf; values += t.ftx; values += t.xtx; values += t.fty; values += t.xty; values.append(t.yty) }
        self.values = values
    }

    /// One task's statistics in place.
    struct Task {
        let ftf: UnsafePointer<Double>, ftx: UnsafePointer<Double>, xtx: UnsafePointer<Double>
        let fty: UnsafePointer<Double>, xty: UnsafePointer<Double>, yty: Double
    }

    /// Calls `body` with a function that gives task i's statistics, valid inside `body`.
    func withTasks<R>(_ body: ((Int) -> Task) -> R) -> R {
        values.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!
            let (p, q, stride) = (p, q, stride)
            return body { i in
                let ftf = base + i * stride, ftx = ftf + p * p, xtx = ftx + p * q, fty = xtx + q * q, xty = fty + p
                return Task(ftf: ftf, ftx: ftx, xtx: xtx, fty: fty, xty: xty, yty: xty[q])
            }
        }
    }
}
