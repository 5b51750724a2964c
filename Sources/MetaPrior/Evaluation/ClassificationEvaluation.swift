// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// N-way K-shot classification scores of fitted classifier priors (Model A,
/// ``ClassGaussianPrior``; Model B, ``SoftmaxPrior``) and two baselines on the same seeded
/// episodes.
///
/// Methods: each prior under its label (`class_gaussian`: the Student-t predictives, Bayes'
/// rule, uniform class prior; `softmax`: the posterior predictive, importance-sampled from the Laplace fit); `nearest_mean` (ProtoNet-style: softmax over −‖x − x̄_c‖², x̄_c the support mean of
/// class c); `logistic` (per-episode softmax regression with a weak N(0, 100) prior, MAP).
/// The baselines read the priors' `pca:k` features when all priors share one basis.
///
/// Figures, per query point: accuracy (the most probable class is right), NLL (−log p of the
/// true class), Brier score (Σ_c (p_c − 1[c = y])²), and ECE over 15 equal-width bins of the
/// top-class probability (``expectedCalibrationError(confidences:correct:bins:)``). Standard
/// errors treat episodes that share a task and class set as one cluster: the cluster-robust
/// SE of a ratio mean, √(G/(G−1) Σ_g (S_g − r n_g)²)/Σ n_g, for accuracy, NLL and Brier, and
/// the delete-one-cluster jackknife for ECE.
public struct ClassificationEvaluation: Sendable {
    /// One method's figures.
    public struct Scores: Sendable, Equatable {
        /// A prior's label, `nearest_mean` or `logistic`.
        public var method: String
        /// Accuracy and its clustered SE.
        public var accuracy: (value: Double, standardError: Double)
        /// NLL per query point and its SE.
        public var nll: (value: Double, standardError: Double)
        /// Brier score per query point and its SE.
        public var brier: (value: Double, standardError: Double)
        /// ECE (15 bins) and its jackknife SE.
        public var ece: (value: Double, standardError: Double)

        /// Equal when every figure is.
        /// - Parameters:
        ///   - a: one set of scores.
        ///   - b: another.
        public static func == (a: Scores, b: Scores) -> Bool {
            a.method == b.method && a.accuracy == b.accuracy && a.nll == b.nll && a.brier == b.brier && a.ece == b.ece
        }
    }

    /// The figures per method, the priors first.
    public let scores: [Scores]
    /// The number of clusters (distinct task and class set).
    public let clusters: Int

    /// Scores `episodes` (cut with `--ways`, so each carries remapped labels) of `dataset`.
    /// - Parameters:
    ///   - prior: Model A's (or B's) fitted prior.
    ///   - dataset: the labelled tasks the episodes index.
    ///   - episodes: N-way episodes from ``EpisodeSampler`` with ``EpisodeSpec/ways`` set.
    /// - Throws: ``InputError`` for episodes without class labels or a prior of other inputs.
    public init(prior: any FewShotClassifierPrior, dataset: MetaDataset, episodes: [Episode]) throws {
        try self.init(priors: [(prior.model, prior)], dataset: dataset, episodes: episodes)
    }

    /// Scores several priors (each under its label, in order) and then the two baselines on
    /// the same episodes.
    /// - Parameters:
    ///   - priors: a label and a fitted classifier prior each, all of the data's inputs.
    ///   - dataset: the labelled tasks the episodes index.
    ///   - episodes: N-way episodes from ``EpisodeSampler`` with ``EpisodeSpec/ways`` set.
    ///   - baselines: whether to score `nearest_mean` and `logistic` too (the speed benchmark
    ///     times the priors alone).
    /// - Throws: ``InputError`` for episodes without class labels or a prior of other inputs.
    public init(priors: [(label: String, prior: any FewShotClassifierPrior)], dataset: MetaDataset, episodes: [Episode],
                baselines: Bool = true) throws {
        for (_, prior) in priors where dataset.inputNames != prior.inputs {
            throw InputError(kind: .inconsistent, "the data's inputs \(dataset.inputNames) are not the prior's \(prior.inputs)")
        }
        let methods = priors.map(\.label) + (baselines ? ["nearest_mean", "logistic"] : [])
        // Clusters are numbered in episode order first (serially), then episodes are scored in
        // parallel, each into its own slot, and the slots are read back in episode order: the
        // figures are the same bits on any number of threads (``DeterministicParallel``).
        var clusterIndex: [String: Int] = [:]
        var clusterOf: [Int] = []
        for episode in episodes {
            guard episode.classes != nil, episode.supportLabels != nil, episode.queryLabels != nil else {
                throw InputError(column: "--ways", kind: .invalidValue, "classification episodes need --ways")
            }
            let key = "\(episode.task)|\((episode.classes ?? []).sorted())"
            let cluster = clusterIndex[key] ?? clusterIndex.count
            clusterIndex[key] = cluster
            clusterOf.append(cluster)
        }
        var slots = [[ClusterRecord]](repeating: [], count: episodes.count)
        var failure: (Int, any Error)?
        let lock = NSLock()
        slots.withUnsafeMutableBufferPointer { buffer in
            let out = buffer
            DeterministicParallel.forEachChunk(count: episodes.count, chunkSize: 16) { _, range in
                for e in range {
                    do {
                        out[e] = try Self.score(episodes[e], cluster: clusterOf[e], dataset: dataset, priors: priors, baselines: baselines)
                    } catch {
                        lock.lock()
                        if failure.map({ e < $0.0 }) ?? true { failure = (e, error) }
                        lock.unlock()
                    }
                }
            }
        }
        if let (_, error) = failure { throw error }
        let records = methods.indices.map { m in slots.map { $0[m] } }
        scores = methods.enumerated().map { m, method in Self.summarise(method, records[m], clusters: clusterIndex.count) }
        clusters = clusterIndex.count
    }

