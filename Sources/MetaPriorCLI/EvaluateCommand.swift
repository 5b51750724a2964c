// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// The meta-split options of `evaluate`: those of ``SplitOptions``, but the part scored is
/// meta-test by default.
struct EvaluateSplitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Split tasks into meta-train,validation,test by fractions, e.g. 0.8,0.1,0.1 (the same seeded hash ranking as `fit`; default: the split recorded in the prior file when --data is its training file).", valueName: "f,f,f"))
    var split: String?

    @Option(help: ArgumentHelp("Seed of the split's hash (default: the prior's split seed, else --seed).", valueName: "n"))
    var splitSeed: UInt64?

    @Option(help: ArgumentHelp("Meta-train tasks, comma-separated.", valueName: "ids"))
    var trainTasks: String?

    @Option(help: ArgumentHelp("Meta-validation tasks, comma-separated.", valueName: "ids"))
    var validationTasks: String?

    @Option(help: ArgumentHelp("Meta-test tasks, comma-separated.", valueName: "ids"))
    var testTasks: String?

    @Option(help: ArgumentHelp("Which part of the split to score: train, validation or test.", valueName: "part"))
    var partition: String = "test"

    var isExplicit: Bool { trainTasks != nil || validationTasks != nil || testTasks != nil }

    func validate() throws {
        if split != nil && isExplicit { throw ValidationError("give --split fractions or task lists, not both") }
        guard MetaPartition(rawValue: partition) != nil else {
            throw ValidationError("--partition must be train, validation or test, not '\(partition)'")
        }
        if let split {
            let parts = splitList(split).map(Double.init)
            guard parts.count == 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }),
                  abs(parts.reduce(0) { $0 + $1! } - 1) < 1e-6 else {
                throw ValidationError("--split needs three non-negative fractions train,validation,test adding up to 1, e.g. 0.8,0.1,0.1, not '\(split)'")
            }
        }
    }
}

