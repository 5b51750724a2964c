// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A prior that classifies: given an episode's labelled support set it gives class
/// probabilities for query points (Model A, `class_gaussian`; Model B, `softmax`). `evaluate
/// --ways` and `predict` reach every such family through this seam.
public protocol FewShotClassifierPrior: TaskPrior {
    /// The episode's classifier after its support set.
    /// - Parameters:
    ///   - support: the support points, one per entry, in the prior's input columns.
    ///   - labels: each point's class, in 0..<classes; every class has at least one point.
    ///   - classes: N.
    /// - Throws: ``InputError`` for sizes that do not fit the prior.
    func episodeClassifier(support: [[Double]], labels: [Int], classes: Int) throws -> any EpisodeClassifier
    /// The `pca:k` projection the prior reads its inputs through, or nil for the raw inputs.
    var features: PCAFeatures? { get }
}

/// One episode's class probabilities.
public protocol EpisodeClassifier {
    /// log p(c | x*, support) for every class c of the episode.
    /// - Parameter query: one point of the prior's dimension.
    func logProbabilities(_ query: [Double]) throws -> [Double]
}

extension ClassConditionalClassifier: EpisodeClassifier {}
extension SoftmaxTaskPosterior: EpisodeClassifier {}

extension ClassGaussianPrior: FewShotClassifierPrior {
    /// Model A's classifier: each class's Student-t posterior predictive, Bayes' rule.
    /// - Parameters:
    ///   - support: as on ``FewShotClassifierPrior``.
    ///   - labels: as there.
    ///   - classes: as there.
    public func episodeClassifier(support: [[Double]], labels: [Int], classes: Int) throws -> any EpisodeClassifier {
        var byClass = [[[Double]]](repeating: [], count: classes)
        for (x, y) in zip(support, labels) { byClass[y].append(features?.project(x) ?? x) }
        let classifier = try ClassConditionalClassifier(prior: niw, support: byClass.map(ClassStatistics.init(points:)))
        return features.map { ProjectedClassifier(features: $0, inner: classifier) } ?? classifier
    }
}

extension SoftmaxPrior: FewShotClassifierPrior {
    /// Model B's classifier: the posterior predictive, importance-sampled from the episode's Laplace fit.
    /// - Parameters:
    ///   - support: as on ``FewShotClassifierPrior``.
    ///   - labels: as there.
    ///   - classes: as there.
    public func episodeClassifier(support: [[Double]], labels: [Int], classes: Int) throws -> any EpisodeClassifier {
        guard support.allSatisfy({ $0.count == inputs.count }) else {
            throw InputError(kind: .inconsistent, "the support set needs the prior's \(inputs.count) input columns")
        }
        let episode = SoftmaxEpisode(points: support.map { features?.project($0) ?? $0 }, labels: labels, classes: classes)
        let posterior = try SoftmaxTaskPosterior(episode: episode, prior: self, classLabels: Array(0..<classes), sampling: PosteriorSampling(method: .laplace))
        return features.map { ProjectedClassifier(features: $0, inner: posterior) } ?? posterior
    }
}

extension FewShotClassifierPrior {
    /// Class probabilities of query points given a new episode's labelled support set.
    /// - Parameters:
    ///   - support: the support points, one per row, in the prior's input columns.
    ///   - labels: each support row's class label (a whole number), as the data reader gives it.
    ///   - queries: the query points, one per row.
    /// - Returns: the class labels in increasing order, and per query its probabilities in
    ///   that order.
    /// - Throws: ``InputError`` for a support set with fewer than two classes, a label that is
    ///   not a whole number, or a size mismatch.
    public func classProbabilities(support: Matrix, labels: [Double], queries: Matrix) throws
        -> (classes: [Int], probabilities: [[Double]]) {
        guard labels.count == support.rows, support.columns == inputs.count, queries.columns == inputs.count else {
            throw InputError(kind: .inconsistent, "the support set and queries need the prior's \(inputs.count) input columns and one label per support row")
        }
        let (positions, classes) = try SoftmaxPrior.remap(labels)
        let model = try episodeClassifier(support: support.nestedRows, labels: positions, classes: classes.count)
        let probabilities = try queries.nestedRows.map { try model.logProbabilities($0).map(exp) }
        return (classes, probabilities)
    }

    /// ``classProbabilities(support:labels:queries:)`` as CSV: a `# classes:` comment naming
    /// the classes (by `names` when given, else by number), then the inputs, `p.<class>` per
    /// class and `predicted` (the most probable class) for each query.
    /// - Parameters:
    ///   - support: as there.
    ///   - labels: as there.
    ///   - queries: as there.
    ///   - names: the class names, indexed by label (the data reader's classes), or nil.
    /// - Throws: as there.
    public func classProbabilitiesCSV(support: Matrix, labels: [Double], queries: Matrix, names: [String]? = nil) throws -> [UInt8] {
        let (classes, probabilities) = try classProbabilities(support: support, labels: labels, queries: queries)
        let shown = classes.map { c in names.flatMap { c < $0.count ? $0[c] : nil } ?? String(c) }
        var text = "# model: \(model) (uniform class prior over the support set's classes)\n"
        text += "# classes: \(shown.joined(separator: ", "))\n"
        text += (inputs + shown.map { "p.\($0)" } + ["predicted"]).joined(separator: ",") + "\n"
        for (row, p) in zip(queries.nestedRows, probabilities) {
            let best = p.indices.max { p[$0] < p[$1] } ?? 0
            text += (row.map { "\($0)" } + p.map { "\($0)" } + [shown[best]]).joined(separator: ",") + "\n"
        }
        return Array(text.utf8)
    }
}

/// An episode's classifier that reads raw points and hands their ``PCAFeatures`` projection
/// to the classifier built on the projected support set.
struct ProjectedClassifier: EpisodeClassifier {
    let features: PCAFeatures
    let inner: any EpisodeClassifier

    func logProbabilities(_ query: [Double]) throws -> [Double] {
        guard query.count == features.mean.count else {
            throw InputError(kind: .inconsistent, "a query needs the prior's \(features.mean.count) input columns")
        }
        return try inner.logProbabilities(features.project(query))
    }
}

extension PCAFeatures {
    /// The projection a class family's fit asks for: nil for `--basis linear` (the raw
    /// inputs), a `pca:k` basis fitted on every meta-train point of `dataset` for `pca:k`.
    /// - Parameters:
    ///   - basis: the request's basis.
    ///   - dataset: the meta-train data.
    ///   - family: the family's name, for the message.
    /// - Throws: ``InputError`` (column `--basis`) for any other basis, or k outside 1…d.
    static func requested(by basis: BasisSpec, on dataset: MetaDataset, family: String) throws -> PCAFeatures? {
        switch basis {
        case .linear: return nil
        case .pca(let k): return try PCAFeatures(fitting: dataset.tasks.flatMap { $0.inputs.nestedRows }, count: k)
        default:
            throw InputError(column: "--basis", kind: .invalidValue,
                             "--basis \(basis) is not available for the \(family) model: it takes linear (the raw inputs) or pca:k")
        }
    }
}
