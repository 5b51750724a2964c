// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Model B of few-shot classification (issue 15): softmax (multinomial logistic) regression
/// per episode, p(y = c | x, W) ∝ exp(w_cᵀ[1, x]), with a Gaussian prior w_c ~ N(0, V) on
/// every class's weights learned across meta-train episodes.
///
/// `softmax` because the likelihood is the softmax of linear logits — the name every library
/// gives this model's output layer — and it reads apart from `class_gaussian` (generative)
/// at a glance.
///
/// The prior is exchangeable over classes (the same N(0, V) for each), as it must be: labels
/// are remapped per episode, so no class position means anything. Its mean is fixed at 0:
/// w_c ~ N(m, V) adds the same mᵀx̃ to every logit, which the softmax cancels, so m is not
/// identified by any data. The likelihood is also flat along W → W + 1aᵀ; the prior makes the
/// posterior proper (its Hessian V⁻¹ per class), so nothing is pinned (no reference class).
///
/// Every meta-train task is one episode with all its classes and points; with
/// `--objective episodic --ways N --shots K`, the episodes are instead seeded N-way episodes of
/// the meta-train classes with K + Q points per class (the test N and K). V is fitted by EM
/// on the marginal likelihood with the E-step's posterior moments importance-sampled from each
/// episode's Laplace approximation (256 draws per episode; the Laplace moments alone are
/// biased low), restricted to `--covariance` (`full`, `diagonal`, `isotropic`; choose diagonal
/// or isotropic for many inputs: a full V has p(p + 1)/2 entries from Σ_t N_t weight vectors).
/// The log marginal likelihood reported is the Laplace approximation at V̂.
public enum SoftmaxFamily: ModelFamily {
    /// `softmax`.
    public static let name = "softmax"
    /// The model in symbols, for `fit --help`.
    public static let summary = "p(y = c | x) ∝ exp(w_cᵀ[1, x]), w_c ~ N(0, V) for every class"
    /// V's shape (`--covariance`), the iteration limit of EM, `--basis pca:k` (any other
    /// basis is refused by ``fit(_:request:)``), and N-way K-shot training episodes
    /// (`--objective episodic --ways N --shots K`: EM on those episodes instead of whole tasks).
    public static let honouredSettings: Set<FitSetting> = [.covarianceStructure, .maximumIterations, .basis, .episodicObjective, .ways]

    /// Why a setting does not apply to softmax.
    public static func whyNot(_ setting: FitSetting) -> String? {
        switch setting {
        case .reml: "softmax fits V by EM on the marginal likelihood"
        case .taskWeights: "every episode enters the marginal likelihood once; weighting episodes is not implemented"
        default: nil
        }
    }

    /// Fits V over the meta-train tasks.
    /// - Parameters:
    ///   - dataset: tasks whose target holds class labels and whose inputs are the features.
    ///   - request: `options.structure` shapes V, `options.maximumIterations` bounds EM and
    ///     `basis` is `linear` or `pca:k`; every other setting is refused (``honouredSettings``).
    /// - Throws: ``InputError`` for a real-valued target, no task with two classes, or a fit
    ///   that cannot start.
    public static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        guard dataset.classNames != nil else {
            throw InputError(column: dataset.targetName, kind: .invalidValue,
                             "softmax needs a column of class labels as the target, but it holds real numbers")
        }
        try request.refuseSettings(unhonouredBy: self, weighted: dataset.isWeighted)
        let features = try PCAFeatures.requested(by: request.basis, on: dataset, family: name)
        var episodes: [SoftmaxEpisode] = []
        if let episodic = request.episodic {
            // At the test N and K: each seeded N-way episode's K support and Q query points per
            // class are one EM episode, so p(D | V) = p(support | V) p(query | support, V)
            // includes the K-shot predictive of the query labels.
            episodes = try episodic.classEpisodes(of: dataset, features: features, family: name).map {
                SoftmaxEpisode(points: $0.support + $0.queries, labels: $0.supportLabels + $0.queryLabels, classes: $0.ways)
            }
        } else {
            for task in dataset.tasks {
                guard let (labels, classes) = try? SoftmaxPrior.remap(task.targets) else { continue }
                episodes.append(SoftmaxEpisode(points: task.inputs.nestedRows.map { features?.project($0) ?? $0 }, labels: labels, classes: classes.count))
            }
        }
        guard !episodes.isEmpty else {
            throw InputError(column: dataset.targetName, kind: .invalidValue, "no task holds two classes; the softmax prior needs at least one that does")
        }
        let fit: SoftmaxFit
        do {
            fit = try SoftmaxFit(episodes: episodes, structure: request.options.structure, maxIterations: request.options.maximumIterations)
        } catch var error as InputError {
            error.column = error.column ?? dataset.targetName
            throw error
        }
        let p = (features?.count ?? dataset.inputNames.count) + 1
        let prior = try SoftmaxPrior(inputs: dataset.inputNames, covariance: Matrix(rows: p, columns: p, elements: fit.covariance),
                                     structure: request.options.structure, classes: fit.classCount, episodes: episodes.count,
                                     features: features)
        let skipped = request.episodic == nil ? dataset.tasks.count - episodes.count : 0
        let cut = request.episodic.map { " (\($0.ways ?? 0)-way \($0.shots)-shot, Q = \($0.query) per class, seed \($0.seed))" } ?? ""
        return FittedModel(prior: prior, logMarginalLikelihood: fit.logLikelihood, iterations: fit.iterations,
                           gradientNorm: fit.lastChange, converged: fit.converged, tasks: request.episodic == nil ? episodes.count : dataset.tasks.count,
                           observations: episodes.reduce(0) { $0 + $1.count },
                           account: "EM (importance-sampled E-step) over \(fit.classCount) classes in \(episodes.count) episodes\(cut), \(fit.converged ? "converged" : "NOT converged") in \(fit.iterations) iterations (largest relative change of V \(fit.lastChange))",
                           notes: skipped > 0 ? ["\(skipped) task(s) with one class skipped"] : [])
    }

    /// Reads a ``SoftmaxPrior``.
    /// - Parameter decoder: positioned at the prior file's object.
    public static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior {
        try SoftmaxPrior(from: decoder)
    }
}
