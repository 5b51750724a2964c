// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// y_i ~ N(φ_i, s_i²) with s_i known, φ_i ~ N(μ, τ²): meta-analysis. The target column is the
/// estimate, the one input column (`--features`) its standard error.
public enum NormalNormalFamily: ModelFamily {
    /// `normal_normal`.
    public static let name = ConjugateKind.normalNormal.rawValue
    /// The model in symbols.
    public static let summary = "y ~ N(φ, s²) with s known (--features: the SE column), φ ~ N(μ, τ²); ML or --reml, --full-bayes"
    /// Fits θ (see ``ConjugateFit``).
    public static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        try request.refuseSettings(unhonouredBy: self, weighted: dataset.isWeighted)
        return try ConjugateFit.fit(.normalNormal, dataset, request: request)
    }
    /// Full Bayes and its hyperprior, and REML.
    public static let honouredSettings: Set<FitSetting> = ConjugateFit.honouredSettings(.normalNormal)
    /// Why a setting does not apply to a conjugate hierarchy.
    public static func whyNot(_ setting: FitSetting) -> String? { ConjugateFit.whyNot(setting, kind: .normalNormal) }
    /// Reads a ``ConjugatePrior``.
    public static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior {
        try ConjugatePrior(kind: .normalNormal, from: decoder)
    }
}

/// y_i ~ Bin(n_i, φ_i), φ_i ~ Beta(α, β). The target column holds successes, the input column trials.
public enum BetaBinomialFamily: ModelFamily {
    /// `beta_binomial`.
    public static let name = ConjugateKind.betaBinomial.rawValue
    /// The model in symbols.
    public static let summary = "y ~ Bin(n, φ) (--features: the trials column), φ ~ Beta(α, β); ML-II, --full-bayes"
    /// Fits θ (see ``ConjugateFit``).
    public static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        try request.refuseSettings(unhonouredBy: self, weighted: dataset.isWeighted)
        return try ConjugateFit.fit(.betaBinomial, dataset, request: request)
    }
    /// Full Bayes and its hyperprior.
    public static let honouredSettings: Set<FitSetting> = ConjugateFit.honouredSettings(.betaBinomial)
    /// Why a setting does not apply to a conjugate hierarchy.
    public static func whyNot(_ setting: FitSetting) -> String? { ConjugateFit.whyNot(setting, kind: .betaBinomial) }
    /// Reads a ``ConjugatePrior``.
    public static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior {
        try ConjugatePrior(kind: .betaBinomial, from: decoder)
    }
}

/// y_i ~ Poisson(φ_i t_i), φ_i ~ Gamma(α, rate β). The target column holds counts, the input column exposures.
public enum GammaPoissonFamily: ModelFamily {
    /// `gamma_poisson`.
    public static let name = ConjugateKind.gammaPoisson.rawValue
    /// The model in symbols.
    public static let summary = "y ~ Poisson(φ t) (--features: the exposure column), φ ~ Gamma(α, rate β); ML-II, --full-bayes"
    /// Fits θ (see ``ConjugateFit``).
    public static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        try request.refuseSettings(unhonouredBy: self, weighted: dataset.isWeighted)
        return try ConjugateFit.fit(.gammaPoisson, dataset, request: request)
    }
    /// Full Bayes and its hyperprior.
    public static let honouredSettings: Set<FitSetting> = ConjugateFit.honouredSettings(.gammaPoisson)
    /// Why a setting does not apply to a conjugate hierarchy.
    public static func whyNot(_ setting: FitSetting) -> String? { ConjugateFit.whyNot(setting, kind: .gammaPoisson) }
    /// Reads a ``ConjugatePrior``.
    public static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior {
        try ConjugatePrior(kind: .gammaPoisson, from: decoder)
    }
}

/// The fit shared by the three conjugate families: each task's rows aggregated to (y_i, scale_i)
/// (``ConjugateTasks/aggregate(kind:responses:scales:responseColumn:scaleColumn:task:)``),
/// θ̂ by ML (REML with `request.reml`) or ML-II, and with `request.fullBayes` the
/// hyper-posterior under `request.hyperprior`.
public enum ConjugateFit {
    /// The summaries of `dataset`'s tasks for hierarchy `kind`.
    /// - Throws: ``InputError`` naming the column (and task and row) for data the hierarchy cannot take.
    public static func tasks(_ kind: ConjugateKind, _ dataset: MetaDataset) throws -> ConjugateTasks {
        guard dataset.classNames == nil else {
            throw InputError(column: dataset.targetName, kind: .invalidValue, "holds class labels; the \(kind.rawValue) model needs the \(kind.responseWord) as a number")
        }
        guard dataset.inputNames.count == 1 else {
            throw InputError(column: "--features", kind: .invalidValue, "the \(kind.rawValue) model takes one input column, the \(kind.scaleWord), got \(dataset.inputNames.count) (\(dataset.inputNames.joined(separator: ", ")))")
        }
        var responses: [Double] = [], scales: [Double] = []
        for task in dataset.tasks {
            let summary = try ConjugateTasks.aggregate(kind: kind, responses: task.targets, scales: (0..<task.inputs.rows).map { task.inputs[$0, 0] },
                                                       responseColumn: dataset.targetName, scaleColumn: dataset.inputNames[0], task: task.id)
            responses.append(summary.response); scales.append(summary.scale)
        }
        return try ConjugateTasks(kind: kind, responses: responses, scales: scales, ids: dataset.tasks.map(\.id),
                                  responseColumn: dataset.targetName, scaleColumn: dataset.inputNames[0])
    }

