// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// One row of the choice of K: the fit on the meta-train subset and its held-out score.
public struct ComponentChoice: Codable, Sendable, Equatable {
    /// K.
    public var components: Int
    /// Mean over held-out episodes of log p(y_query | y_support) / Q (nats per query point).
    public var heldOutLogPredictive: Double
    /// Its standard error over episodes, clustered by task.
    public var standardError: Double
    /// ℓ of the fit on the meta-train subset.
    public var logLikelihood: Double
    /// BIC of that fit, −2ℓ + p log T (``MixtureFitResult/bic``).
    public var bic: Double
    /// Whether that fit converged.
    public var converged: Bool
    /// The best K's held-out score minus this K's, episode by episode: mean …
    public var shortfall: Double
    /// … and its standard error, clustered by task (paired: the same episodes).
    public var shortfallSE: Double
    /// Whether this K was chosen.
    public var chosen: Bool

    // `shortfallSe`, not `shortfallSE`: the prior file's snake_case coding writes `shortfall_se`
    // either way, but reads that key back as `shortfallSe`, so the acronym spelling never matched
    // and a file with a choice of K could not be read.
    enum CodingKeys: String, CodingKey {
        case components, heldOutLogPredictive, standardError, logLikelihood, bic, converged, shortfall, chosen
        case shortfallSE = "shortfallSe"
    }

    /// The table as report lines.
    static func reportLines(_ rows: [ComponentChoice]) -> [String] {
        ["  choice of K (held-out log predictive density per query point, BIC on the meta-train subset):"]
            + rows.map { row in
                "    K = \(row.components): \(significant(row.heldOutLogPredictive, 6)) ± \(significant(row.standardError, 2)); "
                    + "below the best by \(significant(row.shortfall, 3)) ± \(significant(row.shortfallSE, 2)) (paired); BIC \(significant(row.bic, 8))"
                    + "\(row.converged ? "" : " (not converged)")\(row.chosen ? "  ← chosen" : "")"
            }
    }
}

/// Chooses K by held-out episodic predictive density (README "Mixture prior").
///
/// The tasks are shuffled with the seed (substream 2⁴⁰ of it) and a quarter of them (at least
/// one) held out. Each K is fitted on the rest (``GaussianMixtureFit``), then scored on
/// ``episodes`` seeded episodes of the held-out tasks (``EpisodeSampler``, K = ``shots`` support
/// and Q = ``query`` query points, tasks too small skipped) by the exact mixture predictive
/// log p(y_q | y_s) / Q. The chosen K is the smallest whose mean falls short of the best K's by
/// at most one standard error of the paired difference (the same episodes; the one-standard-
/// error rule: a larger K nests a smaller one, so on data from fewer components its held-out
/// score differs from theirs by noise only, and the rule keeps the simpler model). BIC is
/// reported beside it. The chosen K is then fitted on all tasks.
public enum ComponentSelection {
    /// Support points per held-out episode.
    public static let shots = 5
    /// Query points per held-out episode.
    public static let query = 10
    /// Held-out episodes.
    public static let episodes = 1000
    /// Fraction of tasks held out.
    public static let heldOutFraction = 0.25

    /// The table of the choice over `candidates`, one row per K, the chosen one marked.
    /// - Throws: ``InputError`` when too few tasks are left on either side, or no held-out task
    ///   has K + Q points.
    public static func choose(_ dataset: MetaDataset, featureMap: FeatureMap, candidates: ClosedRange<Int>,
                              options: MixtureFitOptions) throws -> [ComponentChoice] {
        var ids = dataset.canonicalTaskOrder.map { dataset.tasks[$0].id }
        RandomStream(seed: options.seed, stream: 1 << 40).shuffle(&ids)
        let held = Swift.max(1, Int((heldOutFraction * Double(ids.count)).rounded()))
        guard ids.count - held >= candidates.upperBound else {
            throw InputError(column: "--components", kind: .invalidValue,
                             "choosing K up to \(candidates.upperBound) needs at least \(candidates.upperBound) meta-train tasks after holding out \(held); there are \(ids.count) tasks")
        }
        let train = try dataset.subset(ids: Array(ids[held...]))
        let heldOut = try dataset.subset(ids: Array(ids[..<held]))
        let statistics = try TaskStatistics(dataset: train, featureMap: featureMap)
        let sampler = try EpisodeSampler(dataset: heldOut, spec: EpisodeSpec(shots: shots, query: .count(query), seed: options.seed))
        let chosenEpisodes = sampler.episodes(count: episodes)
        var rows: [ComponentChoice] = []
        var scores: [[Double]] = []
        for k in candidates {
            var fitOptions = options
            fitOptions.components = k
            let fit = try GaussianMixtureFit.fit(statistics, options: fitOptions)
            let prior = try GaussianMixturePrior(basis: featureMap, mixture: fit.mixture)
            let score = try heldOutScore(prior, episodes: chosenEpisodes, dataset: heldOut)
            scores.append(score.perEpisode)
            rows.append(ComponentChoice(components: k, heldOutLogPredictive: score.mean, standardError: score.se,
                                        logLikelihood: fit.logLikelihood, bic: fit.bic, converged: fit.converged,
                                        shortfall: 0, shortfallSE: 0, chosen: false))
        }
        let best = rows.indices.max { rows[$0].heldOutLogPredictive < rows[$1].heldOutLogPredictive }!
        let clusters = chosenEpisodes.map(\.task)
        for r in rows.indices {
            let paired = clusteredMeanAndStandardError(zip(scores[best], scores[r]).map { $0 - $1 }, clusters: clusters)
            rows[r].shortfall = paired.mean
            rows[r].shortfallSE = paired.se
        }
        rows[rows.indices.first { rows[$0].shortfall <= rows[$0].shortfallSE }!].chosen = true
        return rows
    }

    /// Per episode, log p(y_q | y_s) / Q under `prior` (exact), and their mean and standard
    /// error clustered by task.
    public static func heldOutScore(_ prior: GaussianMixturePrior, episodes: [Episode], dataset: MetaDataset) throws
        -> (perEpisode: [Double], mean: Double, se: Double) {
        let values = try episodes.map { episode in
            let (xs, ys) = episode.supportSet(in: dataset)
            let (xq, yq) = episode.querySet(in: dataset)
            return try prior.mixturePosterior(inputs: xs, targets: ys).logPredictiveDensity(at: xq, targets: yq) / Double(yq.count)
        }
        let summary = clusteredMeanAndStandardError(values, clusters: episodes.map(\.task))
        return (values, summary.mean, summary.se)
    }
}
