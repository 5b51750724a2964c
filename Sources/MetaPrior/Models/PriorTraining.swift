// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Meta-training end to end: build the basis from the meta-train inputs, gather the
/// statistics, fit θ by empirical Bayes, and describe the result as a ``PriorFile``.
public enum PriorTraining {
    /// Fits a prior to `dataset` with `basis`; `dataFile` is recorded (with its digest) as the
    /// training data.
    public static func fit(_ dataset: MetaDataset, basis spec: BasisSpec, options: PriorFitOptions,
                           dataFile: String, weightsColumn: String? = nil) throws -> (file: PriorFile, result: PriorFitResult) {
        guard dataset.classNames == nil else {
            throw InputError(column: dataset.targetName, "the linear-Gaussian prior needs a real-valued target, but the target holds class labels")
        }
        let basis = try FeatureMap(spec: spec, inputNames: dataset.inputNames, trainingInputs: dataset.tasks.map(\.inputs))
        let statistics = try TaskStatistics(dataset: dataset, featureMap: basis)
        let result = try PriorFit.fit(statistics, options: options)
        let training = PriorFile.TrainingConditions(objective: "marginal", dataFile: dataFile,
                                                    dataDigest: Digest.sha256(file: dataFile), weights: weightsColumn)
        let file = PriorFile(fit: result, basis: basis, dataset: dataset, training: training, structure: options.structure)
        return (file, result)
    }
}
