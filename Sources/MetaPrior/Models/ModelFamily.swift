// SPDX-License-Identifier: GPL-3.0-or-later

/// A model family: one kind of task likelihood with a prior over task parameters, plugged into
/// `fit`, `adapt`, `predict`, `evaluate`, the sample CSV and the demo through one seam.
///
/// Every family follows the same pipeline (DESIGN.md §2b):
///
///     data → per-task summaries → fit θ → posterior of a new task
///
/// - What a task's data must hold, and the per-task summaries (sufficient statistics where
///   they exist), are the family's own business inside ``fit(_:request:)``: it is handed the
///   meta-train tasks and throws an ``InputError`` naming the column when they do not suit it.
/// - ``fit(_:request:)`` chooses θ (empirical Bayes, the episodic objective, …) and returns it
///   as a ``TaskPrior`` with the optimiser's account in ``FittedModel``.
/// - The ``TaskPrior`` adapts to a new task: ``TaskPrior/posterior(inputs:targets:)`` gives a
///   ``TaskPosterior`` with draws, log density, a summary and the predictive.
/// - A prior file's `model` key names the family; ``decodePrior(from:)`` reads the family's
///   own keys back from it.
///
/// A new family is a folder under `Models/` with a type conforming to this protocol, plus one
/// line in ``ModelRegistry`` (or a call to ``ModelRegistry/register(_:)``); the CLI does not
/// change. See <doc:AddingAModel>.
public protocol ModelFamily {
    /// The prior file's `model` key for this family, in snake_case (`linear_gaussian`).
    static var name: String { get }

    /// One line for help texts: the model in symbols.
    static var summary: String { get }

    /// Meta-training: fits θ to the tasks of `dataset`.
    /// - Throws: ``InputError`` when the data do not suit the family (naming the column), or
    ///   the fit cannot start.
    static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel

    /// Reads this family's θ from a prior file. `decoder` is positioned at the file's top-level
    /// object; the family reads its own keys (the common keys of ``PriorFile`` are also there).
    /// - Throws: `DecodingError` for a missing or mistyped key, ``InputError`` for values that
    ///   do not make a valid prior (sizes, symmetry, definiteness).
    static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior

    /// The ``FitSetting``s this family honours; a request that sets any other is refused
    /// before ``fit(_:request:)`` runs. The default is every setting, so a family registered
    /// from outside keeps its own checks.
    static var honouredSettings: Set<FitSetting> { get }

    /// Why this family cannot honour `setting`, for the refusal (`nil`: no more to say than
    /// the settings it takes).
    static func whyNot(_ setting: FitSetting) -> String?
}

extension ModelFamily {
    /// Every setting: a family that does not declare its own checks them itself.
    public static var honouredSettings: Set<FitSetting> { Set(FitSetting.allCases) }

    /// Nothing more to say.
    public static func whyNot(_ setting: FitSetting) -> String? { nil }
}
