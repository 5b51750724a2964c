// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `evaluate --ways N`: N-way K-shot classification episodes (issue 15).
struct ClassificationEvaluateOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Classification: classes N per episode (N-way K-shot; --shots and --query are then per class). Needs class_gaussian or softmax --prior files (each scored on the same episodes).", valueName: "N"))
    var ways: Int?
}

extension EvaluateCommand {
    /// Scores every prior (class_gaussian or softmax) and the nearest-mean and logistic
    /// baselines on the same seeded N-way episodes and prints one table row per method.
    func runClassification(ways: Int, outputs: OutputPlan) throws {
        guard ways >= 2 else { throw ValidationError("--ways must be at least 2, not \(ways)") }
        let loaded = try prior.map { try LoadedPrior(path: $0) }
        var classifiers: [(label: String, prior: any FewShotClassifierPrior)] = []
        for (path, file) in zip(prior, loaded) {
            guard let classPrior = file.file.prior as? any FewShotClassifierPrior else {
                throw ValidationError("--ways needs a class_gaussian or softmax prior; \(path) holds \(file.file.model)")
            }
            // One prior is named by its model; several by model and file, so rows stay apart.
            classifiers.append((prior.count == 1 ? classPrior.model : "\(classPrior.model):\(path)", classPrior))
        }
        let options = EvaluationRun.readOptions(dataOptions.readOptions(), for: loaded)
        let data = try MetaDataset.read(csv: dataOptions.data, options: options)
        let spec = EpisodeSpec(shots: shots ?? 5, query: .count(query ?? 5), ways: ways, seed: seed)
        let evaluation: ClassificationEvaluation
        var warnings: [String] = []
        do {
            let sampler = try EpisodeSampler(dataset: data, spec: spec)
            try sampler.checkCount(episodes)
            for (path, file) in zip(prior, loaded) {
                // The regression side's rule: a mismatch is a warning, an error with --strict.
                guard let mismatch = file.file.training.classConditionsMismatch(ways: ways, shots: [spec.shots]) else { continue }
                if strict {
                    throw InputError(file: path, column: file.file.training.ways == ways ? "training.shots" : "training.ways", mismatch + " (--strict)")
                }
                warnings.append("\(path): \(mismatch)")
            }
            try EvaluationRun.checkTrainingTasks(loaded, eligible: sampler.eligibleTasks.map { data.tasks[$0] }, dataset: data,
                                                 dataFile: dataOptions.data, allow: allowTrainingTasks, warnings: &warnings)
            for warning in warnings { reporting.say("warning: \(warning)") }
            evaluation = try ClassificationEvaluation(priors: classifiers, dataset: data, episodes: sampler.episodes(count: episodes),
                                                      baselines: !noBaselines)
        } catch var error as InputError where error.file == nil && error.column.map({ !$0.hasPrefix("--") }) ?? true {
            error.file = dataOptions.data
            throw error
        }
        func cell(_ figure: (value: Double, standardError: Double)) -> String {
            String(format: "%.4f ± %.4f", figure.value, figure.standardError)
        }
        var table = "\(ways)-way \(spec.shots)-shot, \(query ?? 5) queries per class, \(episodes) episodes (seed \(seed)); SE over \(evaluation.clusters) clusters (task and class set)\n"
        table += "method          accuracy            NLL                 Brier               ECE (15 bins)\n"
        for s in evaluation.scores {
            table += s.method.padding(toLength: max(16, s.method.count + 2), withPad: " ", startingAt: 0)
                + [s.accuracy, s.nll, s.brier, s.ece].map { cell($0).padding(toLength: 20, withPad: " ", startingAt: 0) }.joined() + "\n"
        }
        // As for regression: the file is staged and committed with the others (atomically);
        // `--output -` puts the JSON on standard output instead of the table.
        let report = ClassificationEvaluation.ReportSettings(ways: ways, shots: spec.shots, query: query ?? 5, episodes: episodes, seed: seed,
                                                             priors: prior, data: dataOptions.data, warnings: warnings)
        if let output, output != "-" {
            try outputs.write(output.lowercased().hasSuffix(".csv") ? evaluation.csv() : try evaluation.json(report), to: output)
        }
        try outputs.write(output == "-" ? try evaluation.json(report) : Array(table.utf8), to: "-")
        try outputs.commit()
        if let output, output != "-" { reporting.say("report written to \(output)") }
    }
}