    /// One episode's records, one per method (the priors, then the baselines when asked for).
    static func score(_ episode: Episode, cluster: Int, dataset: MetaDataset,
                      priors: [(label: String, prior: any FewShotClassifierPrior)], baselines: Bool) throws -> [ClusterRecord] {
        guard let ways = episode.classes?.count, let supportLabels = episode.supportLabels, let queryLabels = episode.queryLabels else {
            throw InputError(column: "--ways", kind: .invalidValue, "classification episodes need --ways")
        }
        let support = episode.supportSet(in: dataset).inputs.nestedRows
        let queries = episode.querySet(in: dataset).inputs.nestedRows
        let models = try priors.map { try $0.prior.episodeClassifier(support: support, labels: supportLabels, classes: ways) }
        var scorers: [([Double]) throws -> [Double]] = models.map { model in { try model.logProbabilities($0) } }
        if baselines {
            // The baselines see the priors' features: a pca:k basis when every prior has the
            // same one, else the raw inputs.
            let basis = priors.first?.prior.features
            let shared = priors.allSatisfy { $0.prior.features == basis } ? basis : nil
            let support = shared.map { f in support.map(f.project) } ?? support
            var byClass = [[[Double]]](repeating: [], count: ways)
            for (x, y) in zip(support, supportLabels) { byClass[y].append(x) }
            let d = support.first?.count ?? 0
            let centres = byClass.map { points in (0..<d).map { j in points.reduce(0) { $0 + $1[j] } / Double(points.count) } }
            let logistic = try EpisodeLogisticRegression(inputs: support, labels: supportLabels, classes: ways)
            scorers.append { Self.nearestMeanLogProbabilities(shared?.project($0) ?? $0, centres) }
            scorers.append { logistic.logProbabilities(shared?.project($0) ?? $0) }
        }
        return try scorers.map { logProbabilities in
            var record = ClusterRecord(cluster: cluster)
            for (x, y) in zip(queries, queryLabels) { record.add(logProbabilities: try logProbabilities(x), label: y) }
            return record
        }
    }

    /// One episode's sums for one method.
    struct ClusterRecord {
        var cluster: Int
        var count = 0.0, hits = 0.0, nll = 0.0, brier = 0.0
        var confidences: [Double] = [], correct: [Bool] = []

        mutating func add(logProbabilities logP: [Double], label: Int) {
            let p = logP.map(exp)
            let best = p.indices.max { p[$0] < p[$1] } ?? 0
            count += 1
            hits += best == label ? 1 : 0
            nll -= logP[label]
            brier += p.enumerated().reduce(0) { $0 + pow($1.element - ($1.offset == label ? 1 : 0), 2) }
            confidences.append(p[best])
            correct.append(best == label)
        }
    }

    /// ProtoNet's probabilities: softmax over −‖x − centre‖².
    static func nearestMeanLogProbabilities(_ x: [Double], _ centres: [[Double]]) -> [Double] {
        var logits: [Double] = []
        for centre in centres {
            var distance = 0.0
            for j in x.indices { distance += (x[j] - centre[j]) * (x[j] - centre[j]) }
            logits.append(-distance)
        }
        let top = logits.max() ?? 0
        let normaliser = top + log(logits.reduce(0) { $0 + exp($1 - top) })
        return logits.map { $0 - normaliser }
    }

    static func summarise(_ method: String, _ records: [ClusterRecord], clusters g: Int) -> Scores {
        var n = [Double](repeating: 0, count: g), sums = [[Double]](repeating: [0, 0, 0], count: g)
        var confidences = [[Double]](repeating: [], count: g), correct = [[Bool]](repeating: [], count: g)
        for r in records {
            n[r.cluster] += r.count
            sums[r.cluster][0] += r.hits; sums[r.cluster][1] += r.nll; sums[r.cluster][2] += r.brier
            confidences[r.cluster] += r.confidences; correct[r.cluster] += r.correct
        }
        let total = n.reduce(0, +)
        func ratio(_ k: Int) -> (value: Double, standardError: Double) {
            let r = sums.reduce(0) { $0 + $1[k] } / total
            guard g > 1 else { return (r, .nan) }
            let spread = (0..<g).reduce(0.0) { $0 + pow(sums[$1][k] - r * n[$1], 2) }
            return (r, (Double(g) / Double(g - 1) * spread).squareRoot() / total)
        }
        // ECE from per-cluster bin sums, so each delete-one-cluster replicate is a subtraction.
        var bins = [CalibrationBins](repeating: CalibrationBins(), count: g)
        for c in 0..<g { for (p, ok) in zip(confidences[c], correct[c]) { bins[c].add(p, ok) } }
        let all = bins.reduce(CalibrationBins()) { $0 + $1 }
        let ece = all.error
        let jackknife = g > 1 ? bins.map { all.removing($0).error } : []
        let mean = jackknife.reduce(0, +) / Double(max(jackknife.count, 1))
        let eceSE = g > 1 ? (Double(g - 1) / Double(g) * jackknife.reduce(0) { $0 + pow($1 - mean, 2) }).squareRoot() : .nan
        return Scores(method: method, accuracy: ratio(0), nll: ratio(1), brier: ratio(2), ece: (ece, eceSE))
    }
}
