// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Few-shot scores of one method over a set of episodes. Every number is a mean over
/// episodes of a per-episode mean over its query points, with its standard error over
/// episodes, clustered by task (episodes of one task are correlated; with one episode per
/// task this is the sample sd / √E).
public struct FewShotScore: Sendable, Equatable {
    /// The method's short name (``FewShotMethod/name``).
    public var name: String
    /// One sentence on the method (``FewShotMethod/description``).
    public var description: String
    /// Mean squared error of the predictive mean.
    public var mse: Double
    /// Standard error of ``mse``, clustered by task.
    public var mseSE: Double
    /// Negative log predictive density per query point, from the per-point marginals
    /// N(y; mean, var).
    public var nll: Double
    /// Standard error of ``nll``, clustered by task.
    public var nllSE: Double
    /// −log of the *joint* predictive density of the query points, divided by Q (the
    /// quantity the episodic objective maximises, with the sign flipped).
    public var jointNLL: Double
    /// Standard error of ``jointNLL``, clustered by task.
    public var jointNLLSE: Double
    /// Fraction of query points inside the central predictive interval at each of
    /// ``FewShotEvaluation/levels``, and its standard error.
    public var coverage: [Double]
    /// Standard errors of ``coverage``, clustered by task, one per level.
    public var coverageSE: [Double]
    /// Number of episodes scored.
    public var episodes: Int
    /// Number of query points scored, over all episodes.
    public var queryPoints: Int
    /// This method minus the first method, episode by episode (`nil` for the first).
    public var versusFirst: PairedDifference?
    /// For a 0/1 target (a ``DiscretePredictivePosterior`` that ``DiscretePredictivePosterior/isBinary``):
    /// the fraction of query points whose y the predictive probability gets right (y = 1
    /// predicted when P(y = 1) ≥ ½); `nil` otherwise. ``mse`` is then the Brier score and
    /// ``nll`` the log loss.
    public var accuracy: Double?
    /// Standard error of ``accuracy``, clustered by task.
    public var accuracySE: Double?
    /// For a 0/1 target: the expected calibration error over all query points, with 10 equal
    /// bins of the predicted probability, Σ_b (n_b/N)·|mean y − mean P(y = 1)| over the bin's
    /// points; `nil` otherwise.
    public var calibrationError: Double?
}

/// Paired differences (this method − the reference) over the same episodes, with standard
/// errors clustered by task: negative MSE or NLL differences favour this method.
public struct PairedDifference: Sendable, Equatable {
    /// Name of the reference method (the first one scored).
    public var against: String
    /// Mean over episodes of this method's MSE minus the reference's.
    public var mse: Double
    /// Standard error of ``mse``, clustered by task.
    public var mseSE: Double
    /// Mean over episodes of this method's NLL minus the reference's.
    public var nll: Double
    /// Standard error of ``nll``, clustered by task.
    public var nllSE: Double
    /// Mean over episodes of this method's joint NLL minus the reference's.
    public var jointNLL: Double
    /// Standard error of ``jointNLL``, clustered by task.
    public var jointNLLSE: Double
}

/// Scores and per-episode values of one evaluation.
public struct FewShotResult: Sendable {
    /// One score per method, in the order the methods were given.
    public var scores: [FewShotScore]
    /// `perEpisode[m][k][e]`: for method m and episode e, k = 0 squared error, 1 NLL, 2 joint
    /// NLL, 3… covered fraction at each of ``FewShotEvaluation/levels`` (means over the
    /// episode's query points).
    public var perEpisode: [[[Double]]]
}

/// Scores methods on the same episodes: MSE, NLL, joint NLL and the coverage of the central
/// 50 / 90 / 95 % predictive intervals (calibration).
public enum FewShotEvaluation {
    /// Levels of the central intervals whose coverage is reported.
    public static let levels: [Double] = [0.5, 0.9, 0.95]
    /// Bins of the predicted probability for the expected calibration error.
    static let calibrationBins = 10

    /// Scores every method on every episode. Episodes are processed in parallel in fixed
    /// chunks and combined in order, so the result does not depend on the number of threads.
    public static func score(_ methods: [FewShotMethod], episodes: [Episode], dataset: MetaDataset) throws -> [FewShotScore] {
        try evaluate(methods, episodes: episodes, dataset: dataset).scores
    }

