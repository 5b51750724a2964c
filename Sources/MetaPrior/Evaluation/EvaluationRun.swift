// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// `metaprior evaluate` as a library call: the policy that makes a few-shot comparison fair.
///
/// - Every prior is scored on the same seeded episodes, with the baselines of the first.
/// - The support size K is checked against each prior's training conditions (a warning, or an
///   error when ``Settings/strict``).
/// - Tasks a prior was fitted on (by content digest) are refused unless
///   ``Settings/allowTrainingTasks``.
/// - With no split given and the data being the first prior's own training file (same
///   digest), the prior's recorded split is reused and its test part scored.
public struct EvaluationRun: Sendable {
    /// What to score, and how.
    public struct Settings: Sendable {
        /// Support points K (default: the first prior's, if it was trained for one K).
        public var shots: Int?
        /// Query points Q (default: the first prior's, else 10).
        public var query: Int?
        /// Number of episodes to score every method on.
        public var episodes: Int
        /// Seed of the episodes (and of the prior's recorded split, unless ``splitSeed``).
        public var seed: UInt64
        /// The split asked for, if any; ``partition`` is the part scored.
        public var split: SplitRule?
        /// The part of the split to score; `nil` means the meta-test part.
        public var partition: MetaPartition?
        /// Seed for the prior's recorded split, overriding the recorded one.
        public var splitSeed: UInt64?
        /// Make a support size K outside a prior's training conditions an error, not a warning.
        public var strict = false
        /// Score tasks a prior was fitted on (with a warning) instead of refusing them; their
        /// scores are then optimistic.
        public var allowTrainingTasks = false
        /// Score the `independent` and `pooled` baselines after the priors.
        public var baselines = true
        /// Prior variance of the `independent` baseline, φ ~ N(0, v·I): 10⁴ is weak next to
        /// features of unit scale, so each task is fitted almost alone (see
        /// ``FewShotMethod/independent(basis:priorVariance:noiseVariance:)``).
        public var independentVariance = 1e4
        /// `--no-descriptor`: a numeric task-level column of a formula prior that a task gives
        /// neither on its rows nor in the descriptors is taken at its meta-train average, and a
        /// prior fitted with task descriptors is scored at its average meta-train descriptor;
        /// with a warning either way (as ``DescriptorInput/average`` in `adapt`).
        public var noDescriptor = false

        /// Settings with K and Q from the first prior's training conditions unless given,
        /// no split, and the baselines on.
        public init(shots: Int? = nil, query: Int? = nil, episodes: Int, seed: UInt64) {
            self.shots = shots
            self.query = query
            self.episodes = episodes
            self.seed = seed
        }
    }

    /// The report: conditions, priors compared, scores and warnings.
    public let report: EvaluationReport
    /// The scores with every per-episode value, for ``EvaluationReport/episodesCSV(_:episodes:dataset:)``.
    public let result: FewShotResult
    /// The episodes every method was scored on.
    public let episodes: [Episode]
    /// The tasks the episodes were cut from (the scored part of the split, when there is one).
    public let dataset: MetaDataset
    /// The split used, when there was one.
    public let split: MetaSplit?

    /// The reader options for the data: the first prior's columns unless `options` names them.
    public static func readOptions(_ options: CSVReadOptions, for priors: [LoadedPrior]) -> CSVReadOptions {
        guard let first = priors.first?.file else { return options }
        var options = options
        options.taskColumn = options.taskColumn ?? first.taskColumn
        if options.targetColumns == nil { options.targetColumn = options.targetColumn ?? first.target }
        options.featureColumns = options.featureColumns ?? first.inputs
        options.inputLevels = first.prior.inputLevels
        return options
    }

