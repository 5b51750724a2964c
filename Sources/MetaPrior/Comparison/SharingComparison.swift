// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// `metaprior compare` as a library call: every level of sharing fitted on the meta-train
/// tasks and scored on the *same* seeded episodes of the meta-test tasks by the held-out log
/// predictive density log p(y_query | y_support), divided by Q.
///
/// Per task: the mean over its E episodes, SE over those episodes (sd/√E). Overall: the mean
/// over tasks, SE over tasks. Differences to `learned` are paired by task (SE over tasks of
/// the per-task differences); the negative-transfer report (``transfer``) pairs each level
/// with `independent` episode by episode.
public struct SharingComparison: Sendable {
    /// What to compare and on which episodes.
    public struct Settings: Sendable {
        /// The levels, in the order they are reported.
        public var levels: [SharingLevel]
        /// The feature basis of every level (a fixed one: the levels must share f).
        public var basis: BasisSpec
        /// Support points K per episode.
        public var shots: Int
        /// Query points Q per episode.
        public var query: Int
        /// Episodes per meta-test task (at least 2, for the per-task SE).
        public var episodesPerTask: Int
        /// Seed of the episodes and of the mixture's EM starts.
        public var seed: UInt64
        /// Mixture components (`gaussian_mixture`'s default, 2, unless given).
        public var components: ComponentCount = .fixed(2)

        /// Settings for these levels and episodes.
        public init(levels: [SharingLevel], basis: BasisSpec, shots: Int, query: Int, episodesPerTask: Int, seed: UInt64) {
            self.levels = levels
            self.basis = basis
            self.shots = shots
            self.query = query
            self.episodesPerTask = episodesPerTask
            self.seed = seed
        }
    }

    /// The settings compared under.
    public let settings: Settings
    /// The meta-test tasks scored (ids, in data order; only those with K + Q rows).
    public let tasks: [String]
    /// `perEpisode[l][e]`: level l's log predictive per query point on episode e.
    public let perEpisode: [[Double]]
    /// The episodes every level was scored on (E per task, task by task in a seeded order).
    public let episodes: [Episode]
    /// Number of meta-train tasks fitted on.
    public let trainingTasks: Int

    /// Fits every level on `train` and scores it on episodes of `test`.
    /// - Parameters:
    ///   - train: the meta-train tasks every level is fitted on.
    ///   - test: the meta-test tasks the episodes are cut from.
    ///   - settings: the levels, the basis and the episodes.
    ///   - progress: called with one line per stage (for standard error).
    /// - Throws: ``InputError`` for a basis chosen by the data (`auto`, `rbf:K:auto`, `pca:k`),
    ///   `descriptors` without descriptors in the data, a K for
    ///   which `independent` is improper (K < d), no meta-test task with K + Q rows, or a
    ///   level's fit failing.
    public init(train: MetaDataset, test: MetaDataset, settings: Settings, progress: (@Sendable (String) -> Void)? = nil) throws {
        guard settings.episodesPerTask >= 2 else {
            throw InputError(column: "--episodes", kind: .invalidValue, "give at least 2 episodes per task (the per-task SE is over them)")
        }
        switch settings.basis {
        case .automatic, .learned, .pca:
            throw InputError(column: "--basis", kind: .invalidValue,
                             "compare takes a fixed basis (linear, poly:P, rbf:K[:width], fourier:K[:period], rff:K:lengthscale), shared by every level, not \(settings.basis.description)")
        default: break
        }
        if settings.levels.contains(.descriptors) && train.descriptorNames.isEmpty {
            throw InputError(column: "--levels", kind: .invalidValue, "the descriptors level needs task descriptors; give them with --descriptors file.csv")
        }
        let plain = Self.withoutDescriptors(train)
        let map = try FeatureMap(spec: settings.basis, inputNames: train.inputNames, trainingInputs: plain.tasks.map(\.inputs))
        let statistics = try TaskStatistics(dataset: plain, featureMap: map)
        let spec = EpisodeSpec(shots: settings.shots, query: .count(settings.query), withReplacement: false, seed: settings.seed)
        let sampler = try EpisodeSampler(dataset: test, spec: spec)
        let count = settings.episodesPerTask * sampler.eligibleTasks.count
        try sampler.checkCount(count)
        let episodes = sampler.episodes(count: count)

        var scores = [[Double]](repeating: [], count: settings.levels.count)
        var fitted: [(Int, FewShotMethod)] = []
        for (l, level) in settings.levels.enumerated() {
            progress?("compare: fitting \(level) on \(counted(train.tasks.count, "meta-train task"))")
            switch level {
            case .independent, .pooled, .soft:
                let lambda: Double = switch level { case .independent: 0; case .soft(let value): value; default: .infinity }
                let prior = try FixedSharingPrior(statistics: statistics, precision: lambda)
                scores[l] = try Self.score(prior, map: map, episodes: episodes, dataset: test)
            case .learned, .descriptors:
                var request = FitRequest(basis: settings.basis)
                if level == .descriptors { request.explicitSettings.insert(.descriptors) }
                let fit = try LinearGaussianFamily.fit(level == .descriptors ? train : plain, request: request)
                fitted.append((l, FewShotMethod(name: level.description, description: "", kind: .prior(fit.prior))))
            case .mixture:
                var request = FitRequest(basis: settings.basis)
                request.mixture = MixtureRequest(components: settings.components, seed: settings.seed)
                let fit = try GaussianMixtureFamily.fit(plain, request: request)
                fitted.append((l, FewShotMethod(name: level.description, description: "", kind: .prior(fit.prior))))
            }
        }
        if !fitted.isEmpty {
            progress?("compare: scoring the fitted priors on \(counted(episodes.count, "episode"))")
            // Joint NLL per query point (k = 2), the same quantity the fixed levels score.
            let result = try FewShotEvaluation.evaluate(fitted.map(\.1), episodes: episodes, dataset: test)
            for (m, (l, _)) in fitted.enumerated() { scores[l] = result.perEpisode[m][2].map { -$0 } }
        }
        self.settings = settings
        self.tasks = sampler.eligibleTasks.map { test.tasks[$0].id }
        self.perEpisode = scores
        self.episodes = episodes
        self.trainingTasks = train.tasks.count
    }

    /// The data with its descriptors dropped (for every level but `descriptors`).
    static func withoutDescriptors(_ data: MetaDataset) -> MetaDataset {
        var plain = data
        plain.descriptorNames = []
        for t in plain.tasks.indices { plain.tasks[t].descriptor = nil }
        return plain
    }

    /// Per-episode log predictive of a fixed-λ level, episodes in parallel chunks combined in
    /// order (the same for every thread count).
    static func score(_ prior: FixedSharingPrior, map: FeatureMap, episodes: [Episode], dataset: MetaDataset) throws -> [Double] {
        try DeterministicParallel.map(count: episodes.count, chunkSize: 32) { e in
            let (xs, ys) = episodes[e].supportSet(in: dataset)
            let (xq, yq) = episodes[e].querySet(in: dataset)
            return try prior.logPredictive(supportDesign: try map.design(xs), supportTargets: ys,
                                           queryDesign: try map.design(xq), queryTargets: yq)
        }
    }
}
