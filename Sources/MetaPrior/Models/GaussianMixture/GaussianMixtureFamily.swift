// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The mixture-of-Gaussians prior over φ, for task families with several modes (README
/// "Mixture prior"): φ_i ~ Σ_k π_k N(μ_k, Σ_k), y_ij | φ_i ~ N(f(x_ij)ᵀφ_i, σ²).
///
/// Summaries are the linear-Gaussian per-task sufficient statistics (``TaskStatistics``); θ is
/// fitted by exact EM over tasks (``GaussianMixtureFit``), K given or chosen by held-out
/// predictive density (``ComponentSelection``); the posterior of a new task is the exact mixture
/// posterior (``GaussianMixturePosterior``). With K = 1 it is the `linear_gaussian` model.
public enum GaussianMixtureFamily: ModelFamily {
    /// `gaussian_mixture`.
    public static let name = "gaussian_mixture"
    /// The model in symbols, for `fit --help`.
    public static let summary = "φ ~ Σ_k π_k N(μ_k, Σ_k), y | x, φ ~ N(f(x)ᵀφ, σ²); --components K or auto"
    /// Weights, a fixed basis and the iteration limit.
    public static let honouredSettings: Set<FitSetting> = [.taskWeights, .basis, .maximumIterations]

    /// Why the settings it does not take are not available.
    public static func whyNot(_ setting: FitSetting) -> String? {
        switch setting {
        case .episodicObjective: "the mixture is fitted by EM on the marginal likelihood; K is chosen by held-out episodic predictive density (--components auto)"
        case .covarianceStructure: "every component has a full Σ_k"
        case .gradientTolerance: "EM stops on the rise of ℓ per task in a plain EM step (1e-9) and that step's parameter change (1e-6), stated in the report"
        default: nil
        }
    }

    /// Fits θ by EM, after choosing K when a range is asked for.
    /// - Throws: ``InputError`` for class-label targets, a basis that is chosen by the data
    ///   (`auto`, `…:auto`), or a K out of range.
    public static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        try request.refuseSettings(unhonouredBy: self, weighted: dataset.isWeighted)
        guard dataset.classNames == nil else {
            throw InputError(column: dataset.targetName, "the mixture prior needs a real-valued target, but the target holds class labels")
        }
        switch request.basis {
        case .automatic, .learned, .pca:
            throw InputError(column: "--basis", kind: .invalidValue,
                             "the \(name) model takes a fixed basis (linear, poly:P, rbf:K[:width], fourier:K[:period], rff:K:lengthscale), not \(request.basis.description)")
        default: break
        }
        let map = try FeatureMap(spec: request.basis, inputNames: dataset.inputNames, trainingInputs: dataset.tasks.map(\.inputs))
        let statistics = try TaskStatistics(dataset: dataset, featureMap: map)
        let mixtureRequest = request.mixtureRequest
        var options = MixtureFitOptions(components: 1)
        options.seed = mixtureRequest.seed
        options.maximumIterations = request.options.maximumIterations
        var selection: [ComponentChoice] = []
        switch mixtureRequest.components {
        case .fixed(let k): options.components = k
        case .choose(let range):
            selection = try ComponentSelection.choose(dataset, featureMap: map, candidates: range, options: options)
            options.components = selection.first { $0.chosen }!.components
        }
        let result = try GaussianMixtureFit.fit(statistics, options: options)
        let prior = try GaussianMixturePrior(basis: map, mixture: result.mixture, selection: selection)
        return fitted(prior, result, options: options, observations: statistics.weightedObservations)
    }

    /// Reads a ``GaussianMixturePrior``, validating θ.
    public static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior {
        try GaussianMixturePrior(from: decoder)
    }

    /// The fitted model with its EM stage and, when EM did not converge, the Newton finish's.
    static func fitted(_ prior: GaussianMixturePrior, _ result: MixtureFitResult, options: MixtureFitOptions, observations: Double) -> FittedModel {
        let finish = result.finish
        let emEnding: FitStage.Ending = result.emConverged ? .converged : finish != nil ? .handedOn : .iterationLimit
        let plainStart = result.start == options.starts
        let starts = options.components == 1 ? "1 start (the single-Gaussian warm start)"
            : "best ℓ of \(options.starts) seeded k-means++ starts and a plain-EM run from the first (seed \(options.seed); \(plainStart ? "the plain-EM run" : "start \(result.start + 1)") kept)"
        let method = result.accelerated
            ? "exact EM over tasks (φ_i and k_i missing), SQUAREM-accelerated (S3; \(result.extrapolations) extrapolations and \(result.boundaryMoves) boundary moves accepted), \(starts)"
            : "exact EM over tasks (φ_i and k_i missing), plain, \(starts)"
        var stages = [FitStage(stage: "em", objective: "log marginal likelihood of the \(options.components)-component mixture", method: method,
                               iterations: result.iterations, value: result.emLogLikelihood, ending: emEnding, criterion: result.change,
                               criterionName: "rise of ℓ per task in the last plain EM step, with every π_k and μ_k entry (in units of √(tr Σ₁/d)) moving at most \(significant(options.parameterTolerance, 2)), last \(significant(result.parameterChange, 2))",
                               tolerance: options.tolerance)]
        if let finish {
            let boundary = finish.boundaryExcess == -.infinity ? "every Σ_k of full rank"
                : "KKT on the boundary: λ_max(Ū_k, P̄_k) − 1 = \(significant(finish.boundaryExcess, 2)) (tolerance \(significant(MixtureFinish.boundaryTolerance, 2)))"
                    + (finish.growthGain.map { ", best rank-one growth gains \(significant($0, 2)) per task (tolerance \(significant(MixtureFinish.growthTolerance, 2)))" } ?? "")
            stages.append(FitStage(stage: "newton", objective: "log marginal likelihood of the \(options.components)-component mixture",
                                   method: "Newton from the start kept (exact Hessian, one pass over the tasks) with Σ_k = L_kL_kᵀ of rank \(finish.ranks.map(String.init).joined(separator: ", ")) of \(result.mixture.dimension); \(boundary)",
                                   iterations: finish.steps, value: result.logLikelihood, ending: finish.converged ? .converged : .stalled,
                                   criterion: finish.decrement, criterionName: "Newton decrement ½gᵀ(−H)⁻¹g per task", tolerance: options.tolerance))
        }
        let ending: FitStage.Ending = result.converged ? .converged : finish != nil ? .stalled : .iterationLimit
        var notes: [String] = []
        if result.dropped > 0 { notes.append("note: \(result.dropped) component(s) became empty (weight below 1e-8) and were dropped; K = \(result.mixture.componentCount)") }
        if !result.converged {
            notes.append(finish == nil ? "warning: EM did not reach the tolerance in \(options.maximumIterations) EM steps; try --max-iterations"
                                       : "warning: neither EM nor its Newton finish met the tolerance; try --max-iterations")
        }
        var model = FittedModel(prior: prior, logMarginalLikelihood: result.logLikelihood, iterations: result.iterations, gradientNorm: result.change,
                                converged: result.converged, tasks: result.tasks, observations: Int(observations.rounded()),
                                account: result.converged ? "result: converged (\(finish?.converged == true ? "Newton" : "EM"))" : "result: \(ending.phrase) (\(finish == nil ? "EM" : "Newton"))", notes: notes)
        model.stages = stages
        return model
    }
}