    /// The scores and every per-episode value: `perEpisode[m][k][e]` for method m, episode e
    /// and k = 0 squared error, 1 NLL, 2 joint NLL, 3… covered fraction at each level (all
    /// means over the episode's query points).
    public static func evaluate(_ methods: [FewShotMethod], episodes: [Episode], dataset: MetaDataset) throws -> FewShotResult {
        guard !episodes.isEmpty else { throw InputError("no episodes to score") }
        let z = try levels.map { try Normal().quantile((1 + $0) / 2) }
        // Pooled baselines: all-task sums of each basis, for leave-task-out least squares.
        var pooledStatistics: [Int: TaskStatistics] = [:]
        for (m, method) in methods.enumerated() {
            if case .pooled(let basis) = method.kind { pooledStatistics[m] = try TaskStatistics(dataset: dataset, featureMap: basis) }
        }
        let perEpisode = 3 + levels.count   // squared error, nll, joint nll, covered per level (sums over query points)
        // Then, for discrete predictives: a flag (1 for a 0/1 target), the correct predictions,
        // and per calibration bin its points, Σ P(y = 1) and Σ y.
        let width = perEpisode + 2 + 3 * calibrationBins
        let stride = methods.count * width
        var values = [Double](repeating: 0, count: episodes.count * stride)
        var failure: (Int, Error)?
        let lock = NSLock()
        values.withUnsafeMutableBufferPointer { V in
            let out = V
            DeterministicParallel.forEachChunk(count: episodes.count, chunkSize: 32) { _, range in
                for e in range {
                    do {
                        let episode = episodes[e]
                        let (xs, ys) = episode.supportSet(in: dataset)
                        let (xq, yq) = episode.querySet(in: dataset)
                        for (m, shared) in methods.enumerated() {
                            let method = try shared.forTask(dataset.tasks[episode.task], descriptorNames: dataset.descriptorNames)
                            let slot = out.baseAddress! + e * stride + m * width
                            if case .prior(let prior) = method.kind,
                               let discrete = try prior.posterior(inputs: xs, targets: ys, sampling: PosteriorSampling(method: .laplace))
                                as? any DiscretePredictivePosterior {
                                try scoreDiscrete(discrete, query: xq, observed: yq, into: slot, perEpisode: perEpisode)
                                continue
                            }
                            if case .prior(let prior) = method.kind, let mixture = prior as? GaussianMixturePrior {
                                try scoreMixture(try mixture.mixturePosterior(inputs: xs, targets: ys), query: xq, observed: yq, into: slot)
                                continue
                            }
                            let (mean, covariance) = try predictive(method, support: (xs, ys), query: xq,
                                                                    task: episode.task, pooled: pooledStatistics[m])
                            for i in 0..<yq.count {
                                let error = yq[i] - mean[i]
                                let variance = covariance[i, i]
                                slot[0] += error * error
                                slot[1] += 0.5 * (log(2 * Double.pi * variance) + error * error / variance)
                                for (l, zl) in z.enumerated() where abs(error) <= zl * variance.squareRoot() { slot[3 + l] += 1 }
                            }
                            let chol = try Cholesky(covariance, jitter: .allowed(maximum: 1e-10 * covariance.trace))
                            let white = try chol.solveLower(zip(yq, mean).map { $0 - $1 })
                            slot[2] = 0.5 * (Double(yq.count) * log(2 * Double.pi) + chol.logDeterminant + white.reduce(0) { $0 + $1 * $1 })
                        }
                    } catch {
                        lock.lock(); if failure == nil || failure!.0 > e { failure = (e, error) }; lock.unlock()
                    }
                }
            }
        }
        if let (e, error) = failure {
            throw InputError("episode \(e) (task \(InputError.quoted(dataset.tasks[episodes[e].task].id))): \(error)")
        }
        let clusters = episodes.map(\.task)
        // values[m][k][e]: per-episode means over the query points.
        let table: [[[Double]]] = methods.indices.map { m in
            (0..<(perEpisode + 2)).map { k in
                episodes.indices.map { e in values[e * stride + m * width + k] / Double(episodes[e].query.count) }
            }
        }
        let points = episodes.reduce(0) { $0 + $1.query.count }
        let scores = methods.enumerated().map { m, method -> FewShotScore in
            let summaries = table[m][..<perEpisode].map { meanAndStandardError($0, clusters: clusters) }
            // Paired against the first method: the same episodes, so the SE of the difference
            // is much smaller than either SE.
            let paired: [(mean: Double, se: Double)]? = m == 0 ? nil : (0..<3).map { k in
                meanAndStandardError(zip(table[m][k], table[0][k]).map { $0 - $1 }, clusters: clusters)
            }
            let binary = table[m][perEpisode].contains { $0 > 0 }
            let accuracy = binary ? meanAndStandardError(table[m][perEpisode + 1], clusters: clusters) : nil
            var score = FewShotScore(name: method.name, description: method.description,
                                mse: summaries[0].mean, mseSE: summaries[0].se, nll: summaries[1].mean, nllSE: summaries[1].se,
                                jointNLL: summaries[2].mean, jointNLLSE: summaries[2].se,
                                coverage: summaries[3...].map(\.mean), coverageSE: summaries[3...].map(\.se),
                                episodes: episodes.count, queryPoints: points,
                                versusFirst: paired.map { p in
                                    PairedDifference(against: methods[0].name, mse: p[0].mean, mseSE: p[0].se, nll: p[1].mean,
                                                     nllSE: p[1].se, jointNLL: p[2].mean, jointNLLSE: p[2].se)
                                })
            if binary {
                score.accuracy = accuracy?.mean
                score.accuracySE = accuracy?.se
                score.calibrationError = calibrationError(values, method: m, stride: stride, width: width, perEpisode: perEpisode, episodes: episodes.count)
            }
            return score
        }
        return FewShotResult(scores: scores, perEpisode: table.map { Array($0[..<perEpisode]) })
    }

