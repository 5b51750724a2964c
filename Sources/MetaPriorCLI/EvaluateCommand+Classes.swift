// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `evaluate --ways N`: N-way K-shot classification episodes (issue 15).
struct ClassificationEvaluateOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Classification: classes N per episode (N-way K-shot; --shots and --query are then per class). Needs a class_gaussian --prior.", valueName: "N"))
    var ways: Int?
}

extension EvaluateCommand {
    /// Scores the first prior (class_gaussian) and the nearest-mean and logistic baselines on
    /// seeded N-way episodes and prints one table row per method.
    func runClassification(ways: Int, outputs: OutputPlan) throws {
        guard ways >= 2 else { throw ValidationError("--ways must be at least 2, not \(ways)") }
        let loaded = try LoadedPrior(path: prior[0])
        guard let classPrior = loaded.file.prior as? ClassGaussianPrior else {
            throw ValidationError("--ways needs a class_gaussian prior; \(prior[0]) holds \(loaded.file.model)")
        }
        let options = EvaluationRun.readOptions(dataOptions.readOptions(), for: [loaded])
        let data = try MetaDataset.read(csv: dataOptions.data, options: options)
        let spec = EpisodeSpec(shots: shots ?? 5, query: .count(query ?? 5), ways: ways, seed: seed)
        let evaluation: ClassificationEvaluation
        do {
            let sampler = try EpisodeSampler(dataset: data, spec: spec)
            try sampler.checkCount(episodes)
            evaluation = try ClassificationEvaluation(prior: classPrior, dataset: data, episodes: sampler.episodes(count: episodes))
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
            table += s.method.padding(toLength: 16, withPad: " ", startingAt: 0)
                + [s.accuracy, s.nll, s.brier, s.ece].map { cell($0).padding(toLength: 20, withPad: " ", startingAt: 0) }.joined() + "\n"
        }
        try outputs.write(Array(table.utf8), to: "-")
        try outputs.commit()
    }
}