    /// Scores `priors` (and the baselines) on episodes of `dataset`, read from `dataFile`.
    /// - Throws: ``InputError`` for priors that read different inputs, no usable K, a support
    ///   size outside the training conditions under ``Settings/strict``, class-label targets,
    ///   an empty part of the split, training tasks among those scored, descriptors that no
    ///   prior reads, or a formula prior's task-level column that varies within a task, differs
    ///   from the task's descriptor, or has no value (see ``readDataset(csv:options:for:)``).
    public init(priors: [LoadedPrior], dataset all: MetaDataset, dataFile: String, dataDigest: String?,
                settings: Settings, command: String) throws {
        guard let first = priors.first else { throw InputError(column: "--prior", "give at least one prior file") }
        for other in priors.dropFirst() where other.file.inputs != first.file.inputs {
            throw InputError(file: other.path, column: "inputs", "reads \(InputError.list(other.file.inputs)), but \(first.path) reads \(InputError.list(first.file.inputs)); priors compared must read the same inputs")
        }
        for other in priors.dropFirst() where other.file.prior.inputLevels != first.file.prior.inputLevels {
            throw InputError(file: other.path, column: "input_levels", "codes its text inputs with other levels than \(first.path); priors compared must read the same inputs")
        }
        guard let k = settings.shots ?? first.file.training.shotRange.flatMap({ $0.isFixed ? $0.lower : nil }) else {
            throw InputError(column: "--shots", "give --shots K (the first prior was not trained for one fixed K)")
        }
        let q = settings.query ?? first.file.training.query.flatMap(Int.init) ?? 10
        var warnings: [String] = []
        for prior in priors {
            guard let mismatch = prior.file.training.supportSizeMismatch(k) else { continue }
            if settings.strict { throw InputError(file: prior.path, column: "training.shots", mismatch + " (--strict)") }
            warnings.append("\(prior.path): \(mismatch)")
        }
        guard all.classNames == nil else {
            throw InputError(file: dataFile, column: all.targetName, "holds class labels; the linear-Gaussian priors predict a real-valued target (use --kind regression if it is numeric)")
        }

        // The tasks to score: the chosen part of the split asked for, or of the prior's own.
        var dataset = all, splitNote: String?, split: MetaSplit?
        let partition = settings.partition ?? .test
        if let rule = Self.splitRule(settings, first: first.file, dataDigest: dataDigest, note: &splitNote, partition: partition) {
            (split, dataset) = try SplitRequest(rule: rule, partition: partition).apply(to: all)
        }

        // A formula prior's task-level columns: from each task's rows, else its descriptors,
        // else (--no-descriptor) the meta-train average; constant within every task.
        try Self.checkDescriptorsAreRead(dataset, priors: priors)
        dataset = try Self.fillTaskLevelColumns(dataset, priors: priors, noDescriptor: settings.noDescriptor, dataFile: dataFile,
                                                warnings: &warnings)

        // Episodes, the same for every method.
        let spec = EpisodeSpec(shots: k, query: .count(q), withReplacement: true, seed: settings.seed)
        let sampler = try EpisodeSampler(dataset: dataset, spec: spec)
        try sampler.checkCount(settings.episodes)
        let eligible = sampler.eligibleTasks.map { dataset.tasks[$0] }
        try Self.checkTrainingTasks(priors, eligible: eligible, dataset: dataset, dataFile: dataFile,
                                    allow: settings.allowTrainingTasks, warnings: &warnings)

        var methods = zip(Self.methodNames(priors), priors).map { name, prior in
            let training = prior.file.training
            let objective = training.objective == .episodic ? "episodic, K = \(training.shots ?? "?")" : training.objective.rawValue
            return FewShotMethod(name: name, description: "learned prior from \(prior.path) (\(objective), basis \(prior.file.prior.featureDescription))",
                                 kind: .prior(Self.scoredPrior(prior, noDescriptor: settings.noDescriptor, warnings: &warnings)))
        }
        if settings.baselines {
            methods += try FewShotMethod.baselines(for: first.file.prior, independentVariance: settings.independentVariance)
        }
        let episodes = sampler.episodes(count: settings.episodes)
        let result = try FewShotEvaluation.evaluate(methods, episodes: episodes, dataset: dataset)
        self.report = EvaluationReport(command: command, dataFile: dataFile, dataDigest: dataDigest, shots: k, query: q,
                                       episodes: settings.episodes, seed: settings.seed, tasks: eligible.count,
                                       skippedTasks: sampler.skippedTasks.count, split: splitNote,
                                       priors: priors.map(EvaluationReport.PriorEntry.init), warnings: warnings,
                                       scores: result.scores)
        self.result = result
        self.episodes = episodes
        self.dataset = dataset
        self.split = split
    }

