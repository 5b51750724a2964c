// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The task-level design of a descriptor-conditioned prior mean, μ_i = B z̃_i.
///
/// z̃_i = (1, z_i) is the task's descriptor with an intercept first, so B = [μ₀ | B₁] is
/// d × p (p = q + 1 for q descriptor columns): μ₀ is the prior mean of a task whose
/// descriptors are all zero, and column k + 1 of B is the change in the prior mean per unit
/// of descriptor k. With no descriptor columns (q = 0) B is the single column μ and the model
/// is the unconditioned one.
public struct DescriptorDesign: Sendable, Equatable {
    /// Names of the q descriptor columns (without the intercept).
    public let names: [String]
    /// z̃_i = (1, z_i) for every task, row-major T × p.
    public let rows: [Double]

    /// p = q + 1: the columns of z̃ (intercept included).
    public var columns: Int { names.count + 1 }
    /// T: the number of tasks.
    public var taskCount: Int { rows.count / columns }

    /// A design from each task's descriptor z_i (in the order of `names`).
    /// - Throws: ``InputError`` when a task has no descriptor or one of the wrong length, a
    ///   value is not finite, or a column is constant across the tasks (then it cannot be told
    ///   apart from the intercept, and B is unidentifiable).
    public init(names: [String], descriptors: [[Double]?]) throws {
        let q = names.count
        var rows: [Double] = []
        rows.reserveCapacity(descriptors.count * (q + 1))
        for (t, z) in descriptors.enumerated() {
            guard let z, z.count == q else {
                throw InputError(column: "--descriptors", kind: .invalidValue, "task \(t + 1) has no descriptor with the \(q) columns \(InputError.list(names))")
            }
            if let k = z.firstIndex(where: { !$0.isFinite }) {
                throw InputError(column: names[k], kind: .invalidValue, "task \(t + 1): the descriptor is not a finite number")
            }
            rows.append(1)
            rows += z
        }
        for k in 0..<q {
            let first = rows[k + 1]
            if stride(from: k + 1, to: rows.count, by: q + 1).allSatisfy({ rows[$0] == first }) {
                throw InputError(column: names[k], kind: .invalidValue,
                                 "the descriptor is constant across the tasks, so its coefficients cannot be told apart from the prior mean (B is unidentifiable); leave it out with --descriptor-columns")
            }
        }
        self.names = names
        self.rows = rows
    }

    /// The task-weighted mean z̃̄ = Σ w z̃ / Σ w (its first entry is 1): the descriptor at which
    /// B z̃̄ is the prior mean of an average meta-train task.
    public func mean(weights: [Double]) -> [Double] {
        let p = columns
        var sum = [Double](repeating: 0, count: p)
        let total = weights.reduce(0, +)
        for t in 0..<taskCount { for k in 0..<p { sum[k] += weights[t] * rows[t * p + k] } }
        return sum.map { $0 / total }
    }
}

extension TaskStatistics {
    /// These statistics with the descriptor design of `dataset`'s tasks attached, so that
    /// ``PriorFit`` fits μ_i = B z̃_i instead of one μ.
    /// - Throws: ``InputError`` when the data set has no descriptors, or as
    ///   ``DescriptorDesign/init(names:descriptors:)`` does; also when the descriptors are
    ///   collinear with each other over the tasks (Σ w z̃z̃ᵀ singular).
    public func conditioned(on dataset: MetaDataset) throws -> TaskStatistics {
        guard !dataset.descriptorNames.isEmpty else {
            throw InputError(column: "--descriptors", kind: .invalidValue, "the data have no task descriptors to condition the prior mean on")
        }
        guard dataset.tasks.count == taskCount else {
            throw InputError("the descriptors cover \(dataset.tasks.count) tasks but the statistics \(taskCount)")
        }
        let design = try DescriptorDesign(names: dataset.descriptorNames, descriptors: dataset.tasks.map(\.descriptor))
        let p = design.columns
        var gram = Matrix(rows: p, columns: p)
        for t in 0..<taskCount { for k in 0..<p { for l in 0..<p { gram[k, l] += weights[t] * design.rows[t * p + k] * design.rows[t * p + l] } } }
        guard (try? Cholesky(gram)) != nil else {
            throw InputError(column: "--descriptors", kind: .invalidValue,
                             "the descriptor columns \(InputError.list(design.names)) are collinear over the tasks (with each other or the intercept), so B is unidentifiable; leave some out with --descriptor-columns")
        }
        var copy = self
        copy.descriptors = design
        return copy
    }
}
