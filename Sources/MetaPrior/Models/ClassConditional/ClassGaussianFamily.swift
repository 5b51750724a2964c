// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Model A of few-shot classification (issue 15): class-conditional Gaussians
/// x | c ~ N(m_c, Σ_c) with (m_c, Σ_c) ~ NIW(μ₀, κ, Ψ, ν) shared by all classes.
///
/// `class_gaussian` because a class's inputs are Gaussian (`linear_gaussian` names the
/// target's likelihood the same way). Every (task, label) pair of the meta-train data is one
/// class — labels are remapped per task, so two tasks' "0" are different classes — and θ is
/// fitted by ML-II (``NIWFit``) with Ψ shaped by the request's covariance structure; with the
/// episodic objective, θ then maximises the query labels' log probability on N-way K-shot
/// episodes at the test N and K (by BFGS with an analytic gradient), started at the ML-II fit.
///
/// Converged: the ML-II fit when ‖∇(−ℓ/C)‖₂ < 1e-6 over C classes; the episodic fit when
/// ‖∂J/∂u‖₂ ≤ 1e-6, J the mean log probability of the query labels per query point and u the
/// coordinates (μ₀, ln κ, ln(ν − d + 1), ψ). The episodic fit is never below its ML-II start on
/// the training episodes.
public enum ClassGaussianFamily: ModelFamily {
    /// `class_gaussian`.
    public static let name = "class_gaussian"
    /// The model in symbols, for `fit --help`.
    public static let summary = "x | class ~ N(m, Σ), (m, Σ) ~ NIW(μ₀, κ, Ψ, ν)"
    /// Ψ's shape (`--covariance` or `--psi`), the iteration limit of BFGS, `--basis pca:k`
    /// (any other basis is refused by ``fit(_:request:)``), and the episodic objective on
    /// N-way K-shot episodes (`--objective episodic --ways N --shots K`).
    public static let honouredSettings: Set<FitSetting> = [.covarianceStructure, .maximumIterations, .basis, .episodicObjective, .ways]

    /// Why a setting does not apply to class_gaussian.
    public static func whyNot(_ setting: FitSetting) -> String? {
        switch setting {
        case .reml: "class_gaussian fits by marginal likelihood or the episodic objective"
        case .taskWeights: "every class enters the marginal likelihood once; weighting classes is not implemented"
        default: nil
        }
    }

    /// Fits θ by the exact marginal likelihood of every class of every task.
    /// - Parameters:
    ///   - dataset: tasks whose target holds class labels and whose inputs are the features.
    ///   - request: `options.structure` shapes Ψ, `options.maximumIterations` bounds BFGS and
    ///     `basis` is `linear` or `pca:k`; every other setting is refused (``honouredSettings``).
    /// - Throws: ``InputError`` for a real-valued target, fewer than two classes in all, or a
    ///   singular pooled within-class covariance.
    public static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        guard dataset.classNames != nil else {
            throw InputError(column: dataset.targetName, kind: .invalidValue,
                             "class_gaussian needs a column of class labels as the target, but it holds real numbers")
        }
        try request.refuseSettings(unhonouredBy: self, weighted: dataset.isWeighted)
        let features = try PCAFeatures.requested(by: request.basis, on: dataset, family: name)
        var classes: [ClassStatistics] = []
        for task in dataset.tasks {
            var byLabel: [Int: [[Double]]] = [:]
            let rows = task.inputs.nestedRows.map { features?.project($0) ?? $0 }
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
        if let episodic = request.episodic {
            return try episodicFit(dataset, options: episodic, features: features, marginal: fit, classes: classes,
                                   deadline: request.options.deadline)
        }
        let prior = try ClassGaussianPrior(inputs: dataset.inputNames, niw: fit.prior, structure: fit.structure, classes: fit.classCount,
                                           features: features)
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