    /// One line for a person: what was scored.
    public var summary: String {
        "evaluated \(counted(report.scores.count, "method")) on \(counted(report.episodes, "episode")) (K = \(report.shots), Q = \(report.query)) from \(counted(report.tasks, "task"))"
            + (report.split.map { " (\($0))" } ?? "")
    }

    /// The split asked for, or the first prior's own when its training file is the data scored.
    private static func splitRule(_ settings: Settings, first: PriorFile, dataDigest: String?, note: inout String?,
                                  partition: MetaPartition) -> SplitRule? {
        switch settings.split {
        case let .fractions(train, validation, test, seed)?:
            note = "\(partition.rawValue) part of split \([train, validation, test].map(RecordedSplit.text).joined(separator: ",")), seed \(seed)"
            return settings.split
        case .lists?:
            note = "\(partition.rawValue) part of the task lists"
            return settings.split
        case nil:
            let training = first.training
            guard case .fractions(let f)? = training.split, f.count == 3, let dataDigest, dataDigest == training.dataDigest else { return nil }
            let seed = settings.splitSeed ?? training.splitSeed ?? settings.seed
            note = "\(partition.rawValue) part of the prior's split \(f.map { significant($0) }.joined(separator: ",")), seed \(seed)"
            return .fractions(train: f[0], validation: f[1], test: f[2], seed: seed)
        }
    }

    /// Refuses (or, when allowed, warns about) tasks a prior was fitted on, by the content
    /// digests its file records: the regression evaluate and `evaluate --ways` share it.
    /// - Parameters:
    ///   - priors: the priors to be scored.
    ///   - eligible: the tasks episodes may be cut from.
    ///   - dataset: the data they belong to (for the task column's name).
    ///   - dataFile: the data file, for the error.
    ///   - allow: warn instead of refusing (`--allow-training-tasks`).
    ///   - warnings: where a warning is appended.
    /// - Throws: ``InputError`` naming a meta-train task, unless `allow`.
    public static func checkTrainingTasks(_ priors: [LoadedPrior], eligible: [TaskData], dataset: MetaDataset, dataFile: String,
                                           allow: Bool, warnings: inout [String]) throws {
        for prior in priors {
            guard let trained = prior.file.training.trainingTaskDigests else { continue }
            let known = Set(trained)
            let seen = eligible.filter { known.contains($0.contentDigest) }
            guard !seen.isEmpty else { continue }
            let message = "\(seen.count) of the \(eligible.count) tasks to score (e.g. task \(InputError.quoted(seen[0].id))) were used to fit \(prior.path)"
            if !allow {
                throw InputError(file: dataFile, column: dataset.taskColumn,
                                 message + "; score held-out tasks (--split, --test-tasks) or pass --allow-training-tasks")
            }
            warnings.append("\(message); their scores are optimistic (--allow-training-tasks)")
        }
    }

    /// `marginal prior`, `episodic prior (K=5)`, made unique with the file name when needed.
    static func methodNames(_ priors: [LoadedPrior]) -> [String] {
        let base = priors.map { prior in
            let training = prior.file.training
            return training.objective == .episodic ? "episodic prior (K=\(training.shots ?? "?"))" : "\(training.objective.rawValue) prior"
        }
        return base.enumerated().map { i, name in
            base.filter { $0 == name }.count > 1 ? "\(name) [\(URL(fileURLWithPath: priors[i].path).lastPathComponent)]" : name
        }
    }
}
