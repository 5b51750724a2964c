// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `metaprior episodes`: cut tasks into support/query episodes.
struct EpisodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "episodes",
        abstract: "Cut tasks into episodes: a support set to adapt on and a query set to evaluate on.",
        discussion: """
        Support set: the K labelled points (D_train) a learner adapts to a task on.
        Query set: further points of the same task (D_test), never shared with the support set, that the adapted learner is scored on.
        Episode e draws from the random stream (seed, e) and tasks are taken in sorted-id order, so the same seed gives the same episodes whatever the row order or number of threads.
        Output columns: episode, task, role (support|query), the inputs, the target (episode labels 0..N-1 with --ways, then the original class).
        Store the spec with --spec-output and reuse it with --spec, so test-time episodes match training.
        """
    )

    @OptionGroup var data: DataOptions
    @OptionGroup var splitOptions: SplitOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Shots K: support points per task (per class with --ways) that the learner adapts on.", valueName: "K"))
    var shots: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Query shots Q: held-out points per task (per class) to score on, disjoint from the support; a number or 'all' (every remaining point).", valueName: "Q"),
            transform: { text in
                guard let query = EpisodeSpec.QueryShots(text) else { throw ValidationError("--query must be a number or 'all', not \(InputError.quoted(text))") }
                return query
            })
    var query: EpisodeSpec.QueryShots?

    @Option(parsing: .unconditional, help: ArgumentHelp("Ways N: classes per episode (N-way K-shot classification); labels are remapped to 0..N-1 in a random order.", valueName: "N"))
    var ways: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Number of episodes.", valueName: "E"))
    var episodes: Int

    @Option(parsing: .unconditional, help: ArgumentHelp("Random seed (with --spec: overrides the spec's seed).", valueName: "n"))
    var seed: UInt64?

    @Flag(help: "Go through the tasks in passes, each task once per pass (default: each episode picks its task independently, with replacement).")
    var withoutReplacement = false

    @Option(help: ArgumentHelp("Tasks too small for K + Q points (per class): skip (and count them) or reject (stop with an error); default skip.", valueName: "policy"),
            transform: choice("--small-tasks"))
    var smallTasks: EpisodeSpec.SmallTaskPolicy?

    @Option(help: ArgumentHelp("Read the episode spec (shots, query, ways, replacement, seed) from this JSON file.", valueName: "file"))
    var spec: String?

    @Option(help: ArgumentHelp("Write the episode spec as JSON to this file, to reuse at test time.", valueName: "file"))
    var specOutput: String?

    @Option(help: ArgumentHelp("Write the episodes CSV here (default or '-': standard output).", valueName: "file"))
    var output: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Threads (default: all cores); the output does not depend on it.", valueName: "n"))
    var threads: Int = 0

    @Flag(help: "Print nothing on standard error.")
    var quiet = false

    func validate() throws {
        try data.requireData()
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1, not \(episodes)") }
        try OptionRange.check("--episodes", episodes, 1...EpisodeSampler.maximumEpisodes, "every episode is kept in memory")
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (all cores) or more, not \(threads)") }
        try OptionRange.check("--threads", threads, 0...OptionRange.threads, "more threads than cores gain nothing")
        if spec != nil {
            if shots != nil || query != nil || ways != nil || withoutReplacement {
                throw ValidationError("--spec gives shots, query, ways and replacement: do not also give --shots, --query, --ways or --without-replacement")
            }
            return
        }
        guard let shots else { throw ValidationError("give --shots K (or --spec FILE)") }
        try OptionRange.check("--shots", shots, 0...EpisodeSpec.maximumShots, "a task must hold K + Q rows")
        guard let query else { throw ValidationError("give --query Q (a number, or 'all')") }
        if case .count(let q) = query, q < 1 { throw ValidationError("--query must be at least 1 (or 'all'), not \(q)") }
        if case .count(let q) = query { try OptionRange.check("--query", q, 1...EpisodeSpec.maximumShots, "a task must hold K + Q rows") }
        if let ways { try OptionRange.check("--ways", ways, 2...EpisodeSpec.maximumWays, "classes per episode") }
        guard seed != nil else { throw ValidationError("give --seed") }
        if !splitOptions.isActive && (splitOptions.splitOutput != nil || splitOptions.partition != nil) {
            throw ValidationError("--partition and --split-output need --split or task lists")
        }
    }

    /// The spec in force: from --spec, or from the options.
    func episodeSpec() throws -> EpisodeSpec {
        if let spec {
            var loaded = try EpisodeSpec.read(json: spec)
            if let seed { loaded.seed = seed }
            if let smallTasks { loaded.smallTasks = smallTasks }
            return loaded
        }
        guard let shots, let query, let seed else { throw ValidationError("give --shots, --query and --seed (or --spec FILE)") }
        return EpisodeSpec(shots: shots, query: query, ways: ways,
                           withReplacement: !withoutReplacement, seed: seed, smallTasks: smallTasks ?? .skip)
    }

    func run() throws {
        let outputs = try CLIOutput.prepare([splitOptions.splitOutput, specOutput, output])
        let spec = try episodeSpec()
        let dataset = try data.load(classification: spec.ways != nil)
        var taskIDs: [String]? = nil
        var splitBytes: [UInt8]? = nil
        if let rule = splitOptions.rule(defaultSeed: spec.seed) {
            let partition = splitOptions.partition ?? .train
            let split = try rule.split(dataset.taskIDs)
            let ids = split.ids(partition)
            guard !ids.isEmpty else { throw ValidationError("the \(partition.rawValue) part of the split has no tasks") }
            taskIDs = ids
            splitBytes = split.csvBytes(taskColumn: dataset.taskColumn)
        }
        let sampler: EpisodeSampler
        do {
            sampler = try EpisodeSampler(dataset: dataset, spec: spec, taskIDs: taskIDs)
            try sampler.checkCount(self.episodes, option: "--episodes")
        } catch var error as InputError where error.file == nil {
            error.file = data.data
            throw error
        }
        let episodes = sampler.episodes(count: self.episodes, threads: threads)
        let csv = sampler.csvBytes(episodes)
        let specJSON = try spec.jsonData()
        // Everything is computed before the first file is written: an error writes nothing.
        if let path = splitOptions.splitOutput, let splitBytes { try outputs.write(splitBytes, to: path) }
        if let specOutput { try outputs.write(Array(specJSON), to: specOutput) }
        try outputs.write(csv, to: output)
        try outputs.commit()
        if !quiet {
            let tasks = sampler.eligibleTasks.count
            var note = "episodes: \(episodes.count) episode\(episodes.count == 1 ? "" : "s") from \(tasks) task\(tasks == 1 ? "" : "s")"
            if !sampler.skippedTasks.isEmpty {
                let shown = sampler.skippedTasks.prefix(5).joined(separator: ", ")
                note += "; skipped \(sampler.skippedTasks.count) task\(sampler.skippedTasks.count == 1 ? "" : "s") too small for K + Q = \(spec.rowsNeeded)\(spec.ways.map { " per class in \($0) classes" } ?? "") (\(shown)\(sampler.skippedTasks.count > 5 ? ", …" : ""))"
            }
            CLIOutput.note(note)
        }
    }
}
