// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Meta-training end to end: build the basis from the meta-train inputs, gather the
/// statistics, fit θ by empirical Bayes (and, for the episodic objective, on from there), and
/// describe the result as a ``PriorFile`` that records the training conditions.
public enum PriorTraining {
    /// Fits a prior to `dataset` with `basis`; `dataFile` is recorded as the training data,
    /// with the digest the data set carries (``MetaDataset/sourceDigest``, from the bytes it
    /// was read from: the file is not read again).
    public static func fit(_ dataset: MetaDataset, basis spec: BasisSpec, options: PriorFitOptions,
                           dataFile: String, weightsColumn: String? = nil) throws -> (file: PriorFile, result: PriorFitResult) {
        let (file, result, _, _) = try marginal(dataset, basis: spec, options: options, dataFile: dataFile, weightsColumn: weightsColumn)
        return (file, result)
    }

    /// Fits by the episodic objective: the marginal fit first (the start), then
    /// ``EpisodicFit`` on episodes of `dataset` drawn with `episodic`'s spec. The file
    /// records the objective, shots, query, seed and episodes; its log marginal likelihood is
    /// that of the episodic θ (lower than the marginal fit's, by construction).
    public static func fitEpisodic(_ dataset: MetaDataset, basis spec: BasisSpec, options: PriorFitOptions,
                                   episodic: EpisodicFitOptions, dataFile: String,
                                   weightsColumn: String? = nil) throws -> (file: PriorFile, result: PriorFitResult, episodic: EpisodicFitResult) {
        let (_, start, basis, statistics) = try marginal(dataset, basis: spec, options: options, dataFile: dataFile, weightsColumn: weightsColumn)
        let fit = try EpisodicFit.fit(dataset, featureMap: basis, start: start.prior, structure: options.structure, options: episodic)
        let result = PriorFitResult(prior: fit.prior, logMarginalLikelihood: try EpisodicFit.logMarginalLikelihood(fit.prior, statistics: statistics),
                                    emIterations: start.emIterations, quasiNewtonIterations: start.quasiNewtonIterations + fit.iterations,
                                    gradientNorm: fit.gradientNorm, converged: fit.converged, flooredComponents: [],
                                    singular: false, rank: basis.dimension, noiseFloored: false,
                                    tasks: start.tasks, observations: start.observations)
        var training = conditions(dataset, objective: "episodic", dataFile: dataFile, weightsColumn: weightsColumn)
        training.shots = episodic.shots.description
        training.query = "\(episodic.query)"
        training.seed = episodic.seed
        training.episodes = episodic.episodes
        training.batchEpisodes = episodic.batchEpisodes
        training.startLogPredictive = fit.startLogPredictive
        training.logPredictive = fit.logPredictive
        let file = PriorFile(fit: result, basis: basis, dataset: dataset, training: training, structure: options.structure)
        return (file, result, fit)
    }

    private static func marginal(_ dataset: MetaDataset, basis spec: BasisSpec, options: PriorFitOptions, dataFile: String,
                                 weightsColumn: String?) throws -> (PriorFile, PriorFitResult, FeatureMap, TaskStatistics) {
        guard dataset.classNames == nil else {
            throw InputError(column: dataset.targetName, "the linear-Gaussian prior needs a real-valued target, but the target holds class labels")
        }
        let basis = try FeatureMap(spec: spec, inputNames: dataset.inputNames, trainingInputs: dataset.tasks.map(\.inputs))
        let statistics = try TaskStatistics(dataset: dataset, featureMap: basis)
        let result = try PriorFit.fit(statistics, options: options)
        let training = conditions(dataset, objective: "marginal", dataFile: dataFile, weightsColumn: weightsColumn)
        let file = PriorFile(fit: result, basis: basis, dataset: dataset, training: training, structure: options.structure)
        return (file, result, basis, statistics)
    }

    private static func conditions(_ dataset: MetaDataset, objective: String, dataFile: String, weightsColumn: String?) -> PriorFile.TrainingConditions {
        var training = PriorFile.TrainingConditions(objective: objective, dataFile: dataFile,
                                                    dataDigest: dataset.sourceDigest, weights: weightsColumn)
        training.taskSizeMin = dataset.tasks.map(\.count).min()
        training.taskSizeMax = dataset.tasks.map(\.count).max()
        training.trainingTaskDigests = dataset.taskContentDigests
        return training
    }
}
