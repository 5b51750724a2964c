// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// A fitted prior θ of some ``ModelFamily``: what the prior file stores, and what adapts to a
/// new task.
public protocol TaskPrior: Sendable {
    /// The ``ModelFamily/name`` of the family this prior belongs to (the prior file's `model`).
    var model: String { get }

    /// The input columns a task's data must have, in the order ``posterior(inputs:targets:)``
    /// expects them.
    var inputs: [String] { get }

    /// The inputs that hold text (factors), with their levels in order: a new task's cell of
    /// such a column names a level, and reaches ``posterior(inputs:targets:)`` as the level's
    /// position (0, 1, …). Empty when every input is a number (the default).
    var inputLevels: [String: [String]] { get }

    /// Comments for the top of a sample CSV (`# key: value`, in order) that say what φ stands
    /// for and what the prior holds fixed, beyond the parameter names. Empty by default.
    var sampleComments: [(String, String)] { get }

    /// Names of the task parameters φ, in order (`phi.1` is the first).
    var parameterNames: [String] { get }

    /// A short description of the features, for reports (`linear`, `rbf:10`).
    var featureDescription: String { get }

    /// The posterior p(φ | D, θ) of a task with these `inputs` (one row per observation, the
    /// columns of ``inputs``) and `targets`. No rows at all gives the prior itself.
    func posterior(inputs: Matrix, targets: [Double]) throws -> any TaskPosterior

    /// ``posterior(inputs:targets:)`` represented as `sampling` asks (MCMC or the Laplace
    /// approximation, chains, seed), for a family without a closed-form posterior. The default
    /// ignores `sampling`: an exact posterior needs no choice.
    func posterior(inputs: Matrix, targets: [Double], sampling: PosteriorSampling) throws -> any TaskPosterior

    /// Lines that describe θ for a person, for the report of a fit.
    func reportLines() -> [String]

    /// Writes the family's keys into the prior file's top-level object.
    func encode(to encoder: any Encoder) throws

    /// Whether `other` is the same prior (same family and equal θ).
    func isEqual(to other: any TaskPrior) -> Bool
}

extension TaskPrior {
    /// No text inputs.
    public var inputLevels: [String: [String]] { [:] }

    /// No comments beyond the parameter names.
    public var sampleComments: [(String, String)] { [] }

    /// The exact posterior, whatever `sampling` asks.
    public func posterior(inputs: Matrix, targets: [Double], sampling: PosteriorSampling) throws -> any TaskPosterior {
        try posterior(inputs: inputs, targets: targets)
    }

    /// The prior as a posterior with no data.
    public var asPosterior: any TaskPosterior {
        get throws { try posterior(inputs: Matrix(rows: 0, columns: inputs.count), targets: []) }
    }
}
