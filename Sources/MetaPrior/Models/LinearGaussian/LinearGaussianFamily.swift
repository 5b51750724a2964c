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
        guard dataset.classNames == nil else {
            throw InputError(column: dataset.targetName, "the linear-Gaussian prior needs a real-valued target, but the target holds class labels")
        }
        do {
            // The basis: fixed, tuned by evidence (rbf:K:auto, …) or chosen among candidates (auto).
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
        guard let episodicOptions = request.episodic else {
            let prior = try LinearGaussianPrior(basis: basis, structure: structure, gaussian: marginal.prior,
                                                flooredFeatures: marginal.flooredComponents.map { basis.featureNames[$0] },
                                                singular: marginal.singular)
            return (fitted(prior, marginal, logMarginalLikelihood: marginal.logMarginalLikelihood, iterations: marginal.iterations,
                           gradientNorm: marginal.gradientNorm, converged: marginal.converged),
                    prior, marginal, nil)
        }
        let episodic = try EpisodicFit.fit(dataset, featureMap: basis, start: marginal.prior, structure: structure, options: episodicOptions)
        let prior = try LinearGaussianPrior(basis: basis, structure: structure, gaussian: episodic.prior, flooredFeatures: [], singular: false)
        var result = fitted(prior, marginal, logMarginalLikelihood: try EpisodicFit.logMarginalLikelihood(episodic.prior, statistics: statistics),
                            iterations: marginal.iterations + episodic.iterations, gradientNorm: episodic.gradientNorm,
                            converged: episodic.converged, quasiNewtonIterations: marginal.quasiNewtonIterations + episodic.iterations)
        result.episodic = FittedModel.EpisodicSummary(startLogPredictive: episodic.startLogPredictive, logPredictive: episodic.logPredictive,
                                                      episodes: episodic.episodes, iterations: episodic.iterations, converged: episodic.converged)
        return (result, prior, marginal, episodic)
    }

    private static func fitted(_ prior: LinearGaussianPrior, _ marginal: PriorFitResult, logMarginalLikelihood: Double, iterations: Int,
                               gradientNorm: Double, converged: Bool, quasiNewtonIterations: Int? = nil) -> FittedModel {
        let account = "\(converged ? "converged" : "NOT converged") after \(marginal.emIterations) EM + "
            + "\(quasiNewtonIterations ?? marginal.quasiNewtonIterations) quasi-Newton iterations (gradient \(significant(gradientNorm, 2)))"
        var notes: [String] = []
        if marginal.noiseFloored && quasiNewtonIterations == nil { notes.append("note: every task is fitted exactly; the noise variance was floored") }
        if !converged { notes.append("warning: the fit did not reach the tolerance; try --max-iterations or a simpler basis") }
        return FittedModel(prior: prior, logMarginalLikelihood: logMarginalLikelihood, iterations: iterations, gradientNorm: gradientNorm,
                           converged: converged, tasks: marginal.tasks, observations: marginal.observations, account: account, notes: notes)
    }
}
