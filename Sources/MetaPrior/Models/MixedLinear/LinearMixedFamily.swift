// SPDX-License-Identifier: GPL-3.0-or-later

/// The linear mixed model of an lme4 formula: shared coefficients β for every task and
/// task-specific coefficients φ_i ~ N(ν, Σ), y = Fβ + Xφ_i + ε, ε ~ N(0, σ²); fitted as lme4's
/// `lmer` fits it (``MixedModelFit``: β profiled out by generalised least squares, ML or REML),
/// with the exact posterior of a new task's φ (``LinearMixedPrior``).
public enum LinearMixedFamily: FormulaModelFamily {
    /// `linear_mixed`.
    public static let name = "linear_mixed"
    /// The model in symbols, for `fit --help`.
    public static let summary = "y = Fβ + Xφ + ε, φ ~ N(ν, Σ): shared β and task-specific φ from --formula, as lme4's lmer"
    /// A basis (through `basis(x)`), a diagonal Σ, REML and a time limit.
    public static let honouredSettings: Set<FitSetting> = [.basis, .covarianceStructure, .reml, .timeLimit]

    /// Why a setting does not apply to the linear mixed model.
    public static func whyNot(_ setting: FitSetting) -> String? {
        switch setting {
        case .episodicObjective: "a formula is fitted by its likelihood (ML or --reml), as lme4 fits it; the episodic objective is for --features/--basis fits"
        case .quadraturePoints: "quadrature points are for the binomial and poisson models (--model); the linear mixed model's likelihood is exact"
        case .gradientTolerance, .maximumIterations: "its optimiser runs to the criterion the report states"
        default: nil
        }
    }

    /// Refused: this family reads its data through a formula.
    public static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        throw InputError(column: "--formula", kind: .invalidValue,
                         "the \(name) model needs a formula (--formula 'y ~ x + (x | task)') to say which terms are shared and which task-specific")
    }

    /// Reads a ``LinearMixedPrior`` from the prior file's keys, validating it.
    public static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior {
        try LinearMixedPrior(from: decoder)
    }

    /// Fits the formula's model by ML, or by REML when `request.reml`.
    /// - Throws: ``InputError`` for settings the model does not honour (``honouredSettings``),
    ///   a basis without a `basis(x)` term or one chosen by evidence, an isotropic Σ), a formula without a task-specific part, or data that cannot
    ///   fit it (collinear shared terms, too few observations).
    public static func fit(_ frame: FormulaFrame, request: FitRequest) throws -> FittedModel {
        guard frame.formula.binomialTrials == nil else {
            throw InputError(column: "--formula", kind: .invalidValue, "\(frame.formula.responseDescription) is a binomial response (successes out of trials); fit it with --model binomial (the linear mixed model needs one numeric response column)")
        }
        try request.refuseSettings(unhonouredBy: self, weighted: false)
        guard frame.exposure == nil else {
            throw InputError(column: "--exposure", kind: .invalidValue, "an exposure is for the poisson model (--model); the linear mixed model has no offset")
        }
        if frame.formula.basisColumn == nil, request.basis != .linear {
            throw InputError(column: "--basis", kind: .invalidValue, "a formula names its own terms: write basis(x) where the basis's features of the column x belong, as in 'y ~ basis(x) + (basis(x) | task)'")
        }
        switch request.basis {
        case .learned, .automatic, .pca:
            throw InputError(column: "--basis", kind: .invalidValue, "a formula's basis(x) takes a fixed basis (rbf:K[:width], fourier:K[:period], poly:P, rff:K:lengthscale); \(request.basis) is chosen by evidence only without --formula")
        default: break
        }
        guard request.options.structure != .isotropic else {
            throw InputError(column: "--covariance", kind: .invalidValue, "a formula's task-specific terms have a full Σ, or a diagonal one written (x || task) or --covariance diagonal; isotropic is not available")
        }
        let data = try MixedLinearData(frame, basis: request.basis)
        let diagonal = frame.formula.uncorrelated || request.options.structure == .diagonal
        let fit = try MixedModelFit(tasks: data.tasks, reml: request.reml, diagonal: diagonal, deadline: request.options.deadline)
        var formula = frame.formula
        if diagonal { formula.uncorrelated = true }
        let prior = try LinearMixedPrior(data: data, formula: formula, inputLevels: frame.inputLevels, fit: fit,
                                         taskLevel: TaskLevelColumns(frame))
        let what = fit.reml ? "REML criterion (lme4's REMLcrit), minimised" : "deviance −2 log L (lme4's deviance), minimised"
        let stage = FitStage(stage: fit.reml ? "reml" : "ml", objective: what,
                             method: "BFGS (then Newton where BFGS stalls) on the relative covariance factor Λ (Σ = σ²ΛΛᵀ\(diagonal ? ", diagonal" : "")), β and σ² profiled out by generalised least squares; iterations count evaluations of the criterion",
                             iterations: fit.evaluations, value: fit.criterion,
                             ending: fit.converged ? .converged : fit.stoppedAtDeadline ? .timeLimit : .stalled,
                             criterion: fit.stationarity, criterionName: "largest |∂criterion/∂Λ| relative to the criterion", tolerance: 1e-7,
                             rank: nil)
        var notes = frame.notes
        if fit.stoppedAtDeadline {
            notes.append("warning: the fit stopped at the time limit; the prior file holds the best point reached")
        } else if !fit.converged {
            notes.append("warning: the fit did not reach the tolerance; check the formula for terms the data cannot identify")
        }
        var model = FittedModel(prior: prior, logMarginalLikelihood: fit.logLikelihood, iterations: fit.evaluations,
                                gradientNorm: fit.stationarity, converged: fit.converged, tasks: data.tasks.count,
                                observations: frame.response.count,
                                account: "result: \(stage.ending.phrase) (the \(fit.reml ? "REML" : "ML") fit)",
                                notes: notes)
        model.stages = [stage]
        model.stoppedAtTimeLimit = fit.stoppedAtDeadline
        return model
    }
}
