// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The hierarchical linear-Gaussian model, the core family (DESIGN.md §2):
/// φ_i ~ N(μ, Σ), y_ij | φ_i ~ N(f(x_ij)ᵀφ_i, σ²).
///
/// Summaries are the per-task sufficient statistics (``TaskStatistics``); θ is fitted by
/// empirical Bayes (``PriorFit``: EM, then quasi-Newton on the profiled likelihood), and on
/// from there by the episodic objective (``EpisodicFit``) when asked; the posterior of a new
/// task is exact (``LinearGaussianPosterior``).
public enum LinearGaussianFamily: ModelFamily {
    /// `linear_gaussian`: the `model` key of every prior file this family writes, and of every
    /// file written before there were families.
    public static let name = "linear_gaussian"
    /// The model in symbols, for `fit --help`.
    public static let summary = "φ ~ N(μ, Σ), y | x, φ ~ N(f(x)ᵀφ, σ²)"
    /// Weights, a time limit, the episodic objective, a basis, Σ's shape and the optimiser's
    /// tolerance and iteration limit.
    public static let honouredSettings: Set<FitSetting> = [.taskWeights, .timeLimit, .episodicObjective, .basis, .covarianceStructure,
                                                           .gradientTolerance, .maximumIterations, .descriptors]

    /// REML needs shared terms.
    public static func whyNot(_ setting: FitSetting) -> String? {
        setting == .reml ? "REML needs shared terms to restrict the likelihood for; give a formula (--formula) with --reml" : nil
    }

    /// With task descriptors the marginal fit is of μ_i = B z̃_i (``TaskStatistics/conditioned(on:)``,
    /// applied by ``BasisSelection``); the episodic objective has no B yet, so that pair is
    /// refused before any fit rather than z ignored.
    static func refuseEpisodicDescriptors(_ dataset: MetaDataset, request: FitRequest) throws {
        guard !dataset.descriptorNames.isEmpty, request.episodic != nil else { return }
        throw InputError(column: "--descriptors", kind: .invalidValue,
                         "the episodic objective does not use task descriptors yet (μ_i = B z_i is fitted by the marginal likelihood only); use --objective marginal, or leave out --descriptors")
    }

