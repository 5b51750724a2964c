// SPDX-License-Identifier: GPL-3.0-or-later

extension PriorFile {
    /// The conditions a prior was meta-trained under, so they can be matched at test time.
    public struct TrainingConditions: Codable, Sendable, Equatable {
        /// What the fit maximised: the marginal likelihood of whole tasks, or the episodic objective.
        public var objective: TrainingObjective
        /// The training data file as the user named it.
        public var dataFile: String
        /// SHA-256 (`sha256:<hex>`) of the training data's bytes; `evaluate` compares it with the
        /// data it scores to reuse the recorded split.
        public var dataDigest: String?
        /// Per-task weights: the column they came from, if any.
        public var weights: String?
        /// The episode spec of an episodic fit: support size K (`5`) or range (`1-10`), query
        /// size Q and the sampler's seed; with ``episodes``, the episodes trained on (per
        /// mini-batch when ``batchEpisodes`` is set). ``episodeSpec`` rebuilds the spec.
        public var shots: String?
        /// Episodic: the query size Q per episode, as text (`10`); per class with ``ways``.
        public var query: String?
        /// Episodic classification: the classes N per episode the class prior was fitted on
        /// (N-way, ``shots``-shot); absent for a marginal fit and for regression.
        public var ways: Int?
        /// Episodic: the seed of the episode sampler.
        public var seed: UInt64?
        /// Episodic: the number of episodes trained on (per mini-batch with ``batchEpisodes``).
        public var episodes: Int?
        /// Episodic: episodes per mini-batch, when the fit drew fresh batches.
        public var batchEpisodes: Int?
        /// Mean log p(y_q | D_s, θ) per query point on the training episodes, at the marginal
        /// start and at the episodic fit.
        public var startLogPredictive: Double?
        /// Mean log p(y_q | D_s, θ) per query point at the episodic fit (see
        /// ``startLogPredictive``).
        public var logPredictive: Double?
        /// The stages of the fit in order, as the report gives them (``FitStage``): each with
        /// `stage`, `objective`, `method`, `iterations`, `value`, `ending` (`converged`,
        /// `iteration_limit`, `stalled`, `time_limit`), `criterion`, `criterion_name`,
        /// `tolerance`, `rank`.
        public var stages: [FitStage]?
        /// The time limit in seconds the fit was given (`fit --time-limit`), if any.
        public var timeLimit: Double?
        /// `true` when the time limit stopped the fit at the best point reached (the file's
        /// `converged` is then `false`).
        public var stoppedAtTimeLimit: Bool?
        /// Rows of the data file left out for a missing value (`--na-action omit`), when any.
        public var rowsOmitted: Int?
        /// Fewest points of a meta-train task.
        public var taskSizeMin: Int?
        /// Most points of a meta-train task: what a marginal fit has seen, so a larger support
        /// set at test time draws a warning.
        public var taskSizeMax: Int?
        /// The meta-split the training tasks came from (its fractions, or `lists`), the seed of
        /// a split by fractions, and the part trained on.
        public var split: RecordedSplit?
        /// The seed of a split by fractions.
        public var splitSeed: UInt64?
        /// The part of the split trained on.
        public var partition: MetaPartition?
        /// Content digests of the meta-train tasks (see ``TaskData/contentDigest``), sorted, so
        /// `evaluate` can refuse to score tasks the prior was fitted on, under any identifier.
        public var trainingTaskDigests: [String]?
        /// The statistics files the prior was fitted from (`fit --statistics`), in the order
        /// given; `nil` for a fit from rows.
        public var statistics: [RecordedStatistics]?

        /// The conditions every fit records; the episodic, size, split and digest keys are set
        /// afterwards as they apply (``PriorTraining`` does).
        public init(objective: TrainingObjective, dataFile: String, dataDigest: String?, weights: String? = nil) {
            self.objective = objective
            self.dataFile = dataFile
            self.dataDigest = dataDigest
            self.weights = weights
        }

        /// The support sizes the prior was meta-trained for: the episode shots of an episodic
        /// fit; `nil` for a marginal fit.
        public var shotRange: ShotRange? {
            guard objective == .episodic, let shots else { return nil }
            return try? ShotRange(parsing: shots)
        }

        /// The sampler spec of an episodic fit (K_max support, Q query, seed).
        public var episodeSpec: EpisodeSpec? {
            guard let range = shotRange, let query, let q = EpisodeSpec.QueryShots(query), let seed else { return nil }
            return EpisodeSpec(shots: range.upper, query: q, withReplacement: true, seed: seed)
        }

        /// The split rule recorded, to split the same data the same way again (`nil` for task lists,
        /// which are not recorded, or no split).
        public var splitRule: SplitRule? {
            guard case .fractions(let f)? = split, f.count == 3, let splitSeed else { return nil }
            return .fractions(train: f[0], validation: f[1], test: f[2], seed: splitSeed)
        }

        /// A plain statement when a support size of `k` is outside what the prior was
        /// meta-trained for, else `nil`. Episodic: K outside the trained shots. Marginal: K
        /// larger than every meta-train task (the whole-task fit never saw that many points).
        public func supportSizeMismatch(_ k: Int) -> String? {
            if let range = shotRange {
                guard !range.contains(k) else { return nil }
                return "the support size K = \(k) is outside what this prior was meta-trained for (episodic, K = \(range)); train and test conditions do not match"
            }
            if let taskSizeMax, k > taskSizeMax {
                return "the support size K = \(k) is larger than any meta-train task (at most \(taskSizeMax) points) this prior was fitted on; train and test conditions do not match"
            }
            return nil
        }
    }
}
