// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

/// `fit --statistics`: the marginal linear-Gaussian fit from statistics files.
extension FitCommand {
    /// Options that need rows, or another family, are refused with --statistics.
    func validateStatistics() throws {
        if dataOptions.dataFile != nil { throw ValidationError("give --data or --statistics, not both") }
        if model != nil && model != LinearGaussianFamily.name {
            throw ValidationError("--statistics fits \(LinearGaussianFamily.name) only (the one family exact in per-task sums); leave --model out")
        }
        let clashing: [(String, Bool)] = [("--formula", formula != nil), ("--weights", weights != nil), ("--objective episodic", objective == .episodic),
                                          ("--split and task lists", splitOptions.isActive),
                                          ("--task, --target, --features and the other column options",
                                           [dataOptions.task, dataOptions.target, dataOptions.features, dataOptions.targets, dataOptions.descriptors].contains { $0 != nil })]
        if let (option, _) = clashing.first(where: \.1) {
            throw ValidationError("\(option) cannot be used with --statistics: the statistics files hold only per-task sums under their own columns and feature map")
        }
        try hierarchy.check(model: LinearGaussianFamily.name)
        guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a positive number") }
        try OptionRange.check("--max-iterations", maxIterations, 1...OptionRange.iterations, "a fit that needs more has not converged for another reason")
        if let timeLimit {
            try OptionRange.checkSeconds("--time-limit", timeLimit, upper: OptionRange.timeLimitSeconds, "leave the option out for no limit")
        }
    }

    /// Reads and merges the statistics files, fits, writes the prior.
    func runStatistics(deadline: ContinuousClock.Instant?) throws {
        let outputs = try CLIOutput.prepare([output])
        let outcome = try StatisticsTraining.train(files: statistics, request: request(deadline: deadline))
        try outputs.write(Array(try outcome.file.encoded()), to: output)
        try outputs.commit()
        reporting.say(outcome.report + "\n  from the statistics of \(statistics.count == 1 ? "1 file" : "\(statistics.count) files")"
                      + (output.map { $0 == "-" ? "" : "\n  prior written to \($0)" } ?? ""))
    }
}