    /// Predictive mean and covariance (Q×Q, noise included) of the query points.
    static func predictive(_ method: FewShotMethod, support: (Matrix, [Double]), query: Matrix, task: Int,
                           pooled: TaskStatistics?) throws -> ([Double], Matrix) {
        switch method.kind {
        case .prior(let prior):
            return try prior.posterior(inputs: support.0, targets: support.1).jointPredictive(at: query)
        case .pooled(let basis):
            guard let s = pooled else { throw InputError("the pooled baseline has no statistics") }
            let phi = try basis.design(query)
            let d = s.dimension
            // Leave-task-out sums, summed in task order (the same for every thread count).
            var a = [Double](repeating: 0, count: d * d), b = [Double](repeating: 0, count: d)
            var c = 0.0, n = 0
            for t in 0..<s.taskCount where t != task {
                s.gram.withUnsafeBufferPointer { g in for i in 0..<(d * d) { a[i] += g[t * d * d + i] } }
                for i in 0..<d { b[i] += s.cross[t * d + i] }
                c += s.targetSquares[t]; n += s.counts[t]
            }
            var gram = try Matrix(rows: d, columns: d, elements: a)
            let ridge = 1e-8 * Swift.max(gram.trace / Double(d), 1e-300)
            for i in 0..<d { gram[i, i] += ridge }
            let phiHat = try Cholesky(gram, jitter: .allowed(maximum: gram.trace)).solve(b)
            let aPhi = try (try Matrix(rows: d, columns: d, elements: a)).multiplied(by: phiHat)
            var rss = c
            for i in 0..<d { rss += phiHat[i] * (aPhi[i] - 2 * b[i]) }
            let variance = Swift.max(rss, 0) / Double(Swift.max(n - d, 1))
            let mean = try phi.multiplied(by: phiHat)
            var covariance = Matrix(rows: phi.rows, columns: phi.rows)
            for i in 0..<phi.rows { covariance[i, i] = Swift.max(variance, 1e-300) }
            return (mean, covariance)
        }
    }

    /// Mean and its standard error, clustered by task (`clusteredMeanAndStandardError`).
    static func meanAndStandardError(_ x: [Double], clusters: [Int]) -> (mean: Double, se: Double) {
        clusteredMeanAndStandardError(x, clusters: clusters)
    }
}

