// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Model A of few-shot classification (issue 15): class-conditional Gaussians
/// x | c ~ N(m_c, Σ_c) with (m_c, Σ_c) ~ NIW(μ₀, κ, Ψ, ν) shared by all classes.
///
/// `class_gaussian` because a class's inputs are Gaussian (`linear_gaussian` names the
/// target's likelihood the same way). Every (task, label) pair of the meta-train data is one
/// class — labels are remapped per task, so two tasks' "0" are different classes — and θ is
/// fitted by ML-II (``NIWFit``) with Ψ shaped by the request's covariance structure.
public enum ClassGaussianFamily: ModelFamily {
    /// `class_gaussian`.
    public static let name = "class_gaussian"
    /// The model in symbols, for `fit --help`.
    public static let summary = "x | class ~ N(m, Σ), (m, Σ) ~ NIW(μ₀, κ, Ψ, ν)"

    /// Fits θ by the exact marginal likelihood of every class of every task.
    /// - Parameters:
    ///   - dataset: tasks whose target holds class labels and whose inputs are the features.
    ///   - request: `options.structure` shapes Ψ and `options.maximumIterations` bounds BFGS;
    ///     the episodic objective, REML, task weights and bases other than `linear` are refused.
    /// - Throws: ``InputError`` for a real-valued target, fewer than two classes in all, or a
    ///   singular pooled within-class covariance.
    public static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        guard dataset.classNames != nil else {
            throw InputError(column: dataset.targetName, kind: .invalidValue,
                             "class_gaussian needs a column of class labels as the target, but it holds real numbers")
        }
        guard request.episodic == nil, !request.reml, request.basis == .linear else {
            throw InputError(column: "--model", kind: .invalidValue,
                             "class_gaussian fits by marginal likelihood on the raw inputs: leave out --objective episodic, --reml and --basis")
        }
        guard dataset.tasks.allSatisfy({ $0.weight == 1 }) else {
            throw InputError(column: "--weights", kind: .invalidValue, "class_gaussian does not weight tasks: leave out --weights")
        }
        var classes: [ClassStatistics] = []
        for task in dataset.tasks {
            var byLabel: [Int: [[Double]]] = [:]
            let rows = task.inputs.nestedRows
            for (row, label) in zip(rows, task.targets) { byLabel[Int(label), default: []].append(row) }
            for label in byLabel.keys.sorted() { classes.append(try ClassStatistics(points: byLabel[label] ?? [])) }
        }
        guard classes.count >= 2 else {
            throw InputError(column: dataset.targetName, kind: .invalidValue,
                             "the labels name \(classes.count) class in all; the NIW prior needs at least two")
        }
        let fit: NIWFit
        do {
            fit = try NIWFit(classes: classes, structure: request.options.structure, maxIterations: request.options.maximumIterations)
        } catch var error as InputError {
            error.column = error.column ?? dataset.targetName
            throw error
        }
        let prior = try ClassGaussianPrior(inputs: dataset.inputNames, niw: fit.prior, structure: fit.structure, classes: fit.classCount)
        return FittedModel(prior: prior, logMarginalLikelihood: fit.logLikelihood, iterations: fit.iterations,
                           gradientNorm: fit.gradientNorm, converged: fit.converged, tasks: dataset.tasks.count,
                           observations: dataset.observationCount,
                           account: "ML-II over \(fit.classCount) classes, BFGS \(fit.converged ? "converged" : "not converged") in \(fit.iterations) iterations")
    }

    /// Reads a ``ClassGaussianPrior``.
    /// - Parameter decoder: positioned at the prior file's object.
    public static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior {
        try ClassGaussianPrior(from: decoder)
    }
}
