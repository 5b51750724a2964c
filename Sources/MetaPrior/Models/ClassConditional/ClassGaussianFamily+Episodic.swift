// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension ClassGaussianFamily {
    /// The episodic fit (`--objective episodic --ways N --shots K`): ML-II first, then θ
    /// maximising the query labels' mean log probability on seeded N-way K-shot episodes of the
    /// meta-train classes, reported as two stages (marginal, episodic). The fit asked for is
    /// the episodic one: its convergence is the file's `converged`.
    static func episodicFit(_ dataset: MetaDataset, options: EpisodicFitOptions, features: PCAFeatures?, marginal: NIWFit, classes: [ClassStatistics],
                            deadline: ContinuousClock.Instant?) throws -> FittedModel {
        guard options.shots.lower >= 1 else {
            throw InputError(column: "--shots", kind: .invalidValue, "class_gaussian needs at least one support point per class (K ≥ 1), not \(options.shots)")
        }
        let episodes = try options.classEpisodes(of: dataset, features: features, family: name).map(NIWEpisode.init)
        let fit = try NIWEpisodicFit(episodes: episodes, start: marginal.prior, structure: marginal.structure,
                                     maxIterations: options.maximumIterations, deadline: options.deadline ?? deadline)
        let prior = try ClassGaussianPrior(inputs: dataset.inputNames, niw: fit.prior, structure: marginal.structure,
                                           classes: marginal.classCount, features: features)
        let ways = options.ways ?? 0
        let marginalStage = FitStage(stage: "marginal", objective: "log marginal likelihood (ML-II over \(marginal.classCount) classes)",
                                     method: "BFGS on (μ₀, ln κ, ln(ν − d + 1), ψ)", iterations: marginal.iterations,
                                     value: marginal.logLikelihood, ending: marginal.converged ? .converged : (marginal.iterations >= options.maximumIterations ? .iterationLimit : .stalled),
                                     criterion: marginal.gradientNorm, criterionName: "‖∇(−ℓ/C)‖₂ over C classes", tolerance: 1e-6)
        let episodicStage = fit.stage(ways: ways, shots: options.shots.upper, query: options.query, seed: options.seed)
        // ℓ at the episodic θ, for the file's log_marginal_likelihood (below ML-II's by construction).
        let logLikelihood = try classes.reduce(0) { $0 + (try fit.prior.logMarginalLikelihood($1)) }
        var result = FittedModel(prior: prior, logMarginalLikelihood: logLikelihood, iterations: marginal.iterations + fit.iterations,
                                 gradientNorm: fit.gradientNorm, converged: fit.ending == .converged, tasks: dataset.tasks.count,
                                 observations: dataset.observationCount,
                                 account: "episodic fit at \(ways)-way \(options.shots)-shot \(fit.ending.phrase)")
        result.stages = [marginalStage, episodicStage]
        result.stoppedAtTimeLimit = fit.ending == .timeLimit
        result.episodic = FittedModel.EpisodicSummary(startLogPredictive: fit.startValue, logPredictive: fit.value, episodes: fit.episodes,
                                                      iterations: fit.iterations, converged: fit.ending == .converged)
        return result
    }
}
