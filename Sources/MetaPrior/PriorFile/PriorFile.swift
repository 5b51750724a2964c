// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The prior file: a fitted prior with everything needed to use it on a new task and to know
/// how it was made. Versioned JSON with snake_case keys (documented in the README).
///
/// The file is one JSON object. The keys every family shares are the fields of this type; the
/// `model` key names the ``ModelFamily`` whose own keys (written by its ``TaskPrior``) sit
/// beside them, so a `linear_gaussian` file reads as it always has.
public struct PriorFile: Sendable, Equatable {
    /// The newest `format_version` this build reads and the one it writes.
    public static let currentFormatVersion = 1

    /// The file's `format_version`: ``currentFormatVersion`` when written; a file with a newer
    /// one is refused.
    public var formatVersion: Int = PriorFile.currentFormatVersion
    /// The version of metaprior that wrote the file.
    public var metapriorVersion: String = MetaPriorVersion.string
    /// θ, of the family the `model` key names.
    public var prior: any TaskPrior
    /// Name of the target column.
    public var target: String
    /// Name of the task column of the training data.
    public var taskColumn: String
    /// Σ_i w_i log p(D_i | θ) at the fit.
    public var logMarginalLikelihood: Double
    /// Number of meta-train tasks.
    public var tasks: Int
    /// Number of meta-train observations, Σ_i w_i n_i.
    public var observations: Int
    /// Iterations of the fit in all.
    public var iterations: Int
    /// Whether the fit met its convergence tolerance.
    public var converged: Bool
    /// Largest gradient entry at the fit.
    public var gradientNorm: Double
    /// How the prior was trained.
    public var training: TrainingConditions

    /// The family's `model` key.
    public var model: String { prior.model }
    /// Names of the input columns the prior reads.
    public var inputs: [String] { prior.inputs }
    /// Names of the task parameters, in order.
    public var features: [String] { prior.parameterNames }

    /// The file of a fit of `dataset`.
    public init(fit: FittedModel, dataset: MetaDataset, training: TrainingConditions) {
        self.init(fit: fit, target: dataset.targetName, taskColumn: dataset.taskColumn, training: training)
    }

    /// The file of a fit of data whose target and task columns are `target` and `taskColumn`
    /// (a formula's response and grouping column).
    public init(fit: FittedModel, target: String, taskColumn: String, training: TrainingConditions) {
        self.prior = fit.prior
        self.target = target
        self.taskColumn = taskColumn
        self.logMarginalLikelihood = fit.logMarginalLikelihood
        self.tasks = fit.tasks
        self.observations = fit.observations
        self.iterations = fit.iterations
        self.converged = fit.converged
        self.gradientNorm = fit.gradientNorm
        self.training = training
    }

    /// The prior as the family's concrete type.
    /// - Throws: ``InputError`` (column `model`) naming `file` when the file holds another family.
    public func prior<Prior: TaskPrior>(as type: Prior.Type, file: String = "prior") throws -> Prior {
        guard let prior = prior as? Prior else {
            throw InputError(file: file, column: "model", kind: .invalidValue, "is \(InputError.quoted(model)); this needs a \(String(describing: Prior.self))")
        }
        return prior
    }

    /// Whether two files hold the same prior (``TaskPrior/isEqual(to:)``) and the same record of
    /// its fit, field by field.
    public static func == (lhs: PriorFile, rhs: PriorFile) -> Bool {
        lhs.formatVersion == rhs.formatVersion && lhs.metapriorVersion == rhs.metapriorVersion && lhs.prior.isEqual(to: rhs.prior)
            && lhs.target == rhs.target && lhs.taskColumn == rhs.taskColumn && lhs.inputs == rhs.inputs
            && lhs.logMarginalLikelihood == rhs.logMarginalLikelihood && lhs.tasks == rhs.tasks
            && lhs.observations == rhs.observations && lhs.iterations == rhs.iterations && lhs.converged == rhs.converged
            && lhs.gradientNorm == rhs.gradientNorm && lhs.training == rhs.training
    }
}