/// `metaprior evaluate`: few-shot scores of learned priors and baselines on the same episodes.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Meta-test: score priors and baselines on K-shot episodes of held-out tasks (MSE, NLL, interval coverage).",
        discussion: """
        Cuts E episodes from the tasks (K support and Q query points each, seeded) and, for \
        every --prior and each baseline, adapts to the support points and predicts the query \
        points. Reports, per query point and averaged over episodes with a standard error over \
        episodes clustered by task (episodes of one task are correlated): the mean squared error of the predictive mean, the negative log predictive \
        density (per-point marginals), the joint NLL of the query set divided by Q (what the \
        episodic objective maximises), and the coverage of the central 50, 90 and 95% \
        predictive intervals (calibration).

        Baselines (same basis as the first prior): independent, each task alone under a weak \
        fixed prior φ ~ N(0, 10⁴·I) with the noise variance σ² of the first prior file; pooled, \
        one φ for every task, fitted by least squares on all the other tasks being scored \
        (leave-task-out), with no adaptation to the support.

        The priors' training conditions are checked: a support size K outside the shots an \
        episodic prior was trained for (or above every task a marginal prior saw) is a warning \
        (an error with --strict), and tasks the prior was fitted on (by content digest) are \
        refused unless --allow-training-tasks. With no split options and --data the prior's \
        own training file, the prior's recorded split is reused and its test part scored.

        Example:
          metaprior evaluate --prior marginal.json --prior episodic.json --data test.csv --shots 5 --query 10 --episodes 1000 --seed 1 --output report.json
        """
    )

    @Option(help: ArgumentHelp("A prior JSON written by `metaprior fit`; repeat to compare several (e.g. marginal and episodic).", valueName: "file"))
    var prior: [String] = []

    @OptionGroup var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Support points K per episode (default: the shots of the first prior, if episodic with one K).", valueName: "K"))
    var shots: Int?

    @Option(help: ArgumentHelp("Query points Q per episode (default: the first prior's, else 10).", valueName: "Q"))
    var query: Int?

    @Option(help: ArgumentHelp("Number of episodes.", valueName: "E"))
    var episodes: Int = 1000

    @Option(help: ArgumentHelp("Seed of the episodes (and of the split, unless --split-seed).", valueName: "n"))
    var seed: UInt64 = 1

    @OptionGroup var splitOptions: EvaluateSplitOptions

    @Flag(help: "Make a support size outside what a prior was meta-trained for an error, not a warning.")
    var strict = false

    @Flag(help: "Score tasks a prior was fitted on (normally refused: its scores would be optimistic).")
    var allowTrainingTasks = false

    @Flag(help: "Leave out the independent and pooled baselines.")
    var noBaselines = false

    @Option(help: ArgumentHelp("Prior variance of the independent baseline's φ ~ N(0, v·I).", valueName: "v"))
    var independentVariance: Double = 1e4

    @Option(name: .shortAndLong, help: ArgumentHelp("Also write the report here: CSV if the name ends in .csv, JSON otherwise ('-': JSON on standard output instead of the table).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Also write every episode's scores for every method here (CSV), for paired tests of your own.", valueName: "file"))
    var episodesOutput: String?

    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        guard !prior.isEmpty else { throw ValidationError("give at least one --prior file") }
        if let shots, shots < 0 { throw ValidationError("--shots must be 0 or more, not \(shots)") }
        if let query, query < 1 { throw ValidationError("--query must be at least 1, not \(query)") }
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1, not \(episodes)") }
        guard independentVariance > 0, independentVariance.isFinite else { throw ValidationError("--independent-variance must be a positive number") }
    }

    func run() throws {
        let files = try prior.map { try PriorFile.read($0) }
        let first = files[0]
        for (path, file) in zip(prior, files).dropFirst() where file.inputs != first.inputs {
            throw InputError(file: path, column: "inputs", "reads \(file.inputs.joined(separator: ", ")), but \(prior[0]) reads \(first.inputs.joined(separator: ", ")); priors compared must read the same inputs")
        }
        guard let k = shots ?? first.training.shotRange.flatMap({ $0.isFixed ? $0.lower : nil }) else {
            throw ValidationError("give --shots K (the first prior was not trained for one fixed K)")
        }
        let q = query ?? first.training.query.flatMap(Int.init) ?? 10

        // Conditions: the support size each prior was meta-trained for.
        var warnings: [String] = []
        for (path, file) in zip(prior, files) {
            if let mismatch = file.training.supportSizeMismatch(k) {
                if strict { throw InputError(file: path, column: "training.shots", mismatch + " (--strict)") }
                warnings.append("\(path): \(mismatch)")
            }
        }

        // Data: the prior's columns unless told otherwise, then the meta-split.
        var options = dataOptions.readOptions()
        options.taskColumn = options.taskColumn ?? first.taskColumn
        if options.targetColumns == nil { options.targetColumn = options.targetColumn ?? first.target }
        options.featureColumns = options.featureColumns ?? first.inputs
        options.recordsSourceDigest = true
        var dataset = try MetaDataset.read(csv: dataOptions.data, options: options)
        guard dataset.classNames == nil else {
            throw InputError(file: dataOptions.data, column: dataset.targetName, "holds class labels; the linear-Gaussian priors predict a real-valued target (use --kind regression if it is numeric)")
        }
        let dataDigest = dataset.sourceDigest
        var splitNote: String?
        if let split = try chosenSplit(dataset, file: first, dataDigest: dataDigest, note: &splitNote) {
            let ids = split.ids(MetaPartition(rawValue: splitOptions.partition)!)
            guard !ids.isEmpty else { throw InputError(column: "--partition", "the \(splitOptions.partition) part of the split has no tasks") }
            dataset = try dataset.subset(ids: ids)
        }

        // Episodes, the same for every method.
        let spec = EpisodeSpec(shots: k, query: .count(q), withReplacement: true, seed: seed)
        let sampler = try EpisodeSampler(dataset: dataset, spec: spec)
        let eligible = sampler.eligibleTasks.map { dataset.tasks[$0] }

        // Tasks the priors were fitted on.
        for (path, file) in zip(prior, files) {
            guard let trained = file.training.trainingTaskDigests else { continue }
            let known = Set(trained)
            let seen = eligible.filter { known.contains($0.contentDigest) }
            guard !seen.isEmpty else { continue }
            let message = "\(seen.count) of the \(eligible.count) tasks to score (e.g. task '\(seen[0].id)') were used to fit \(path)"
            if !allowTrainingTasks {
                throw InputError(file: dataOptions.data, column: dataset.taskColumn,
                                 message + "; score held-out tasks (--split, --test-tasks) or pass --allow-training-tasks")
            }
            warnings.append("\(message); their scores are optimistic (--allow-training-tasks)")
        }
        for warning in warnings { CLIOutput.note("warning: " + warning) }

        var methods: [FewShotMethod] = []
        let labels = methodNames(files)
        for (i, file) in files.enumerated() {
            let objective = file.training.objective == "episodic" ? "episodic, K = \(file.training.shots ?? "?")" : file.training.objective
            methods.append(FewShotMethod(name: labels[i], description: "learned prior from \(prior[i]) (\(objective), basis \(file.basis.spec))",
                                         kind: .prior(try file.prior(file: prior[i])), basis: file.basis))
        }
        if !noBaselines {
            methods.append(try .independent(basis: first.basis, priorVariance: independentVariance, noiseVariance: first.noiseVariance))
            methods.append(.pooled(basis: first.basis))
        }
        let episodeList = sampler.episodes(count: episodes)
        let result = try FewShotEvaluation.evaluate(methods, episodes: episodeList, dataset: dataset)
        let scores = result.scores
        let report = EvaluationReport(command: commandLine, dataFile: dataOptions.data, dataDigest: dataDigest, shots: k, query: q,
                                      episodes: episodes, seed: seed, tasks: eligible.count, skippedTasks: sampler.skippedTasks.count,
                                      split: splitNote, priors: zip(prior, files).map { EvaluationReport.PriorEntry(path: $0, file: $1) },
                                      warnings: warnings, scores: scores)
        if output == "-" {
            try CLIOutput.write(Array(try report.json()), to: "-")
        } else {
            FileHandle.standardOutput.write(Data(report.table().utf8))
            if let output {
                let bytes = output.lowercased().hasSuffix(".csv") ? report.csv() : Array(try report.json())
                try CLIOutput.write(bytes, to: output)
            }
        }
        if let episodesOutput {
            try CLIOutput.write(EvaluationReport.episodesCSV(result, episodes: episodeList, dataset: dataset), to: episodesOutput)
        }
        reporting.say("evaluated \(methods.count) methods on \(episodes) episodes (K = \(k), Q = \(q)) from \(eligible.count) tasks"
                      + (splitNote.map { " (\($0))" } ?? "") + (output.map { $0 == "-" ? "" : "; report written to \($0)" } ?? ""))
    }

    /// The split asked for, or the prior's own when scoring its training file with no split options.
    private func chosenSplit(_ dataset: MetaDataset, file: PriorFile, dataDigest: String?, note: inout String?) throws -> MetaSplit? {
        let ids = dataset.taskIDs
        if let split = splitOptions.split {
            let f = splitList(split).compactMap(Double.init)
            let splitSeed = splitOptions.splitSeed ?? seed
            note = "\(splitOptions.partition) part of split \(split), seed \(splitSeed)"
            return try MetaSplit.byFractions(ids: ids, train: f[0], validation: f[1], test: f[2], seed: splitSeed)
        }
        if splitOptions.isExplicit {
            note = "\(splitOptions.partition) part of the task lists"
            return try MetaSplit.explicit(ids: ids, train: splitOptions.trainTasks.map(splitList),
                                          validation: splitOptions.validationTasks.map(splitList), test: splitOptions.testTasks.map(splitList))
        }
        let training = file.training
        if let recorded = training.split, recorded.hasPrefix("fractions "), let dataDigest, dataDigest == training.dataDigest {
            let f = splitList(String(recorded.dropFirst("fractions ".count))).compactMap(Double.init)
            guard f.count == 3 else { return nil }
            let splitSeed = splitOptions.splitSeed ?? training.splitSeed ?? seed
            note = "\(splitOptions.partition) part of the prior's split \(f.map { formatted($0) }.joined(separator: ",")), seed \(splitSeed)"
            return try MetaSplit.byFractions(ids: ids, train: f[0], validation: f[1], test: f[2], seed: splitSeed)
        }
        return nil
    }

    /// `marginal prior`, `episodic prior (K=5)`, made unique with the file name when needed.
    private func methodNames(_ files: [PriorFile]) -> [String] {
        let base = files.map { file in
            file.training.objective == "episodic" ? "episodic prior (K=\(file.training.shots ?? "?"))" : "\(file.training.objective) prior"
        }
        return base.enumerated().map { i, name in
            base.filter { $0 == name }.count > 1 ? "\(name) [\(URL(fileURLWithPath: prior[i]).lastPathComponent)]" : name
        }
    }
}