    /// The settings hierarchy `kind` honours: full Bayes and its hyperprior, and REML for the
    /// normal–normal model. Its fits are exact or run to a fixed criterion, so the optimiser's
    /// tolerance, iteration limit and a time limit do not apply; a task is one number, so
    /// there is no basis, Σ shape, task weight or episode.
    public static func honouredSettings(_ kind: ConjugateKind) -> Set<FitSetting> {
        kind == .normalNormal ? [.fullBayes, .hyperprior, .reml] : [.fullBayes, .hyperprior]
    }

    /// Why hierarchy `kind` cannot honour `setting`.
    public static func whyNot(_ setting: FitSetting, kind: ConjugateKind) -> String? {
        switch setting {
        case .episodicObjective: "the \(kind.rawValue) model is fitted by its exact marginal likelihood; the episodic objective is for --features/--basis fits"
        case .basis: "the \(kind.rawValue) model has no features: its input column is the \(kind.scaleWord)"
        case .reml: "REML is for the normal–normal model (it restricts the likelihood of μ)"
        case .taskWeights: "each task enters its exact marginal likelihood once"
        case .gradientTolerance, .maximumIterations, .timeLimit: "its fit is exact or runs to a fixed criterion, which the report states"
        default: nil
        }
    }

    /// Fits hierarchy `kind` to `dataset`.
    /// - Throws: ``InputError`` for data the hierarchy cannot take, one task without
    ///   `request.fullBayes` (what can be estimated is in the message: empirical Bayes needs two
    ///   or more; full Bayes is defined for one task under a proper hyper-posterior), options it
    ///   has no use for, or an improper hyper-posterior (naming the hyperprior to change).
    public static func fit(_ kind: ConjugateKind, _ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        let tasks = try tasks(kind, dataset)
        let estimate: (Double, Double), logLikelihood: Double, iterations: Int, converged: Bool, criterion: String
        var notes: [String] = [], boundary = false, gradient = 0.0
        var full: ConjugateFullBayes?
        if tasks.count == 1, request.fullBayes {
            // Full Bayes is defined for one task under a proper hyper-posterior; θ̂ is not (the
            // spread of φ between tasks is not identified). The prior records no θ̂.
            full = try ConjugateFullBayes(tasks, hyperprior: request.hyperprior)
            estimate = full!.mostProbableNode; logLikelihood = full!.logEvidence; iterations = 0; converged = true
            criterion = ConjugatePrior.noEstimate
            notes.append("one task: empirical Bayes cannot estimate \(kind.hyperNames.joined(separator: " and ")) from one task (the spread of φ between tasks is not identified); full Bayes under the hyperprior is what this prior holds (adapt and predict use it; --hyper eb is refused); the log marginal likelihood reported is the evidence log p(y) under the hyperprior (up to its normalising constant)")
        } else if kind == .normalNormal {
            let fit = try NormalNormalFit(tasks, reml: request.reml)
            estimate = (fit.mu, fit.tau2.squareRoot()); logLikelihood = fit.logLikelihood; iterations = fit.iterations
            converged = true; criterion = request.reml ? "reml" : "ml"
            notes.append("mu = \(fit.mu) (SE \(fit.muStandardError)), tau² = \(fit.tau2)")
            if fit.atBoundary { notes.append("tau = 0: the estimates vary no more than their standard errors explain (no between-task variance); the boundary answer, not a failure") }
        } else {
            let fit = try CountMarginalFit(tasks)
            estimate = (fit.alpha, fit.beta); logLikelihood = fit.logLikelihood; iterations = fit.iterations
            converged = fit.converged || fit.noOverdispersion; criterion = "ml_ii"; boundary = fit.noOverdispersion; gradient = fit.gradientNorm
            if fit.noOverdispersion {
                notes.append("no overdispersion: the tasks vary no more than \(kind == .betaBinomial ? "binomial" : "Poisson") noise explains, so the marginal likelihood grows without bound as the prior concentrates (alpha + beta → ∞) and has no maximum; the pooled rate \(fit.pooledRate) is the estimate of every task's rate. Use that pooled model, or --full-bayes with a hyperprior for a proper posterior")
            }
        }
        if request.fullBayes {
            if full == nil { full = try ConjugateFullBayes(tasks, hyperprior: request.hyperprior) }
            if !full!.converged { notes.append("warning: the hyper-posterior's quadrature did not reach 1e-6 posterior sds (last change \(full!.accuracy)); a posterior moment may not exist under this hyperprior") }
        } else if request.hyperprior != nil {
            throw InputError(column: "--hyperprior", kind: .invalidValue, "a hyperprior is for --full-bayes")
        }
        let prior = ConjugatePrior(kind: kind, responseColumn: dataset.targetName, scaleColumn: dataset.inputNames[0], estimate: estimate,
                                   criterion: criterion, noOverdispersion: boundary, fullBayes: full)
        let ending = boundary ? "at the no-overdispersion boundary (see the note)" : converged ? "converged" : "NOT converged: BFGS stopped with the gradient above 1e-6 per task"
        return FittedModel(prior: prior, logMarginalLikelihood: logLikelihood, iterations: iterations, gradientNorm: gradient,
                           converged: converged && (full?.converged ?? true), tasks: tasks.count, observations: dataset.observationCount,
                           account: "result: \(ending) (the \(criterion.uppercased()) fit\(full == nil ? "" : " and full Bayes"))", notes: notes)
    }
}