    /// Fits θ by empirical Bayes, then by the episodic objective when `request.episodic` is
    /// set, starting from the marginal fit.
    /// - Throws: ``InputError`` for class-label targets, a basis that cannot be built from the
    ///   inputs, or no task large enough for the episodes asked for.
    public static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        try fitInDetail(dataset, request: request).fitted
    }

    /// Reads a ``LinearGaussianPrior`` from the prior file's top-level keys, validating θ.
    public static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior {
        try LinearGaussianPrior(from: decoder)
    }

    /// The fit with this family's own results alongside: the marginal fit (the start of an
    /// episodic one) and, for the episodic objective, its result.
    public static func fitInDetail(_ dataset: MetaDataset, request: FitRequest) throws
        -> (fitted: FittedModel, prior: LinearGaussianPrior, marginal: PriorFitResult, episodic: EpisodicFitResult?) {
        try request.refuseSettings(unhonouredBy: self, weighted: dataset.isWeighted)
        guard dataset.classNames == nil else {
            throw InputError(column: dataset.targetName, "the linear-Gaussian prior needs a real-valued target, but the target holds class labels")
        }
        do {
            // The basis: fixed, tuned by evidence (rbf:K:auto, …) or chosen among candidates (auto).
            try refuseEpisodicDescriptors(dataset, request: request)
            let selection = try BasisSelection.resolve(request.basis, dataset: dataset, options: request.options)
            var result = try fit(dataset, request: request, basis: selection.map, statistics: selection.statistics, marginal: selection.fit)
            result.fitted.notes = selection.notes + result.fitted.notes
            if result.episodic == nil, let warning = NoiseFloor.warning(noiseVariance: selection.fit.prior.noiseVariance, statistics: selection.statistics) {
                result.fitted.notes.append(warning)
            }
            return result
        } catch let error as GSLError {
            // The statistics are finite, so a factorisation failing inside the fit means the
            // numbers left double precision on the way (values near 1e150 or spanning hundreds
            // of orders of magnitude): the data's scale, which the user can change.
            throw InputError(column: dataset.targetName, kind: .invalidValue,
                             "the fit broke down in floating point (\(error.operation)): the target or input values \(scaleAdvice)")
        } catch let error as InputError where ["mean", "covariance", "noise_variance"].contains(error.column ?? "") {
            // θ outside what a prior file may hold: name the data, not a prior-file key.
            throw InputError(column: dataset.targetName, kind: .invalidValue,
                             "the fitted prior is out of range (\(error.column ?? "") \(error.message)): the target or input values \(scaleAdvice)")
        }
    }

    private static let scaleAdvice = "are too extreme or degenerate for double precision; rescale the columns to values near 1"

    private static func fit(_ dataset: MetaDataset, request: FitRequest, basis: FeatureMap, statistics: TaskStatistics, marginal: PriorFitResult) throws
        -> (fitted: FittedModel, prior: LinearGaussianPrior, marginal: PriorFitResult, episodic: EpisodicFitResult?) {
        let structure = request.options.structure
        guard var episodicOptions = request.episodic else {
            let (fitted, prior) = try marginalOnly(marginal, basis: basis, request: request, observations: statistics.weightedObservations)
            return (fitted, prior, marginal, nil)
        }
        if episodicOptions.deadline == nil { episodicOptions.deadline = request.options.deadline }
        let episodic = try EpisodicFit.fit(dataset, featureMap: basis, start: marginal.prior, structure: structure, options: episodicOptions)
        let prior = try LinearGaussianPrior(basis: basis, structure: structure, gaussian: episodic.finalPrior, flooredFeatures: [],
                                            singular: episodic.flat != nil, flat: episodic.flat)
        let shots = episodicOptions.shots.description
        let onBatches = episodicOptions.batchEpisodes != nil
        let episodicStage = FitStage(
            stage: "episodic",
            objective: "episodic objective (mean log predictive density per query point; K = \(shots), Q = \(episodicOptions.query), "
                + "\(episodic.episodes) episodes\(onBatches ? " per batch" : ""), seed \(episodicOptions.seed))",
            method: onBatches ? "BFGS on fresh mini-batches of (μ, L, log σ²)" : "BFGS, then Newton, on (μ, L, log σ²), Σ = LLᵀ (L of d × \(episodic.columns), grown by the boundary test)"
                + (episodic.ending == .handedOn ? "; handed on to the natural stage after a round of \(EpisodicFit.newtonRound) Newton steps that did not converge at a settled rank" : ""),
            iterations: episodic.iterations, value: episodic.logPredictive, ending: episodic.ending, criterion: episodic.criterion,
            criterionName: onBatches ? "largest gradient entry per query point on the last batch" : "the gain a Newton step, variance outside Σ's range, or a variance sent to infinity still promises (Newton decrement; boundary test; asymptote test)",
            tolerance: onBatches ? episodicOptions.gradientTolerance : episodicOptions.tolerance, rank: episodic.rank)
        let marginalStage = stage(marginal, options: request.options, observations: statistics.weightedObservations, dimension: basis.dimension)
        let stages = [marginalStage, episodicStage] + (episodic.natural.map { [naturalStage($0, options: episodicOptions)] } ?? [])
        let logMarginal = try episodic.flat.map {
            try $0.logMarginalLikelihood(proper: episodic.finalPrior, statistics: statistics, featureNames: basis.featureNames)
        } ?? EpisodicFit.logMarginalLikelihood(episodic.finalPrior, statistics: statistics)
        var result = fitted(prior, marginal, stages: stages, logMarginalLikelihood: logMarginal, gradientNorm: episodic.gradientNorm, notes: [])
        result.episodic = FittedModel.EpisodicSummary(startLogPredictive: episodic.startLogPredictive, logPredictive: episodic.finalLogPredictive,
                                                      episodes: episodic.episodes, iterations: episodic.iterations + (episodic.natural?.steps ?? 0),
                                                      converged: episodic.finalConverged)
        return (result, prior, marginal, episodic)
    }

    /// The natural-coordinate stage as the report gives it (`EpisodicFit.naturalStage`).
    private static func naturalStage(_ natural: EpisodicNaturalStage, options: EpisodicFitOptions) -> FitStage {
        let flat = natural.flatDirections > 0 ? "; flat in \(counted(natural.flatDirections, "direction"))" : ""
        return FitStage(stage: "episodic natural", objective: "the same episodic objective",
                        method: "Newton on the natural parameters (P = Σ⁻¹, h = Σ⁻¹μ) of the prior on the previous stage's subspace\(flat)",
                        iterations: natural.steps, value: natural.logPredictive, ending: natural.ending, criterion: natural.decrement,
                        criterionName: "Newton decrement in natural coordinates with no ascent direction (the KKT sign where the prior is flat), and the previous stage's boundary test",
                        tolerance: options.tolerance, rank: natural.rank)
    }

    /// The fitted model of a marginal fit alone (no episodic stage), from its result; also the
    /// end of a fit from statistics files (``fit(statistics:basis:request:)``).
    static func marginalOnly(_ marginal: PriorFitResult, basis: FeatureMap, request: FitRequest, observations: Double) throws
        -> (fitted: FittedModel, prior: LinearGaussianPrior) {
        let prior = try LinearGaussianPrior(basis: basis, structure: request.options.structure, gaussian: marginal.prior,
                                            flooredFeatures: marginal.flooredComponents.map { basis.featureNames[$0] },
                                            singular: marginal.singular, descriptors: marginal.descriptorFit)
        var notes: [String] = []
        if marginal.noiseFloored { notes.append("note: every task is fitted exactly; the noise variance was floored") }
        let marginalStage = stage(marginal, options: request.options, observations: observations, dimension: basis.dimension)
        return (fitted(prior, marginal, stages: [marginalStage], logMarginalLikelihood: marginal.logMarginalLikelihood,
                       gradientNorm: marginal.gradientNorm, notes: notes), prior)
    }

    /// The marginal-likelihood stage as the report gives it: its criterion is the unit-free
    /// stationarity of ``FitCriterion``; the boundary (KKT) excess is named beside it.
    private static func stage(_ marginal: PriorFitResult, options: PriorFitOptions, observations: Double, dimension: Int) -> FitStage {
        let ending: FitStage.Ending
        if marginal.converged {
            ending = .converged
        } else if marginal.timedOut {
            ending = .timeLimit
        } else if marginal.quasiNewtonIterations >= options.maximumIterations {
            ending = .iterationLimit
        } else {
            ending = .stalled
        }
        let c = marginal.criterion
        var boundary = "boundary test λmax − 1 = \(significant(c.boundaryExcess, 2)) ≤ \(significant(options.boundaryTolerance, 2))"
        if let gain = c.growthGain {
            boundary += " or best rank-one growth gain per task \(significant(gain, 2)) ≤ \(significant(options.growthTolerance, 2))"
        }
        if let slope = c.noiseSlope {
            boundary += "; σ² at its floor, (σ²/N)·∂ℓ/∂σ² = \(significant(slope, 2)) ≤ 0"
        }
        // Stationary by the gradient, or — where the gradient stopped shrinking at the
        // precision ℓ is computed to — by the Newton decrement: report the one that decided.
        // Or — where neither can be met in double precision — the gradient within a multiple of
        // its measured round-off, no step gaining beyond ℓ's (FitCriterion.precision).
        let byDecrement = c.stationarity > options.gradientTolerance && (c.newtonDecrement.map { $0 <= options.decrementTolerance } ?? false)
        let atPrecision = c.precision.flatMap { p in
            c.stationarity > options.gradientTolerance && !byDecrement && c.isStationaryAtPrecision ? p : nil
        }
        let multiple = FitCriterion.roundOffMultiple
        let criterionName = if let p = atPrecision {
            "largest |∂ℓ/∂Λ̂| per observation, held to \(significant(multiple, 2))× its round-off \(significant(p.stationarity, 2)) measured at the fit: the precision ℓ is computed to here (±\(significant(p.logLikelihood, 2)) nats), below the tolerance \(significant(options.gradientTolerance, 2)); no Newton or flat-direction step raises ℓ by more than \(significant(multiple * p.logLikelihood, 2)); \(boundary)"
        } else if byDecrement {
            "Newton decrement per observation (the gradient, \(significant(c.stationarity, 2)) per observation, is at working precision; \(boundary))"
        } else {
            "largest |∂ℓ/∂Λ̂| per observation (unit-free; \(boundary))"
        }
        let tolerance = atPrecision.map { multiple * $0.stationarity } ?? (byDecrement ? options.decrementTolerance : options.gradientTolerance)
        return FitStage(stage: "marginal", objective: "log marginal likelihood",
                        method: "\(marginal.phases.first?.name == "moments" ? "a moment estimate, then " : "")\(marginal.emIterations) EM + \(marginal.quasiNewtonIterations) quasi-Newton/Newton iterations (\(marginal.gradientEvaluations) gradient evaluations) on Σ/σ² = ΛΛᵀ (Λ of d × rank)",
                        iterations: marginal.iterations, value: marginal.logMarginalLikelihood, ending: ending,
                        criterion: byDecrement ? c.newtonDecrement ?? c.stationarity : c.stationarity,
                        criterionName: criterionName, tolerance: tolerance, rank: marginal.rank)
    }

    /// The fitted model: its convergence and account are those of the last stage, the fit the
    /// user asked for (the episodic one when there is one: its marginal start need not
    /// converge); iterations count every stage.
    private static func fitted(_ prior: LinearGaussianPrior, _ marginal: PriorFitResult, stages: [FitStage], logMarginalLikelihood: Double,
                               gradientNorm: Double, notes: [String]) -> FittedModel {
        let last = stages[stages.count - 1]
        let converged = last.ending == .converged
        let what = stages.count > 1 ? "the episodic fit" : "the marginal fit"
        let account = converged ? "result: converged (\(what))" : "result: \(last.ending.phrase) (\(what))"
        var notes = notes
        if !converged {
            notes.append(last.ending == .timeLimit ? "warning: the fit stopped at the time limit; the prior file holds the best point reached"
                                                   : "warning: the fit did not reach the tolerance; try --max-iterations or a simpler basis")
        }
        var model = FittedModel(prior: prior, logMarginalLikelihood: logMarginalLikelihood, iterations: stages.reduce(0) { $0 + $1.iterations },
                                gradientNorm: gradientNorm, converged: converged, tasks: marginal.tasks, observations: marginal.observations,
                                account: account, notes: notes)
        model.stages = stages
        model.stoppedAtTimeLimit = stages.contains { $0.ending == .timeLimit }
        return model
    }
}
