// SPDX-License-Identifier: GPL-3.0-or-later

/// Meta-training from statistics files (`fit --statistics`): merge them, fit θ by the
/// marginal likelihood from the sums alone, and write a prior file that records the files
/// and their digests under `training.statistics`.
public enum StatisticsTraining {
    /// Fits a linear-Gaussian prior to the merged statistics of `files`.
    /// - Throws: ``InputError`` for unreadable or inconsistent files (see
    ///   ``SufficientStatistics/read(files:)``), a request the sums cannot serve (the episodic
    ///   objective, a basis other than the files' own), or the errors of the fit.
    public static func train(files: [String], request: FitRequest) throws -> PriorTraining.Outcome {
        let statistics = try SufficientStatistics.read(files: files)
        return try train(statistics, request: request)
    }

    /// Fits a linear-Gaussian prior to `statistics`.
    public static func train(_ statistics: SufficientStatistics, request: FitRequest) throws -> PriorTraining.Outcome {
        let map = statistics.header.featureMap
        if request.basis != .linear && request.basis.description != map.spec {
            throw InputError(column: "--basis", "the statistics files fix the feature map ('\(map.spec)'); leave --basis out")
        }
        var plain = request
        plain.basis = .linear  // the map comes from the files; the spec is not rebuilt
        let fit = try LinearGaussianFamily.fit(statistics: statistics.taskStatistics, basis: map, request: plain)
        var training = PriorFile.TrainingConditions(objective: .marginal, dataFile: statistics.sources.map(\.file).joined(separator: " "),
                                                    dataDigest: nil)
        training.statistics = statistics.sources
        training.stages = fit.stages
        training.timeLimit = request.timeLimit
        training.taskSizeMin = statistics.counts.min()
        training.taskSizeMax = statistics.counts.max()
        if fit.stoppedAtTimeLimit { training.stoppedAtTimeLimit = true }
        let file = PriorFile(fit: fit, target: statistics.header.target, taskColumn: statistics.header.taskColumn, training: training)
        return PriorTraining.Outcome(file: file, fit: fit, split: nil)
    }
}
