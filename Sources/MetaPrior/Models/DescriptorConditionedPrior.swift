// SPDX-License-Identifier: GPL-3.0-or-later

/// A prior whose mean may depend on task descriptors, μ_i = B z̃_i with z̃_i = (1, z_i)
/// (``DescriptorFit``): the linear-Gaussian prior (μ is the mean of φ) and the generalised
/// mixed priors (μ is β, the shared coefficients, whose task-specific entries are ν).
///
/// Such a prior is a family of priors, one per z. `adapt`, `predict` and `evaluate` condition
/// it on the new task's z through this one seam, so every family that fits B is adapted the
/// same way (``DescriptorInput``).
public protocol DescriptorConditionedPrior: TaskPrior {
    /// B̂ with its standard errors and the average meta-train descriptor, or `nil` when the
    /// prior was fitted without descriptors.
    var descriptors: DescriptorFit? { get }
    /// The prior of a task with descriptor `z` (in the order of the descriptor names), with no
    /// descriptors left.
    /// - Throws: ``InputError`` when the prior has no descriptors, or z has the wrong length or
    ///   a value that is not finite.
    func descriptorConditioned(on z: [Double]) throws -> any TaskPrior
    /// The prior at the average meta-train descriptor z̄, with the descriptors dropped: what
    /// `--no-descriptor` adapts with.
    var averageDescriptorPrior: any TaskPrior { get }
}

extension DescriptorConditionedPrior {
    /// Throws when the prior has descriptors: adapting it without a z would silently use the
    /// average task's mean.
    func refuseUnconditioned() throws {
        guard let descriptors else { return }
        throw InputError(column: "--descriptor", kind: .invalidValue,
                         "the prior's mean depends on the task descriptors \(InputError.list(Array(descriptors.columnNames.dropFirst()))); give the new task's values (--descriptor name=value,… or --descriptors file), or --no-descriptor for the prior at the average meta-train descriptor")
    }
}
